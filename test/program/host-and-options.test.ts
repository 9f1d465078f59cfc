// The program off its main path: a Debian 12 host (chasquid 1.11, DKIM through the post-data hook),
// warnings under Diagnostics, and a provider handed to a component through its resource options.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { DnsRecords } from "../../components/dns-records";
import { MockEngine, outputValue, unwrapSecrets } from "../support/mock-engine";
import { validateStackConfig } from "../../stacks/validate";
import { fakeHostApplier } from "../support/fake-host";
import { runProgram } from "../support/run-program";
import { SECRET_KEYS, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml");
const step = (engine: MockEngine, id: string) => engine.find("command:remote:Command", `host-203.0.113.25-${id}`);

test("a host with chasquid before 1.14 (Ubuntu 24.04's 1.13) reports hook DKIM; the steps are the same, the host decides", async () => {
  const runs = { hook: await runProgram(seed, { apply: fakeHostApplier("hook") }), native: await runProgram(seed) };
  assert.deepEqual(await outputValue(runs.hook.stack.hosts["mail.user.tax"].facts), { os: "ubuntu-24.04", chasquid: "1.13-1ubuntu0.3", dkim: "hook" });
  assert.deepEqual(await outputValue(runs.native.stack.hosts["mail.user.tax"].facts), { os: "debian-13", chasquid: "1.15.0-1+b4", dkim: "native" });
  for (const { engine } of Object.values(runs)) {
    // The domain step gets the key and its selector: domain.sh writes certs/<d>/dkim_privkey.pem and
    // domains/<d>/dkim_selector in hook mode, domains/<d>/dkim:<selector>.pem natively.
    const domain = step(engine, "domain-user.tax");
    assert.match(String(unwrapSecrets(domain.inputs.stdin)), /^FILE dkim\.pem /m);
    assert.match(String(domain.inputs.create), /^MS_SELECTOR='mailstack'$/m);
  }
  // The mode is decided on the host at each step from the chasquid installed (an upgrade to 1.14+
  // switches to native signing at the next domain step), so no step text carries it.
  for (const id of ["base", "chasquid", "domain-user.tax"]) {
    assert.doesNotMatch(String(step(runs.hook.engine, id).inputs.create), /MS_DKIM_MODE/);
    assert.equal(step(runs.hook.engine, id).inputs.create, step(runs.native.engine, id).inputs.create);
  }
});

test("Debian 12 with chasquid 1.11 (hook DKIM): the facts say so, and every step, key and record is planned as on a native host", async () => {
  const debian12 = { os: "debian-12", chasquid: "1.11-2+b4" };
  const config = structuredClone(seed) as any;
  config["mailstack:domains"][0].ed25519Selector = "mailstack-ed";
  const runs = { hook: await runProgram(config, { apply: fakeHostApplier("hook", debian12) }), native: await runProgram(config) };
  assert.deepEqual(await outputValue(runs.hook.stack.hosts["mail.user.tax"].facts), { os: "debian-12", chasquid: "1.11-2+b4", dkim: "hook" });
  // The hook signs with RSA only, yet the Ed25519 key is made, published and handed to the host:
  // domain.sh keeps it for chasquid 1.14+, and verify.sh checks it only where chasquid signs natively.
  const hook = runs.hook.engine;
  assert.deepEqual(hook.ofType("tls:index/privateKey:PrivateKey").map((k) => [k.name, k.inputs.algorithm]).sort(),
    [["dkim-ed25519-user.tax-key-mailstack-ed", "ED25519"], ["dkim-user.tax-key", "RSA"]]);
  assert.deepEqual((await outputValue(runs.hook.stack.records)).filter((r) => r.name.includes("._domainkey.")).map((r) => r.name),
    ["mailstack._domainkey.user.tax", "mailstack-ed._domainkey.user.tax"]);
  const domain = step(hook, "domain-user.tax");
  assert.match(String(domain.inputs.create), /^MS_ED25519_SELECTOR='mailstack-ed'$/m);
  assert.deepEqual([...String(unwrapSecrets(domain.inputs.stdin)).matchAll(/^FILE (\S+) /gm)].map((m) => m[1]).sort(),
    ["aliases", "dkim-ed25519.pem", "dkim.pem", "users"]);
  assert.match(String(step(hook, "verify").inputs.create), /^MS_DKIM='user\.tax:mailstack'$/m);
  assert.match(String(step(hook, "verify").inputs.create), /^MS_DKIM_ED25519='user\.tax:mailstack-ed'$/m);
  // Same step texts: the mode is the host's business at each step (base.sh moves Debian 12 to
  // Debian 13's chasquid, and an upgrade to 1.14+ switches to native signing with no config change).
  const ids = (engine: MockEngine) => engine.ofType("command:remote:Command").map((c) => c.name).sort();
  assert.deepEqual(ids(hook), ids(runs.native.engine));
  for (const name of ids(hook)) {
    assert.equal(hook.find("command:remote:Command", name).inputs.create, runs.native.engine.find("command:remote:Command", name).inputs.create, name);
  }
});

test("a stack on a Debian 12 host another stack owns reads the hook mode from preflight (it runs no base step)", async () => {
  const guest = structuredClone(seed) as any;
  guest["mailstack:hosts"][0].owner = false;
  const { engine, stack } = await runProgram(guest, { apply: fakeHostApplier("hook", { os: "debian-12", chasquid: "1.11-2+b4" }) });
  assert.deepEqual(await outputValue(stack.hosts["mail.user.tax"].facts), { os: "debian-12", chasquid: "1.11-2+b4", dkim: "hook" });
  assert.deepEqual(engine.ofType("command:remote:Command").map((c) => c.name.replace("host-203.0.113.25-", "")).sort(),
    ["claims", "domain-user.tax", "preflight", "verify"]);
});

test("warnings also go to pulumi.log.warn, attached to their host (Diagnostics of every preview)", async (t) => {
  const warn = t.mock.method(pulumi.log, "warn", () => Promise.resolve());
  const { stack } = await runProgram(seed);
  assert.equal(stack.warnings.length, 1);
  assert.deepEqual(warn.mock.calls.map((c) => c.arguments), [[stack.warnings[0], stack.hosts["mail.user.tax"]]]);
  warn.mock.resetCalls();
  const pinned = structuredClone(seed) as any;
  pinned["mailstack:hosts"][0].sshHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK0wmN/Cr3JXqmLW7u+g9pTh+wyqDHpSQEIQczXkVx9q";
  assert.deepEqual((await runProgram(pinned)).stack.warnings, []);
  assert.equal(warn.mock.callCount(), 0);
});

test("DnsRecords takes its Cloudflare provider from the resource options, for records and zone lookups", async () => {
  const engine = new MockEngine({ config: toEngineConfig(seed), secretKeys: SECRET_KEYS });
  await engine.start();
  const config = validateStackConfig(toEngineConfig(seed));
  const provider = new cloudflare.Provider("cf-other-account", { apiToken: "not-real" });
  new DnsRecords("dns", { config, dkimValues: { "mailstack._domainkey.user.tax": "v=DKIM1; k=rsa; p=AAAA" } }, { providers: [provider] });
  await engine.settle();
  const providerRef = `${await outputValue(provider.urn)}::${await outputValue(provider.id)}`;
  const records = engine.ofType("cloudflare:index/dnsRecord:DnsRecord");
  assert.equal(records.length, 7);
  assert.deepEqual([...new Set(records.map((r) => r.provider))], [providerRef]);
  assert.deepEqual(engine.invokes.map((i) => [i.token, i.provider]), [["cloudflare:index/getZone:getZone", providerRef]]);
});

test("mailstack:contabo: the PTR step sets the owner's PTRs through the API before the certificate; secrets only on its stdin", async () => {
  const config = { ...seed, "mailstack:contabo": { clientId: "INT-1", apiUser: "me@user.tax", clientSecret: "cs-not-real", apiPassword: "pw-not-real" } };
  const { engine } = await runProgram(config);
  const ptr = engine.find("command:local:Command", "host-203.0.113.25-ptr");
  const text = String(ptr.inputs.create);
  assert.match(text, /MS_CLIENT_ID='INT-1' MS_API_USER='me@user\.tax' node --input-type=module -e/);
  assert.match(text, /MS_AUTH_URL='https:\/\/auth\.contabo\.com\/auth\/realms\/contabo\/protocol\/openid-connect\/token'/);
  assert.ok(!text.includes("not-real"), "a secret in the command's text");
  assert.deepEqual(JSON.parse(String(unwrapSecrets(ptr.inputs.stdin))), { clientSecret: "cs-not-real", apiPassword: "pw-not-real" });
  assert.notEqual(ptr.inputs.stdin, unwrapSecrets(ptr.inputs.stdin), "stdin is not a secret");
  // After the claims check (nothing set for a host another stack holds), before the certificate.
  const named = (deps: string[]) => deps.map((urn) => urn.slice(urn.lastIndexOf("::") + 2));
  assert.deepEqual(named(ptr.dependencies), ["host-203.0.113.25-claims"]);
  assert.ok(named(step(engine, "tls").dependencies).includes("host-203.0.113.25-ptr"), "the certificate does not wait for the PTR");
});

test("a host another stack owns gets no PTR step: the PTR is its owner's", async () => {
  const guest = structuredClone(seed) as any;
  guest["mailstack:hosts"][0].owner = false;
  const { engine } = await runProgram(guest);
  assert.deepEqual(engine.ofType("command:local:Command").map((r) => r.name), ["host-203.0.113.25-reach"]);
});
