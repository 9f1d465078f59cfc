// DMARC parsing, DKIM p= extraction, reverse DNS verdicts, DNSBL answer codes.
import assert from "node:assert/strict";
import { test } from "node:test";
import { isDkimKey, parseDkimKey } from "../../doctor/dkim";
import { dblQuery, dnsblVerdict, zenQuery } from "../../doctor/dnsbl";
import { isDmarc, parseDmarc } from "../../doctor/dmarc";
import { canonicalIp, ptrName } from "../../doctor/ip";
import { fcrdnsVerdict } from "../../doctor/checks/rdns";
import { txtStrings, txtContent } from "../../plans/txt";

test("DMARC: good and bad records", () => {
  const good = ["v=DMARC1; p=quarantine", "v=DMARC1;p=reject;rua=mailto:a@example.test,mailto:b@example.test!10m;adkim=s;aspf=r;pct=100", "v=DMARC1; p=none; sp=reject; fo=1"];
  for (const g of good) assert.deepEqual(parseDmarc(g).errors, [], g);
  const bad: [string, RegExp][] = [
    ["v=DMARC1", /no p= tag/],
    ["v=DMARC1; p=block", /p=block/],
    ["p=reject; v=DMARC1", /must start with "v=DMARC1"/],
    ["v=DMARC1; p=reject; p=none", /appears twice/],
    ["v=DMARC1; p=reject; adkim=x", /adkim=x/],
    ["v=DMARC1; p=reject; pct=150", /pct=150/],
    ["v=DMARC1; p=reject; rua=a@example.test", /not a mailto/],
    ["v=DMARC1; p=reject; sp=maybe", /sp=maybe/],
  ];
  for (const [text, why] of bad) assert.ok(parseDmarc(text).errors.some((e) => why.test(e)), text);
  assert.equal(isDmarc("v=DMARC1; p=none"), true);
  assert.equal(isDmarc("v=spf1 -all"), false);
});

test("DKIM: p= from chunked TXT strings equals the planned key", () => {
  const p = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + "x".repeat(300) + "IDAQAB";
  const planned = `v=DKIM1; k=rsa; p=${p}`;
  const published = txtStrings(txtContent(planned));
  assert.ok(published.length > 1, "the record is chunked");
  assert.equal(parseDkimKey(published.join("")).p, p);
  assert.equal(parseDkimKey("v=DKIM1; k=rsa; p=MIIB IjAN\tBg").p, "MIIBIjANBg");
  assert.equal(parseDkimKey("v=DKIM1; p=").p, "");
  assert.equal(parseDkimKey("v=DKIM1; k=rsa").p, undefined);
  assert.equal(isDkimKey("v=DKIM1; k=rsa; p=abc"), true);
  assert.equal(isDkimKey("k=rsa; p=abc"), true);
  assert.equal(isDkimKey("v=spf1 -all"), false);
});

test("reverse DNS: forward-confirmed or not", () => {
  const ip = "2001:db8:78::10";
  const base = { ip, host: "mail.example.test", ptr: ["mail.example.test."], forward: ["2001:DB8:78:0::10"] };
  assert.equal(fcrdnsVerdict(base).status, "pass");
  assert.equal(fcrdnsVerdict({ ...base, ptr: ["MAIL.EXAMPLE.TEST"] }).status, "pass");
  const none = fcrdnsVerdict({ ...base, ptr: [] });
  assert.equal(none.status, "fail");
  assert.match(none.fix, /my\.contabo\.com\/rdns/);
  assert.match(none.fix, /Reverse DNS management/);
  assert.equal(fcrdnsVerdict({ ...base, ptr: ["vmi123.contaboserver.net"] }).status, "fail");
  assert.equal(fcrdnsVerdict({ ...base, ptrError: "ESERVFAIL" }).status, "fail");
  const unconfirmed = fcrdnsVerdict({ ...base, forward: ["2001:db8:78::99"] });
  assert.equal(unconfirmed.status, "fail");
  assert.match(unconfirmed.fix, /AAAA mail\.example\.test → 2001:db8:78::10/);
  assert.equal(fcrdnsVerdict({ ...base, ptr: ["mail.example.test", "other.example.test"] }).status, "warn");
});

test("DNSBL: query names (IPv4 reversed octets, IPv6 nibbles)", () => {
  assert.equal(zenQuery("192.0.2.10"), "10.2.0.192.zen.spamhaus.org");
  assert.equal(zenQuery("2001:db8::1"), `1.0.0.0.${"0.0.0.0.".repeat(5)}8.b.d.0.1.0.0.2.zen.spamhaus.org`);
  assert.equal(dblQuery("example.test."), "example.test.dbl.spamhaus.org");
  assert.equal(ptrName("192.0.2.10"), "10.2.0.192.in-addr.arpa");
  assert.equal(canonicalIp("2001:DB8::1"), canonicalIp("2001:db8:0:0::0:1"));
  assert.equal(canonicalIp("::ffff:192.0.2.1"), "00000000000000000000ffffc0000201");
});

test("DNSBL: answer codes", () => {
  const table: [string, "zen" | "dbl", string[], string, RegExp?][] = [
    ["NXDOMAIN", "zen", [], "clean"],
    ["SBL", "zen", ["127.0.0.2"], "listed", /SBL \(127\.0\.0\.2\)/],
    ["XBL", "zen", ["127.0.0.4"], "listed", /XBL/],
    ["PBL", "zen", ["127.0.0.10", "127.0.0.11"], "listed", /PBL \(ISP\).*PBL \(Spamhaus\)/],
    ["public resolver", "zen", ["127.255.255.254"], "unknown", /public\/open resolver/],
    ["malformed", "zen", ["127.255.255.252"], "unknown", /malformed/],
    ["rate limit", "zen", ["127.255.255.255"], "unknown", /excessive/],
    ["DBL spam", "dbl", ["127.0.1.2"], "listed", /DBL spam domain/],
    ["DBL abused", "dbl", ["127.0.1.102"], "listed", /abused/],
    ["DBL IP query", "dbl", ["127.0.1.255"], "unknown", /IP queries/],
    ["DBL public resolver", "dbl", ["127.255.255.254"], "unknown", /public/],
    ["NXDOMAIN rewritten by an ISP", "zen", ["203.0.113.7"], "unknown", /not a DNSBL answer/],
  ];
  for (const [what, list, codes, kind, detail] of table) {
    const v = dnsblVerdict(list, codes);
    assert.equal(v.kind, kind, what);
    if (detail) assert.match(v.kind === "listed" ? v.lists.join(", ") : v.kind === "unknown" ? v.reason : "", detail, what);
  }
});
