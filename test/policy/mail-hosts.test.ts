import assert from "node:assert/strict";
import { test } from "node:test";
import { mailHostNotProxied, mxTargetNotCname } from "../../policy/rules";
import { record, runStackPolicy, UNKNOWN } from "./fake-args";
import { goodMailStack, withRecord } from "./mail-stack-fixture";

const proxied = (r: any) => ({ ...r, props: { ...r.props, proxied: true } });

test("the correct stack passes both mail host rules", async () => {
  assert.deepEqual(await runStackPolicy(mailHostNotProxied, goodMailStack()), []);
  assert.deepEqual(await runStackPolicy(mxTargetNotCname, goodMailStack()), []);
});

const proxiedCases: [string, ReturnType<typeof goodMailStack>, RegExp | null][] = [
  ["proxied A of the mail host", withRecord("dns-a-mail.user.tax", proxied), /DnsRecord "dns-a-mail\.user\.tax" \(A mail\.user\.tax\) is proxied, but mail\.user\.tax is an MX target.*Fix: set proxied: false/],
  ["proxied AAAA", withRecord("dns-aaaa-mail.user.tax", proxied), /\(AAAA mail\.user\.tax\) is proxied/],
  ["proxied A not named like a host is still an address record", [...goodMailStack(), proxied(record("A", "smtp.user.tax", "203.0.113.9"))], /\(A smtp\.user\.tax\) is proxied/],
  ["proxied CNAME at the MX target", [...withRecord("dns-a-mail.user.tax", () => undefined).filter((r) => r.props.type !== "AAAA"), proxied(record("CNAME", "mail.user.tax", "elsewhere.example"))], /\(CNAME mail\.user\.tax\) is proxied, but mail\.user\.tax is an MX target/],
  ["MX target written with a trailing dot and upper case", [...goodMailStack().filter((r) => r.props.type !== "MX"), record("MX", "user.tax", "MAIL.user.tax.", { priority: 10 }), proxied(record("CNAME", "mail.user.tax", "x.example"))], /is an MX target/],
  ["proxied CNAME of a web name is fine", [...goodMailStack(), proxied(record("CNAME", "www.user.tax", "user.tax"))], null],
  ["proxied A whose name is unknown in preview is still flagged", [...goodMailStack(), proxied(record("A", UNKNOWN, "203.0.113.9"))], /is proxied/],
];
for (const [name, stack, expected] of proxiedCases) {
  test(`mail-host-not-proxied: ${name}`, async () => {
    const messages = await runStackPolicy(mailHostNotProxied, stack);
    if (expected === null) assert.deepEqual(messages, []);
    else {
      assert.equal(messages.length, 1, messages.join("\n"));
      assert.match(messages[0], expected);
    }
  });
}

test("mx-target-not-cname: a CNAME at the MX target is a violation naming the record and the fix", async () => {
  const stack = [...goodMailStack().filter((r) => r.props.name !== "mail.user.tax"), record("CNAME", "mail.user.tax", "vps123.provider.example")];
  const messages = await runStackPolicy(mxTargetNotCname, stack);
  assert.equal(messages.length, 1);
  assert.match(messages[0], /DnsRecord "dns-cname-mail\.user\.tax" \(CNAME mail\.user\.tax\) is a CNAME at an MX target.*Fix: publish A\/AAAA/);
  assert.match(messages[0], /\[urn:pulumi:test::mailstack::cloudflare:index\/dnsRecord:DnsRecord::dns-cname-mail\.user\.tax\]$/);
});

test("mx-target-not-cname: a CNAME elsewhere is fine; an MX whose target is unknown (preview) is skipped", async () => {
  assert.deepEqual(await runStackPolicy(mxTargetNotCname, [...goodMailStack(), record("CNAME", "www.user.tax", "user.tax")]), []);
  const unknownMx = [...goodMailStack().filter((r) => r.props.type !== "MX"), record("MX", "user.tax", UNKNOWN, { priority: 10 }), record("CNAME", "mail.user.tax", "x.example")];
  assert.deepEqual(await runStackPolicy(mxTargetNotCname, unknownMx), []);
});

const srv = (name: string, target: unknown) => ({ ...record("SRV", name, ""), props: { name, type: "SRV", priority: 0, data: { priority: 0, weight: 1, port: 465, target }, ttl: 3600, proxied: false } });

test("SRV targets (submission, RFC 6186) are mail host names too: no CNAME there, nothing proxied", async () => {
  const stack = [...goodMailStack(), srv("_submissions._tcp.user.tax", "mail.user.tax")];
  assert.deepEqual(await runStackPolicy(mxTargetNotCname, stack), []);
  assert.deepEqual(await runStackPolicy(mailHostNotProxied, stack), []);
  const elsewhere = [...goodMailStack(), srv("_submissions._tcp.user.tax", "Submit.User.Tax."), record("CNAME", "submit.user.tax", "vps123.provider.example")];
  const messages = await runStackPolicy(mxTargetNotCname, elsewhere);
  assert.equal(messages.length, 1, messages.join("\n"));
  assert.match(messages[0], /DnsRecord "dns-cname-submit\.user\.tax" \(CNAME submit\.user\.tax\) is a CNAME at an SRV target \(RFC 2782 forbids it\)\. Fix: publish A\/AAAA records for submit\.user\.tax/);
  const proxiedSubmit = [...goodMailStack(), srv("_submission._tcp.user.tax", "submit.user.tax"), proxied(record("A", "submit.user.tax", "203.0.113.9"))];
  const p = await runStackPolicy(mailHostNotProxied, proxiedSubmit);
  assert.equal(p.length, 1);
  assert.match(p[0], /\(A submit\.user\.tax\) is proxied, but submit\.user\.tax is an SRV target \(mail clients connect to it\)/);
  // A target unknown in preview is skipped, as for MX.
  assert.deepEqual(await runStackPolicy(mxTargetNotCname, [...goodMailStack(), srv("_submission._tcp.user.tax", UNKNOWN), record("CNAME", "submit.user.tax", "x.example")]), []);
});
