// The program off its main path: a Debian 12 host (chasquid 1.11, DKIM through the post-data hook),
// warnings under Diagnostics, and a provider handed to a component through its resource options.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { DnsRecords } from "../../components/dns-records";
import { MockEngine, outputValue, unwrapSecrets } from "../../runner/mock-engine";
import { validateStackConfig } from "../../stacks/validate";
import { fakeHostApplier } from "../support/fake-host";
import { runProgram } from "../support/run-program";
import { SECRET_KEYS, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml");
const step = (engine: MockEngine, id: string) => engine.find("command:remote:Command", `host-mail.user.tax-${id}`);

test("a Debian 12 host (chasquid 1.11): the base and chasquid steps take the hook layout, with the key per selector", async () => {
  const runs = { hook: await runProgram(seed, { apply: fakeHostApplier("hook") }), native: await runProgram(seed) };
  assert.deepEqual(await outputValue(runs.hook.stack.hosts["mail.user.tax"].facts), { os: "debian-12", chasquid: "1.11-2+b2", dkim: "hook" });
  for (const [mode, { engine }] of Object.entries(runs)) {
    for (const id of ["base", "chasquid"]) {
      const text = String(step(engine, id).inputs.create);
      assert.match(text, new RegExp(`^MS_DKIM_MODE='${mode}'$`, "m"), `${mode}: ${id} step`);
    }
    // The bundle names the key by its selector: chasquid.sh writes certs/<d>/dkim_privkey.pem and
    // domains/<d>/dkim_selector from it in hook mode, domains/<d>/dkim:<selector>.pem natively.
    assert.match(String(unwrapSecrets(step(engine, "chasquid").inputs.stdin)), /dkim\/user\.tax\/mailstack\.pem/);
  }
  // The same config and key material otherwise: only the mode differs between the two hosts' steps.
  const strip = (s: unknown) => String(s).replace(/MS_DKIM_MODE='[a-z]+'/, "");
  assert.equal(strip(step(runs.hook.engine, "chasquid").inputs.create), strip(step(runs.native.engine, "chasquid").inputs.create));
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
  new DnsRecords("dns", { config, dkimValues: { "user.tax": "v=DKIM1; k=rsa; p=AAAA" } }, { providers: [provider] });
  await engine.settle();
  const providerRef = `${await outputValue(provider.urn)}::${await outputValue(provider.id)}`;
  const records = engine.ofType("cloudflare:index/dnsRecord:DnsRecord");
  assert.equal(records.length, 7);
  assert.deepEqual([...new Set(records.map((r) => r.provider))], [providerRef]);
  assert.deepEqual(engine.invokes.map((i) => [i.token, i.provider]), [["cloudflare:index/getZone:getZone", providerRef]]);
});
