import assert from "node:assert/strict";
import { test } from "node:test";
import { dkimKeyStrength, txtStringLength } from "../../policy/rules";
import { FakeResource, NOT_APPLICABLE, quoted, record, runResourcePolicy, txt, UNKNOWN } from "./fake-args";
import { DKIM_VALUE } from "./mail-stack-fixture";

const KEY = "tls:index/privateKey:PrivateKey";
const key = (name: string, props: Record<string, unknown>, parentType?: string): FakeResource => ({ type: KEY, name, props, parentType });

const keyCases: [string, FakeResource, RegExp | null | typeof NOT_APPLICABLE][] = [
  ["RSA 2048 (the program's key)", key("dkim-user.tax-key", { algorithm: "RSA", rsaBits: 2048 }), null],
  ["RSA 4096", key("dkim-user.tax-key", { algorithm: "RSA", rsaBits: 4096 }), null],
  ["RSA without rsaBits (provider default 2048)", key("dkim-user.tax-key", { algorithm: "RSA" }), null],
  ["ED25519", key("dkim-user.tax-key", { algorithm: "ED25519" }), null],
  ["RSA 1024", key("dkim-user.tax-key", { algorithm: "RSA", rsaBits: 1024 }), /tls\.PrivateKey "dkim-user\.tax-key" is a DKIM key with RSA 1024 bits\. Fix: algorithm "RSA" with rsaBits >= 2048/],
  ["ECDSA", key("dkim-user.tax-key", { algorithm: "ECDSA", ecdsaCurve: "P256" }), /with algorithm ECDSA/],
  ["a key inside DkimKey whatever its name", key("signing", { algorithm: "RSA", rsaBits: 1024 }, "mailstack:index:DkimKey"), /RSA 1024 bits/],
  ["a non-DKIM key (ACME account, ECDSA) is not checked", key("acme-account-key", { algorithm: "ECDSA" }), NOT_APPLICABLE],
  ["another type", { type: "random:index/randomPassword:RandomPassword", name: "dkim-x", props: {} }, NOT_APPLICABLE],
];
for (const [name, resource, expected] of keyCases) {
  test(`dkim-key-strength: ${name}`, async () => {
    const result = await runResourcePolicy(dkimKeyStrength, resource);
    if (expected === NOT_APPLICABLE) assert.equal(result, NOT_APPLICABLE);
    else if (expected === null) assert.deepEqual(result, []);
    else {
      assert.ok(Array.isArray(result) && result.length === 1, String(result));
      assert.match(result[0], expected);
    }
  });
}

test("txt-string-max-255-bytes: split DKIM passes, 256 bytes fails naming the string, non-ASCII counts bytes", async () => {
  assert.deepEqual(await runResourcePolicy(txtStringLength, record("TXT", "s._domainkey.user.tax", quoted(DKIM_VALUE.slice(0, 255), DKIM_VALUE.slice(255)))), []);
  assert.deepEqual(await runResourcePolicy(txtStringLength, txt("x.user.tax", "a".repeat(255))), []);
  const long = await runResourcePolicy(txtStringLength, record("TXT", "s._domainkey.user.tax", quoted(DKIM_VALUE)));
  assert.deepEqual(long, [`DnsRecord "dns-txt-s._domainkey.user.tax" (TXT s._domainkey.user.tax): string 1 is ${DKIM_VALUE.length} bytes (max 255). Fix: split the value into quoted strings of at most 255 bytes ("…" "…"), e.g. with plans/txt.ts txtContent.`]);
  assert.match(String(await runResourcePolicy(txtStringLength, txt("x.user.tax", "é".repeat(128)))), /string 1 is 256 bytes/);
  assert.match(String(await runResourcePolicy(txtStringLength, record("TXT", "x.user.tax", "b".repeat(300)))), /unquoted|string 1 is 300 bytes/);
  assert.match(String(await runResourcePolicy(txtStringLength, record("TXT", "x.user.tax", quoted("ok", "c".repeat(256))))), /string 2 is 256 bytes/);
  assert.deepEqual(await runResourcePolicy(txtStringLength, record("A", "x.user.tax", "203.0.113.1")), []);
  assert.deepEqual(await runResourcePolicy(txtStringLength, record("TXT", "x.user.tax", UNKNOWN)), []);
});
