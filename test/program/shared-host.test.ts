// Two stacks on one host: the one that owns it (the default) and one that only adds its domains
// (mailstack:hosts[].owner: false). Under the mock engine: what each declares.
import assert from "node:assert/strict";
import { test } from "node:test";
import { outputValue } from "../support/mock-engine";
import { runProgram } from "../support/run-program";
import { clone, stackFileConfig } from "../support/stack-config";

const owner = stackFileConfig("Pulumi.prod.yaml");
const guestConfig = () => {
  const c = clone(owner) as any; // eslint-disable-line @typescript-eslint/no-explicit-any -- stack file YAML
  c["mailstack:hosts"][0].owner = false;
  c["mailstack:domains"] = [{ name: "shop.example", users: ["sales"], aliases: { "*": "your.name@gmail.com" } }];
  return c;
};

test("a stack that does not own its host: its domains' steps and records only, nothing of the host's", async () => {
  const { engine, stack } = await runProgram(guestConfig());
  const commands = engine.ofType("command:remote:Command").map((r) => r.name).sort();
  assert.deepEqual(commands, ["host-203.0.113.25-claims", "host-203.0.113.25-domain-shop.example", "host-203.0.113.25-preflight", "host-203.0.113.25-verify"]);
  const records = (await outputValue(stack.records)).map((r) => `${r.type} ${r.name}`).sort();
  assert.deepEqual(records, ["MX shop.example", "TXT _dmarc.shop.example", "TXT mailstack._domainkey.shop.example", "TXT shop.example"],
    "no A, AAAA or HELO SPF of the host: they are its owner's");
  assert.match(String(engine.find("command:remote:Command", "host-203.0.113.25-preflight").inputs.create), /^MS_GUEST_OF='mail\.user\.tax'$/m);
  // Facts come from preflight: the chasquid the owner installed.
  assert.deepEqual(await outputValue(stack.hosts["mail.user.tax"].facts), { os: "debian-13", chasquid: "1.15.0-1+b4", dkim: "native" });
});

test("no key, password or record is made before the claims check, and the certificate waits for the records", async () => {
  const { engine } = await runProgram(owner);
  const claims = engine.find("command:remote:Command", "host-203.0.113.25-claims");
  const records = engine.ofType("cloudflare:index/dnsRecord:DnsRecord");
  assert.equal(records.length, 7);
  for (const r of records) assert.ok(r.dependencies.some((u) => u.endsWith("::host-203.0.113.25-claims")), `${r.name} waits for claims: ${r.dependencies}`);
  for (const type of ["tls:index/privateKey:PrivateKey", "random:index/randomPassword:RandomPassword", "random:index/randomId:RandomId"]) {
    for (const r of engine.ofType(type)) assert.ok(r.dependencies.some((u) => u.endsWith("::host-203.0.113.25-claims")), `${r.name} is made after claims`);
  }
  const waits = (id: string) => engine.find("command:remote:Command", `host-203.0.113.25-${id}`).dependencies;
  // A dependency on the component is a dependency on each of its records.
  assert.ok(waits("tls").some((u) => u.endsWith("::dns-a-mail.user.tax")), `tls waits for the A record: ${waits("tls")}`);
  assert.ok(waits("verify").some((u) => u.endsWith("::dns-txt-mailstack._domainkey.user.tax")), "verify checks DKIM against the published record");
  assert.match(String(claims.inputs.create), /^MS_DOMAINS='user\.tax'$/m);
  assert.match(String(claims.inputs.create), /^MS_OWNER='yes'$/m);
});

test("the owner's steps and markers name its stack; the same config as before otherwise", async () => {
  const { engine } = await runProgram(owner);
  for (const id of ["base", "chasquid", "domain-user.tax"]) {
    assert.match(String(engine.find("command:remote:Command", `host-203.0.113.25-${id}`).inputs.create), /^MS_STACK='mailstack\/test'$/m, id);
  }
  const records = engine.ofType("cloudflare:index/dnsRecord:DnsRecord").map((r) => r.name);
  assert.ok(records.some((n) => n.startsWith("dns-a-mail.user.tax")), records.join(" "));
});
