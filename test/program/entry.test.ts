// index.ts as the Pulumi CLI runs it: config from the runtime, outputs as stack exports.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { MockEngine } from "../support/mock-engine";
import { KNOWN_KEYS, validateStackConfig } from "../../stacks/validate";
import { fakeHostApplier } from "../support/fake-host";
import { valueOf } from "../support/run-program";
import { ROOT, SECRET_KEYS, stackFileConfig, toEngineConfig } from "../support/stack-config";

test("index.ts exports the stack outputs from the example prod stack", async () => {
  const engine = new MockEngine({
    config: toEngineConfig(stackFileConfig("Pulumi.prod.yaml")), secretKeys: SECRET_KEYS, stack: "prod", apply: fakeHostApplier(),
  });
  await engine.start();
  const program = await import("../../index.js");
  await engine.settle();
  const records = await valueOf(program.records);
  assert.equal(records.length, 7);
  assert.deepEqual(program.smtp.map((s) => s.address), ["i@user.tax"]);
  assert.ok(pulumi.isSecret(program.smtpPasswords));
  assert.deepEqual(program.dkim, { "user.tax": { selector: "mailstack", recordName: "mailstack._domainkey.user.tax" } });
  assert.equal(program.warnings.length, 1);
  assert.deepEqual(await valueOf(program.hosts["mail.user.tax"].facts), { os: "debian-13", chasquid: "1.15.0-1+b4", dkim: "native" });
  assert.deepEqual(engine.duplicateUrns(), []);
});

test("Pulumi.yaml declares every config key the validator knows, with its shape, and no backend", () => {
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
  assert.equal(project.name, "mailstack");
  assert.equal(project.runtime.name, "nodejs");
  // A `backend:` in the project file wins over `pulumi login` and PULUMI_BACKEND_URL.
  assert.equal(project.backend, undefined);
  // The SSH key is set from its file (README); every other key is declared, with a description.
  assert.deepEqual(Object.keys(project.config).sort(), KNOWN_KEYS.filter((k) => k !== "sshPrivateKey").sort());
  for (const [key, schema] of Object.entries<any>(project.config)) {
    assert.ok(["string", "integer", "boolean", "array", "object"].includes(schema.type), `${key}: Pulumi's schema has no type ${schema.type}`);
    assert.ok(schema.description, `${key} has no description`);
  }
  // Structured keys: the CLI checks their shape (3.187+). Typed keys without a default are required
  // by the CLI, so only the keys the validator also requires go without one.
  assert.deepEqual(project.config.hosts.items, { type: "object" });
  assert.deepEqual(project.config.domains.items, { type: "object" });
  assert.equal(project.config.acme.type, "object");
  assert.deepEqual(Object.keys(project.config).filter((k) => !("default" in project.config[k])).sort(), ["acme", "domains", "hosts"]);
  assert.deepEqual([project.config.dnsTtl.default, project.config.monitoringPort.default, project.config.allowKeyReplacement.default], [3600, 0, false]);
  // Optional objects: the CLI fills in a declared default, so {} must mean "not set".
  assert.deepEqual([project.config.contabo.default, project.config.reverseDns.default], [{}, {}]);
  assert.deepEqual([project.config.fail2ban.default, project.config.submissionSrv.default], [{}, false]);
  const defaults = validateStackConfig(toEngineConfig({ ...stackFileConfig("Pulumi.prod.yaml"), "mailstack:contabo": {}, "mailstack:reverseDns": {} }));
  assert.deepEqual([defaults.contabo, defaults.reverseDns], [undefined, { check: "stop", resolver: undefined }]);
  // `pulumi new` would store a structured value typed at its prompt as a plain string.
  assert.deepEqual(Object.keys(project.template.config), ["cloudflare:apiToken"]);
  assert.ok(project.template.config["cloudflare:apiToken"].secret);
});

test("the README's config table lists every key the validator knows", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const key of KNOWN_KEYS) assert.match(readme, new RegExp(`^\\| \`mailstack:${key}\` \\|`, "m"), key);
});

test("package.json pins every Pulumi package exactly, on an SDK that runs on Node 20", () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.deepEqual(
    Object.fromEntries(Object.entries(pkg.dependencies).filter(([k]) => k.startsWith("@pulumi/"))),
    { "@pulumi/cloudflare": "6.22.1", "@pulumi/command": "1.2.1", "@pulumi/pulumi": "3.248.0", "@pulumi/random": "4.21.2", "@pulumi/tls": "5.6.1" },
  );
  const sdk = JSON.parse(readFileSync(join(ROOT, "node_modules/@pulumi/pulumi/package.json"), "utf8"));
  assert.equal(sdk.version, "3.248.0");
  assert.equal(sdk.engines.node, ">=20");
});
