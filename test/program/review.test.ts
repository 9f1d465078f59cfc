// What a reviewer sees in `pulumi preview`, under the mock engine in preview mode: adding a domain
// shows that domain's resources and the host steps that must change, and nothing else; the keys and
// passwords are protected. docs/review-and-deploy.md quotes these lists.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MockEngine, Registration } from "../support/mock-engine";
import { runProgram } from "../support/run-program";
import { clone, stackFileConfig } from "../support/stack-config";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const KEY = "tls:index/privateKey:PrivateKey";
const SECRET_TYPES = [KEY, "random:index/randomPassword:RandomPassword", "random:index/randomId:RandomId"];
const isUnknown = (v: unknown) => typeof v === "object" && v !== null && (v as { __pulumiUnknown?: boolean }).__pulumiUnknown === true;
const noApply = async (reg: Omit<Registration, "outputs">) => assert.fail(`preview applied ${reg.name}`);
const changes = (regs: Registration[]) => regs.filter((r) => r.custom && r.change !== "same").map((r) => `${r.change} ${r.name}`).sort();

describe("review: what a preview shows", () => {
  test("the prod stack declares 19 resources in 4 components (7 records, 1 key, 2 random values, 7 host steps, 2 local steps)", async () => {
    const { engine } = await runProgram(stackFileConfig("Pulumi.prod.yaml"));
    const count = (type: string) => engine.ofType(type).length;
    assert.deepEqual(engine.registrations.filter((r) => !r.custom).map((r) => r.type).sort(),
      ["mailstack:index:DkimKey", "mailstack:index:DnsRecords", "mailstack:index:MailHost", "mailstack:index:MailUsers"]);
    assert.equal(engine.registrations.filter((r) => r.custom).length, 19);
    assert.deepEqual([count(DNS), count(KEY), count(SECRET_TYPES[1]) + count(SECRET_TYPES[2]), count("command:remote:Command"),
      count("command:local:Command")], [7, 1, 2, 7, 2]);
    // The PTR check (no mailstack:contabo in the prod stack) runs before the certificate.
    const ptr = engine.find("command:local:Command", "host-203.0.113.25-ptr");
    assert.match(String(ptr.inputs.create), /MS_HOSTNAME='mail\.user\.tax' MS_ADDRESSES='203\.0\.113\.25 2001:db8:25::25' MS_RESOLVER='' MS_ON_MISMATCH='stop' node /);
  });

  test("adding a domain (prod → two-domains): that domain's resources, three host steps and the reach check, nothing else; every other record stays known", async () => {
    const up = await runProgram(stackFileConfig("Pulumi.prod.yaml"));
    const { engine } = await runProgram(stackFileConfig("Pulumi.two-domains.yaml"), { preview: true, state: up.engine.state, apply: noApply });
    assert.deepEqual(changes(engine.registrations), [
      "create dkim-shop.example-key",
      "create dns-mx-shop.example-mail.user.tax",
      "create dns-txt-_dmarc.shop.example",
      "create dns-txt-mailstack._domainkey.shop.example",
      "create dns-txt-shop.example",
      "create dns-txt-shop.example._report._dmarc.user.tax",
      "create host-203.0.113.25-domain-shop.example",
      "create users-shop.example-sales-password",
      "create users-shop.example-sales-salt",
      "replace host-203.0.113.25-reach",
      "replace host-203.0.113.25-verify",
      "update host-203.0.113.25-chasquid",
      "update host-203.0.113.25-claims",
    ]);
    // Each record's content depends on its own domain's key only: the new key is unknown until up,
    // and user.tax's DKIM record is known and unchanged.
    const dkim = (domain: string) => engine.find(DNS, `dns-txt-mailstack._domainkey.${domain}`);
    assert.ok(isUnknown(dkim("shop.example").inputs.content));
    assert.match(String(dkim("user.tax").inputs.content), /^"v=DKIM1; k=rsa; p=MII/);
    assert.equal(dkim("user.tax").change, "same");
    assert.deepEqual(engine.ofType(DNS).filter((r) => isUnknown(r.inputs.content)).map((r) => r.name), ["dns-txt-mailstack._domainkey.shop.example"]);
  });
});

describe("protected keys and passwords", () => {
  const seed = stackFileConfig("Pulumi.prod.yaml");
  const protectedNames = (regs: Registration[]) => regs.filter((r) => r.protect).map((r) => r.name).sort();

  test("by default the DKIM key, passwords and salts are protected, and nothing else", async () => {
    const { engine } = await runProgram(seed);
    assert.deepEqual(protectedNames(engine.registrations.filter((r) => r.custom)),
      ["dkim-user.tax-key", "users-user.tax-i-password", "users-user.tax-i-salt"]);
    assert.ok(engine.registrations.filter((r) => SECRET_TYPES.includes(r.type)).every((r) => r.protect));
  });

  test("mailstack:allowKeyReplacement true lifts the protection", async () => {
    const { engine } = await runProgram({ ...seed, "mailstack:allowKeyReplacement": true });
    assert.deepEqual(protectedNames(engine.registrations), []);
  });

  test("the engine refuses to replace a protected key, even in the run that lifts the protection", async () => {
    // What a provider-side change (or `--replace`) looks like to the engine: the recorded inputs differ.
    const state = { [`${KEY}::k`]: { inputs: { algorithm: "RSA", rsaBits: 4096 }, outputs: {}, protect: true } };
    const engine = new MockEngine({ config: {}, state: clone(state) });
    // Straight to the engine's registration handler: through the SDK, a refused registration also
    // rejects every output of the resource, each as an unhandled rejection.
    // The recorded protection decides, so the run that turns it off still meets it.
    const register = () => engine["newResource"]({ type: KEY, name: "k", inputs: { algorithm: "RSA", rsaBits: 2048 }, custom: true } as never);
    await assert.rejects(register(), /k would be replaced, but it is protected/);
    assert.deepEqual(engine.state, state, "a refused replacement changes no state");
  });

  test("after an up with the switch on, nothing is protected and a replacement goes through", async () => {
    const unlocked = await runProgram({ ...seed, "mailstack:allowKeyReplacement": true }, { state: (await runProgram(seed)).engine.state });
    assert.equal(unlocked.engine.state[`${KEY}::dkim-user.tax-key`].protect, undefined);
    unlocked.engine.state[`${KEY}::dkim-user.tax-key`].inputs.rsaBits = 4096;
    const replaced = await runProgram({ ...seed, "mailstack:allowKeyReplacement": true }, { state: unlocked.engine.state });
    assert.equal(replaced.engine.find(KEY, "dkim-user.tax-key").change, "replace");
    // And the next up with the switch off protects the new key again.
    const locked = await runProgram(seed, { state: replaced.engine.state });
    assert.equal(locked.engine.state[`${KEY}::dkim-user.tax-key`].protect, true);
  });

  test("a new selector is a new key under a new record (rotation), never a new key under the old selector", async () => {
    const up = await runProgram(seed);
    const rotated = clone(seed) as any;
    rotated["mailstack:domains"][0].dkimSelector = "2026a";
    const { engine } = await runProgram(rotated, { preview: true, state: up.engine.state, apply: noApply });
    assert.equal(engine.find(KEY, "dkim-user.tax-key-2026a").change, "create");
    assert.equal(engine.find(DNS, "dns-txt-2026a._domainkey.user.tax").change, "create");
    // The old key and record leave the program (the engine deletes them once unprotected).
    assert.equal(engine.ofType(KEY).length, 1);
    assert.throws(() => engine.find(DNS, "dns-txt-mailstack._domainkey.user.tax"));
  });
});
