import assert from "node:assert/strict";
import { test } from "node:test";
import { checkDmarc } from "../../policy/dmarc-syntax";
import { dmarcForSendingDomains } from "../../policy/rules";
import { record, runStackPolicy, txt, UNKNOWN } from "./fake-args";
import { goodMailStack, withRecord } from "./mail-stack-fixture";

test("DMARC syntax: valid and invalid values", () => {
  for (const p of ["none", "quarantine", "reject"]) assert.deepEqual(checkDmarc(`v=DMARC1; p=${p}`), []);
  assert.deepEqual(checkDmarc("v=DMARC1;p=reject;rua=mailto:a@b.example"), []);
  assert.match(checkDmarc("v=DMARC1; p=block").join(), /p=block is not one of none\|quarantine\|reject/);
  assert.match(checkDmarc("v=DMARC1; rua=mailto:a@b.example").join(), /has no p= tag/);
  assert.match(checkDmarc("v=DMARC1; rua=mailto:a@b.example; p=none").join(), /p= must directly follow/);
  assert.match(checkDmarc("p=none; v=DMARC1").join(), /must start with "v=DMARC1"/);
});

test("dmarc-for-sending-domains: the correct stack passes", async () => {
  assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, goodMailStack()), []);
});

test("dmarc-for-sending-domains: a domain with SPF and MX but no _dmarc is reported with the fix", async () => {
  const messages = await runStackPolicy(dmarcForSendingDomains, withRecord("dns-txt-_dmarc.user.tax", () => undefined));
  assert.deepEqual(messages, [`Sending domain user.tax has no DMARC record. Fix: publish a TXT at _dmarc.user.tax, e.g. "v=DMARC1; p=quarantine" (mailstack:domains[].dmarc).`]);
});

test("dmarc-for-sending-domains: a DKIM key alone makes a sending domain", async () => {
  const stack = [record("TXT", "s1._domainkey.shop.example", '"v=DKIM1; k=rsa; p=AAAA"')];
  assert.match((await runStackPolicy(dmarcForSendingDomains, stack)).join(), /Sending domain shop\.example has no DMARC record/);
});

test("dmarc-for-sending-domains: SPF without MX (the HELO name) is not a sending domain", async () => {
  assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, [txt("mail.user.tax", "v=spf1 ip4:203.0.113.25 -all")]), []);
});

test("dmarc-for-sending-domains: a bad p=, a missing v=DMARC1 start, or two records are reported", async () => {
  const badPolicy = await runStackPolicy(dmarcForSendingDomains, withRecord("dns-txt-_dmarc.user.tax", (r) => txt(r.props.name as string, "v=DMARC1; p=strict")));
  assert.equal(badPolicy.length, 1);
  assert.match(badPolicy[0], /DnsRecord "dns-txt-_dmarc\.user\.tax" \(TXT _dmarc\.user\.tax\): DMARC p=strict is not one of.*Fix: mailstack:domains\[\]\.dmarc\.policy/);
  const notDmarc = await runStackPolicy(dmarcForSendingDomains, withRecord("dns-txt-_dmarc.user.tax", (r) => txt(r.props.name as string, "p=reject")));
  assert.match(notDmarc.join("\n"), /Sending domain user\.tax has no DMARC record/);
  assert.match(notDmarc.join("\n"), /must start with "v=DMARC1"/);
  const two = await runStackPolicy(dmarcForSendingDomains, [...goodMailStack(), { ...txt("_dmarc.user.tax", "v=DMARC1; p=none"), name: "dns-dmarc-2" }]);
  assert.equal(two.length, 2);
  assert.match(two[0], /is one of 2 DMARC records for user\.tax/);
});

test("dmarc-for-sending-domains: in preview, a _dmarc record with unknown content still counts", async () => {
  const stack = withRecord("dns-txt-_dmarc.user.tax", (r) => record("TXT", r.props.name as string, UNKNOWN));
  assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, stack), []);
});
