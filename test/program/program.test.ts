import assert from "node:assert/strict";
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { describe, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { txtStrings } from "../../plans/txt";
import { isSecretWire, Registration, unwrapSecrets } from "../support/mock-engine";
import { runProgram, valueOf } from "../support/run-program";
import { clone, FAKE_SSH_KEY, stackFileConfig } from "../support/stack-config";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
const seed = stackFileConfig("Pulumi.prod.yaml");

function twoByTwo(): Record<string, unknown> {
  const c = clone(seed) as any;
  c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "198.51.100.7", ipv6: "2001:db8:7::7" });
  c["mailstack:domains"].push({ name: "shop.example", users: ["sales", "i"], aliases: { sales: "boss@gmail.test", "*": "sales" } });
  return c;
}

/** Every string found anywhere in `v` outside secret wrappers. */
function plainStrings(v: unknown, out: string[] = []): string[] {
  if (isSecretWire(v)) return out;
  if (typeof v === "string") out.push(v);
  else if (Array.isArray(v)) v.forEach((x) => plainStrings(x, out));
  else if (typeof v === "object" && v !== null) Object.values(v).forEach((x) => plainStrings(x, out));
  return out;
}

const inputsOf = (regs: Registration[]) => Object.fromEntries(regs.map((r) => [`${r.type}::${r.name}`, r.inputs]));

describe("program under the mock engine", () => {
  test("publishes exactly the planned records, each with the planned fields", async () => {
    const { engine, stack } = await runProgram(seed);
    const planned = await valueOf(stack.records);
    const published = engine.ofType(DNS);
    assert.equal(published.length, planned.length);
    assert.equal(published.length, 7);
    for (const record of planned) {
      const r = engine.find(DNS, `dns-${record.key}`);
      assert.deepEqual(unwrapSecrets(r.inputs), {
        zoneId: createHash("sha256").update(record.zone).digest("hex").slice(0, 32), // the mock's id for that zone name
        name: record.name, type: record.type, content: record.content, ttl: 3600, proxied: false,
        comment: record.comment, ...(record.priority !== undefined ? { priority: record.priority } : {}),
      });
    }
    assert.deepEqual(engine.invokes.map((i) => [i.token, i.inputs]), [["cloudflare:index/getZone:getZone", { filter: { name: "user.tax" } }]]);
  });

  test("the DKIM TXT decodes to the public key of the DKIM key resource", async () => {
    const { engine } = await runProgram(seed);
    const key = engine.find("tls:index/privateKey:PrivateKey", "dkim-user.tax-key");
    assert.deepEqual([key.inputs.algorithm, key.inputs.rsaBits], ["RSA", 2048]);
    const privatePem = unwrapSecrets(key.outputs.privateKeyPemPkcs8) as string;
    const txt = engine.find(DNS, "dns-txt-mailstack._domainkey.user.tax").inputs.content as string;
    const p = /p=([A-Za-z0-9+/=]+)$/.exec(txtStrings(txt).join(""))![1];
    const published = createPublicKey({ key: Buffer.from(p, "base64"), format: "der", type: "spki" });
    assert.equal(published.export({ format: "pem", type: "spki" }), createPublicKey(createPrivateKey(privatePem)).export({ format: "pem", type: "spki" }));
  });

  test("two hosts and two domains: no duplicate URNs, MX for each host, child names prefixed", async () => {
    const { engine } = await runProgram(twoByTwo());
    assert.deepEqual(engine.duplicateUrns(), []);
    for (const domain of ["user.tax", "shop.example"]) {
      const mx = engine.ofType(DNS).filter((r) => r.inputs.type === "MX" && r.inputs.name === domain);
      assert.deepEqual(mx.map((r) => [r.inputs.content, r.inputs.priority]), [["mail.user.tax", 10], ["mx2.user.tax", 20]]);
    }
    // The same local part in two domains must not collide.
    engine.find("random:index/randomPassword:RandomPassword", "users-user.tax-i-password");
    engine.find("random:index/randomPassword:RandomPassword", "users-shop.example-i-password");
    const components = engine.registrations.filter((r) => !r.custom).map((r) => r.name);
    for (const child of engine.registrations.filter((r) => r.custom)) {
      assert.ok(components.some((c) => child.name.startsWith(`${c}-`)), `${child.name} is not prefixed with its component's name`);
    }
  });

  test("the duplicate-URN check catches a collision (the mock itself does not)", async () => {
    const { engine } = await runProgram(seed);
    new pulumi.ComponentResource("mailstack:index:DkimKey", "dkim-user.tax", {});
    await engine.settle();
    assert.deepEqual(engine.duplicateUrns(), ["urn:pulumi:test::mailstack::mailstack:index:DkimKey::dkim-user.tax"]);
  });

  test("a second run with the same config changes nothing; the inputs are identical", async () => {
    const first = await runProgram(twoByTwo());
    const before = inputsOf(first.engine.registrations);
    const second = await runProgram(twoByTwo(), { state: first.engine.state });
    assert.deepEqual(inputsOf(second.engine.registrations), before);
    const changed = second.engine.registrations.filter((r) => r.custom && r.change !== "same");
    assert.deepEqual(changed.map((r) => r.name), []);
    assert.equal(await valueOf(second.stack.users["user.tax"].usersFile), await valueOf(first.stack.users["user.tax"].usersFile));
  });

  test("adding a user changes only that domain's users resources, its users step on each host, and the verification", async () => {
    const first = await runProgram(twoByTwo());
    const more = twoByTwo() as any;
    more["mailstack:domains"][1].users.push("support");
    const second = await runProgram(more, { state: first.engine.state });
    const changed = second.engine.registrations.filter((r) => r.custom && r.change !== "same").map((r) => `${r.change} ${r.name}`);
    assert.deepEqual(changed.sort(), [
      "create users-shop.example-support-password", "create users-shop.example-support-salt",
      "replace host-198.51.100.7-reach", "replace host-198.51.100.7-verify", "replace host-203.0.113.25-reach", "replace host-203.0.113.25-verify",
      "update host-198.51.100.7-domain-shop.example", "update host-203.0.113.25-domain-shop.example",
    ]);
    assert.notEqual(await valueOf(second.stack.users["shop.example"].usersFile), await valueOf(first.stack.users["shop.example"].usersFile));
    assert.equal(await valueOf(second.stack.users["user.tax"].usersFile), await valueOf(first.stack.users["user.tax"].usersFile));
  });

  test("passwords and private keys are secret in outputs, and never plain in any resource input", async () => {
    const { engine, stack } = await runProgram(twoByTwo());
    assert.ok(pulumi.isSecret(stack.smtpPasswords), "smtpPasswords must be secret");
    const passwords = await valueOf(stack.smtpPasswords);
    assert.deepEqual(Object.keys(passwords).sort(), ["i@shop.example", "i@user.tax", "sales@shop.example"]);
    for (const domain of ["user.tax", "shop.example"]) {
      assert.ok(pulumi.isSecret(stack.dkim[domain].privateKeyPem));
      assert.ok(pulumi.isSecret(stack.users[domain].usersFile));
      for (const pw of Object.values(stack.users[domain].passwords)) assert.ok(pulumi.isSecret(pw));
    }
    const secrets = [...Object.values(passwords), FAKE_SSH_KEY];
    for (const key of engine.ofType("tls:index/privateKey:PrivateKey")) {
      assert.ok(isSecretWire(key.outputs.privateKeyPem) && isSecretWire(key.outputs.privateKeyPemPkcs8));
      secrets.push(unwrapSecrets(key.outputs.privateKeyPemPkcs8) as string, unwrapSecrets(key.outputs.privateKeyPem) as string);
    }
    assert.ok(secrets.every((s) => s.length >= 32));
    // Remote steps: secrets only on stdin, and such steps keep their output out of the logs.
    const commands = engine.ofType("command:remote:Command");
    assert.ok(commands.length >= 12);
    for (const c of commands) {
      assert.equal(typeof c.inputs.create, "string", `${c.name}: command text must be plain, never secret`);
      assert.equal(c.inputs.environment, undefined, `${c.name}: no environment (sshd AcceptEnv)`);
      assert.equal(c.inputs.addPreviousOutputInEnv, false);
      if (/-domain-.*$/.test(c.name)) {
        assert.ok(isSecretWire(c.inputs.stdin), `${c.name}: stdin must be secret`);
        assert.equal(c.inputs.logging, "none", `${c.name}: logging`);
      }
    }
    for (const reg of engine.registrations) {
      for (const s of plainStrings(reg.inputs)) {
        for (const secret of secrets) assert.ok(!s.includes(secret), `${reg.type} ${reg.name} carries a secret in plain input`);
      }
    }
  });

  test("outputs: SMTP settings per user, DKIM record names, a warning for an unpinned host key", async () => {
    const { stack } = await runProgram(seed);
    assert.deepEqual(stack.smtp, [{ address: "i@user.tax", host: "mail.user.tax", port: 465, alternatePort: 587, username: "i@user.tax" }]);
    assert.match((await valueOf(stack.smtpPasswords))["i@user.tax"], /^[A-Za-z0-9]{32}$/);
    assert.equal(stack.dkim["user.tax"].recordName, "mailstack._domainkey.user.tax");
    assert.match(stack.warnings.join("\n"), /mail\.user\.tax: SSH host key pinned on first use/);
  });

  test("bad config stops the program before any resource is registered", async () => {
    const bad = clone(seed) as any;
    bad["mailstack:hosts"][0].ipv4 = "nope";
    await assert.rejects(runProgram(bad), /mailstack:hosts\[0\]\.ipv4/);
  });
});
