import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { zoneLookupError } from "../../components/dns-records";
import { planDnsRecords } from "../../plans/dns";
import { dkimValue } from "../../plans/mail-records";
import { txtContent, txtStrings } from "../../plans/txt";
import { validateStackConfig } from "../../stacks/validate";
import { clone, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seedConfig = validateStackConfig(toEngineConfig(stackFileConfig("Pulumi.prod.yaml")));
const publicKeyPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();
const base = { ttl: 3600, proxied: false as const };

describe("DNS plan", () => {
  test("the seed's config yields exactly the expected records", () => {
    const dkim = dkimValue(publicKeyPem);
    const records = planDnsRecords(seedConfig, { "mailstack._domainkey.user.tax": dkim });
    assert.deepEqual(records, [
      { key: "a-mail.user.tax", zone: "user.tax", name: "mail.user.tax", type: "A", content: "203.0.113.25", comment: "mailstack: mail host", ...base },
      { key: "aaaa-mail.user.tax", zone: "user.tax", name: "mail.user.tax", type: "AAAA", content: "2001:db8:25::25", comment: "mailstack: mail host", ...base },
      { key: "txt-mail.user.tax", zone: "user.tax", name: "mail.user.tax", type: "TXT", content: '"v=spf1 ip4:203.0.113.25 ip6:2001:db8:25::25 -all"', comment: "mailstack: SPF for the HELO name", ...base },
      { key: "mx-user.tax-mail.user.tax", zone: "user.tax", name: "user.tax", type: "MX", content: "mail.user.tax", priority: 10, comment: "mailstack: mail host", ...base },
      { key: "txt-user.tax", zone: "user.tax", name: "user.tax", type: "TXT", content: '"v=spf1 ip4:203.0.113.25 ip6:2001:db8:25::25 include:_spf.google.com ~all"', comment: "mailstack: SPF", ...base },
      { key: "txt-mailstack._domainkey.user.tax", zone: "user.tax", name: "mailstack._domainkey.user.tax", type: "TXT", content: txtContent(dkim), comment: "mailstack: DKIM", ...base },
      { key: "txt-_dmarc.user.tax", zone: "user.tax", name: "_dmarc.user.tax", type: "TXT", content: '"v=DMARC1; p=quarantine; fo=1; rua=mailto:rua@user.tax; ruf=mailto:ruf@user.tax"', comment: "mailstack: DMARC", ...base },
    ]);
  });

  test("the DKIM record splits into 255-byte strings that join back to the key", () => {
    const records = planDnsRecords(seedConfig, { "mailstack._domainkey.user.tax": dkimValue(publicKeyPem) });
    const dkimRecord = records.find((r) => r.name === "mailstack._domainkey.user.tax")!;
    const strings = txtStrings(dkimRecord.content);
    assert.equal(strings.length, 2, "RSA-2048 DKIM is 410 bytes: two strings");
    assert.equal(strings[0].length, 255);
    const joined = strings.join("");
    const p = /p=([A-Za-z0-9+/=]+)$/.exec(joined)![1];
    const published = createPublicKey({ key: Buffer.from(p, "base64"), format: "der", type: "spki" });
    assert.equal(published.export({ format: "pem", type: "spki" }), publicKeyPem);
  });

  test("every TXT string is at most 255 bytes", () => {
    const records = planDnsRecords(seedConfig, { "mailstack._domainkey.user.tax": dkimValue(publicKeyPem) });
    for (const r of records.filter((x) => x.type === "TXT")) {
      for (const s of txtStrings(r.content)) assert.ok(Buffer.byteLength(s) <= 255, `${r.name}: ${s.length}`);
    }
    assert.equal(txtStrings(txtContent("x".repeat(600))).map((s) => s.length).join(","), "255,255,90");
  });

  test("two hosts and two domains: MX to each host by priority, SPF lists every address, names unique", () => {
    const raw = clone(stackFileConfig("Pulumi.prod.yaml")) as any;
    raw["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "198.51.100.7" });
    raw["mailstack:domains"].push({ name: "shop.example", users: ["sales"], aliases: { sales: "boss@gmail.test" }, dmarc: { policy: "reject", rua: ["rua@user.tax"] } });
    const config = validateStackConfig(toEngineConfig(raw));
    const records = planDnsRecords(config, { "mailstack._domainkey.user.tax": dkimValue(publicKeyPem), "mailstack._domainkey.shop.example": dkimValue(publicKeyPem) });

    for (const domain of ["user.tax", "shop.example"]) {
      const mx = records.filter((r) => r.type === "MX" && r.name === domain).map((r) => [r.content, r.priority]);
      assert.deepEqual(mx, [["mail.user.tax", 10], ["mx2.user.tax", 20]]);
      const spf = records.find((r) => r.type === "TXT" && r.name === domain)!.content;
      for (const address of ["ip4:203.0.113.25", "ip6:2001:db8:25::25", "ip4:198.51.100.7"]) assert.ok(spf.includes(address), `${domain} SPF lacks ${address}`);
    }
    assert.equal(records.filter((r) => r.type === "AAAA").length, 1, "only the host with ipv6 gets AAAA");
    assert.deepEqual(records.filter((r) => r.name === "mx2.user.tax" && r.type === "TXT").map((r) => r.content), ['"v=spf1 ip4:198.51.100.7 -all"']);
    const keys = records.map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length, `duplicate keys: ${keys}`);
    assert.ok(records.every((r) => r.proxied === false && !r.name.endsWith(".")));

    // shop.example sends aggregate reports to user.tax: user.tax must authorise that (RFC 7489 §7.1).
    const auth = records.find((r) => r.name === "shop.example._report._dmarc.user.tax");
    assert.deepEqual(auth && [auth.zone, auth.content], ["user.tax", '"v=DMARC1"']);
    assert.equal(records.find((r) => r.name === "_dmarc.shop.example")!.content, '"v=DMARC1; p=reject; rua=mailto:rua@user.tax"');
  });

  test("a missing DKIM value is a programming error, not a silent omission", () => {
    assert.throws(() => planDnsRecords(seedConfig, {}), /no DKIM record value for mailstack._domainkey.user.tax/);
  });
});

test("a zone the token cannot read stops the deploy naming cloudflare:apiToken, the zone and the fix", () => {
  const e = zoneLookupError("example.test", new Error("GET zones?name=example.test: 403 Forbidden: Authentication error (10000)"));
  assert.match(e.message, /^Cloudflare zone example\.test could not be read with cloudflare:apiToken: GET zones\?name=example\.test: 403 Forbidden: Authentication error \(10000\)\n/);
  assert.match(e.message, /fix: give the token Zone:Read and DNS:Edit on example\.test and set it \(pulumi config set --secret cloudflare:apiToken < token-file\)/);
});

test("an outage of Cloudflare's API is not blamed on the token: nothing changed, run again later", () => {
  for (const said of ["GET zones: 503 Service Unavailable", "context deadline exceeded", "read tcp: connection reset by peer"]) {
    const e = zoneLookupError("example.test", new Error(said));
    assert.match(e.message, /^Cloudflare's API did not answer the lookup of zone example\.test: /, said);
    assert.match(e.message, /fix: nothing was changed: run pulumi up again once Cloudflare answers/);
    assert.doesNotMatch(e.message, /Zone:Read/);
  }
  // The SDK drops an invoke's reason in some failures: both causes and both fixes.
  const silent = zoneLookupError("example.test", new Error(""));
  assert.match(silent.message, /\(the provider gave no reason\)\n {2}fix: if Cloudflare is down, nothing was changed: .*; otherwise give the token Zone:Read and DNS:Edit on example\.test/);
});
