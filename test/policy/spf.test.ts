import assert from "node:assert/strict";
import { test } from "node:test";
import { oneSpfPerName, spfRecordValid } from "../../policy/rules";
import { checkSpf } from "../../policy/spf-syntax";
import { NOT_APPLICABLE, record, runResourcePolicy, runStackPolicy, txt, UNKNOWN } from "./fake-args";
import { goodMailStack } from "./mail-stack-fixture";

const good: [string, number][] = [
  ["v=spf1 ip4:203.0.113.25 ip6:2001:db8:25::25 include:_spf.google.com ~all", 1],
  ["v=spf1 ip4:203.0.113.0/24 -all", 0],
  ["v=spf1 a mx -all", 2],
  ["v=spf1 a:mail.user.tax/32 mx:user.tax//64 ptr exists:%{i}.spf.example include:a.example redirect=b.example exp=explain.example ~all", 6],
  ["V=SPF1 -ALL", 0],
  [`v=spf1 ${Array.from({ length: 10 }, (_, i) => `include:s${i}.example`).join(" ")} -all`, 10],
];
for (const [value, lookups] of good) {
  test(`SPF syntax: valid "${value.slice(0, 60)}" (${lookups} lookups)`, () => {
    assert.deepEqual(checkSpf(value), { problems: [], lookups });
  });
}

const bad: [string, RegExp][] = [
  ["v=spf1 ip4:203.0.113.25 +all", /must end with "~all".*ends with "\+all"/],
  ["v=spf1 ip4:203.0.113.25 ?all", /ends with "\?all"/],
  ["v=spf1 ip4:203.0.113.25", /must end with/],
  ["v=spf1 -all ip4:203.0.113.25", /terms after all are never evaluated/],
  ["v=spf1 ip4:203.0.113.256 -all", /not an IPv4 address/],
  ["v=spf1 ip4:203.0.113.0/33 -all", /bad IPv4 prefix length/],
  ["v=spf1 ip6:2001:db8::zz -all", /not an IPv6 address/],
  ["v=spf1 include -all", /include needs a domain/],
  ["v=spf1 inclde:_spf.google.com -all", /unknown mechanism/],
  ["v=spf1 foo=bar -all", /unknown modifier "foo=bar"/],
  ["v=spf1 ip4:1.2.3.4, -all", /not an IPv4 address|not an SPF term/],
  [`v=spf1 ${Array.from({ length: 9 }, (_, i) => `include:s${i}.example`).join(" ")} a mx -all`, /11 DNS lookups, at most 10/],
  ["v=spf2 -all", /must start with "v=spf1"/],
];
for (const [value, expected] of bad) {
  test(`SPF syntax: invalid "${value.slice(0, 60)}"`, () => {
    assert.match(checkSpf(value).problems.join("\n"), expected);
  });
}

test("spf-record-valid: reports each problem naming the resource and the fix; non-SPF TXT and other types pass", async () => {
  const broken = txt("user.tax", "v=spf1 include:_spf.google.com +all");
  const messages = await runResourcePolicy(spfRecordValid, broken);
  assert.deepEqual(messages, [`DnsRecord "dns-txt-user.tax" (TXT user.tax): SPF must end with "~all" (soft fail) or "-all" (fail), ends with "+all". Fix: correct mailstack:domains[].spf (include, all) or the record content.`]);
  // The value split across strings is joined before checking (a resolver does the same).
  assert.deepEqual(await runResourcePolicy(spfRecordValid, record("TXT", "user.tax", '"v=spf1 ip4:203.0.113.25 " "~all"')), []);
  assert.deepEqual(await runResourcePolicy(spfRecordValid, txt("_dmarc.user.tax", "v=DMARC1; p=none")), []);
  assert.deepEqual(await runResourcePolicy(spfRecordValid, txt("user.tax", UNKNOWN)), [], "unknown content (preview) is not an SPF record yet");
  assert.equal(await runResourcePolicy(spfRecordValid, { type: "tls:index/privateKey:PrivateKey", name: "k", props: {} }), NOT_APPLICABLE);
});

test("one-spf-per-name: two SPF records at one name are both reported; the same value at two names is fine", async () => {
  assert.deepEqual(await runStackPolicy(oneSpfPerName, goodMailStack()), []);
  const second = { ...txt("user.tax", "v=spf1 include:mailgun.org ~all"), name: "dns-txt-user.tax-mailgun" };
  const messages = await runStackPolicy(oneSpfPerName, [...goodMailStack(), second]);
  assert.equal(messages.length, 2);
  assert.match(messages[0], /DnsRecord "dns-txt-user\.tax" \(TXT user\.tax\) is one of 2 SPF records at user\.tax \(dns-txt-user\.tax, dns-txt-user\.tax-mailgun\).*Fix: merge them/);
  assert.match(messages[1], /DnsRecord "dns-txt-user\.tax-mailgun"/);
  // Names compare case-insensitively and without the trailing dot.
  const upper = { ...txt("USER.TAX.", "v=spf1 -all"), name: "dns-upper" };
  assert.equal((await runStackPolicy(oneSpfPerName, [...goodMailStack(), upper])).length, 2);
});
