// index.ts as the Pulumi CLI runs it: config from the runtime, outputs as stack exports.
import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { MockEngine } from "../../runner/mock-engine";
import { KNOWN_KEYS } from "../../stacks/validate";
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

test("Pulumi.yaml documents every config key the validator knows, and pins a local backend", () => {
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8"));
  assert.equal(project.name, "mailstack");
  assert.equal(project.runtime.name, "nodejs");
  assert.equal(project.backend.url, "file://~");
  for (const key of KNOWN_KEYS) {
    assert.ok(project.template.config[`mailstack:${key}`]?.description, `mailstack:${key} is not documented in Pulumi.yaml`);
  }
  for (const [key, schema] of Object.entries<any>(project.config)) {
    assert.ok(["string", "integer", "boolean", "array"].includes(schema.type), `${key}: Pulumi's schema has no type ${schema.type}`);
    assert.ok("default" in schema, `${key}: a typed key without default would be required by the CLI`);
  }
  assert.ok(project.template.config["cloudflare:apiToken"].secret);
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
