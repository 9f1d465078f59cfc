// The DNS, reverse-DNS and reputation check groups against a fake resolver: a correct zone passes,
// each break is caught by the right check with its fix.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dnsChecks } from "../../doctor/checks/dns";
import { rdnsChecks } from "../../doctor/checks/rdns";
import { reputationChecks } from "../../doctor/checks/reputation";
import type { FakeZone } from "../../doctor/fake-resolver";
import { zenQuery } from "../../doctor/dnsbl";
import type { CheckResult } from "../../doctor/types";
import { DOMAIN, dkimPublicPem, fixtureContext, fixtureOutputs, HOST, IPV4, IPV6, SELECTOR, zoneOf } from "./fixture";
import { dkimValue } from "../../plans/mail-records";

const outputs = fixtureOutputs();
const good = () => zoneOf(outputs) as Record<string, unknown>;
const run = async (zone: FakeZone, o = outputs) => dnsChecks(fixtureContext(zone, o));
const failing = (rs: CheckResult[]) => rs.filter((r) => r.status !== "pass").map((r) => `${r.id} ${r.target} ${r.status}`);
const one = (rs: CheckResult[], id: string, target?: string) => {
  const hits = rs.filter((r) => r.id === id && (target === undefined || r.target === target));
  assert.equal(hits.length, 1, `${id} ${target ?? ""}: ${hits.length} results`);
  return hits[0]!;
};

test("dns: the zone a correct deploy publishes passes every check", async () => {
  const rs = await run(good() as FakeZone);
  assert.deepEqual(failing(rs), []);
  const ids = new Set(rs.map((r) => r.id));
  for (const id of ["dns.a", "dns.aaaa", "dns.mx", "dns.spf", "dns.spf-lookups", "dns.spf-authorises", "dns.dkim", "dns.dmarc", "dns.proxied"]) assert.ok(ids.has(id), id);
  // SPF authorises both host addresses for the domain and for the HELO name.
  assert.equal(rs.filter((r) => r.id === "dns.spf-authorises").length, 4);
});

test("dns: wrong or missing addresses", async () => {
  const z = good();
  z[`A ${HOST}`] = ["203.0.113.9"];
  delete z[`AAAA ${HOST}`];
  const rs = await run(z as FakeZone);
  assert.equal(one(rs, "dns.a").status, "fail");
  assert.equal(one(rs, "dns.a").observed, "203.0.113.9");
  assert.match(one(rs, "dns.aaaa").fix, /publish AAAA mail\.example\.test → 2001:db8:78::10/);
});

test("dns: MX missing the host", async () => {
  const z = good();
  z[`MX ${DOMAIN}`] = [{ exchange: "other.example.net", priority: 10 }];
  const mx = one(await run(z as FakeZone), "dns.mx");
  assert.equal(mx.status, "fail");
  assert.match(mx.fix, /MX example\.test → mail\.example\.test/);
});

test("dns: SPF missing the IPv6 address fails spf-authorises for that address only", async () => {
  const z = good();
  z[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ~all`]];
  const rs = await run(z as FakeZone);
  assert.equal(one(rs, "dns.spf-authorises", `${DOMAIN} ← ${IPV4}`).status, "pass");
  const v6 = one(rs, "dns.spf-authorises", `${DOMAIN} ← ${IPV6}`);
  assert.equal(v6.status, "fail");
  assert.equal(v6.observed, "spf=softfail");
  assert.match(v6.fix, /add ip6:2001:db8:78::10 to the SPF record at example\.test/);
  assert.equal(one(rs, "dns.spf", DOMAIN).status, "warn", "differs from the planned record");
});

test("dns: two SPF records, no SPF record, +all, too many lookups", async () => {
  const two = good();
  two[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ~all`], ["v=spf1 include:_spf.google.com ~all"]];
  assert.equal(one(await run(two as FakeZone), "dns.spf", DOMAIN).status, "fail");
  const none = good();
  none[`TXT ${DOMAIN}`] = [["google-site-verification=abc"]];
  const n = one(await run(none as FakeZone), "dns.spf", DOMAIN);
  assert.equal(n.observed, "no v=spf1 record");
  assert.match(n.fix, /publish exactly one TXT at example\.test: "v=spf1 ip4:192\.0\.2\.10 ip6:2001:db8:78::10 ~all"/);
  const plus = good();
  plus[`TXT ${DOMAIN}`] = [["v=spf1 +all"]];
  assert.equal(one(await run(plus as FakeZone), "dns.spf", DOMAIN).status, "fail");
  const big = good();
  big[`TXT ${DOMAIN}`] = [[`v=spf1 ${Array.from({ length: 11 }, (_, i) => `include:i${i}.test`).join(" ")} ip4:${IPV4} ip6:${IPV6} ~all`]];
  for (let i = 0; i < 11; i++) big[`TXT i${i}.test`] = [["v=spf1 -all"]];
  const rs = await run(big as FakeZone);
  const lookups = one(rs, "dns.spf-lookups", DOMAIN);
  assert.equal(lookups.status, "fail");
  assert.match(lookups.observed, /^11 lookups/);
  // mailauth agrees (it evaluates left to right: the 11th include comes before ip4:): permerror.
  assert.equal(one(rs, "dns.spf-authorises", `${DOMAIN} ← ${IPV4}`).observed, "spf=permerror");
});

test("dns: DKIM record changed, missing, doubled; chunked strings compare equal", async () => {
  const name = `${SELECTOR}._domainkey.${DOMAIN}`;
  const changed = good();
  changed[`TXT ${name}`] = [[dkimValue(dkimPublicPem())]];
  const c = one(await run(changed as FakeZone), "dns.dkim");
  assert.equal(c.status, "fail");
  assert.match(c.observed, /differs from the deployed key/);
  assert.match(c.fix, /publish the planned TXT at mailstack\._domainkey\.example\.test/);
  const missing = good();
  delete missing[`TXT ${name}`];
  assert.equal(one(await run(missing as FakeZone), "dns.dkim").observed, "no DKIM key record");
  const doubled = good();
  doubled[`TXT ${name}`] = [...(doubled[`TXT ${name}`] as string[][]), [dkimValue(dkimPublicPem())]];
  assert.equal(one(await run(doubled as FakeZone), "dns.dkim").status, "fail");
  const rechunked = good();
  const joined = (rechunked[`TXT ${name}`] as string[][])[0]!.join("");
  rechunked[`TXT ${name}`] = [[joined.slice(0, 100), joined.slice(100)]];
  assert.equal(one(await run(rechunked as FakeZone), "dns.dkim").status, "pass");
});

test("dns: DMARC missing, doubled, unparseable, p=none", async () => {
  const name = `_dmarc.${DOMAIN}`;
  const cases: [unknown[] | undefined, string, RegExp][] = [
    [undefined, "fail", /no v=DMARC1 record/],
    [[["v=DMARC1; p=reject"], ["v=DMARC1; p=none"]], "fail", /2 DMARC records/],
    [[["v=DMARC1; p=maybe"]], "fail", /p=maybe/],
    [[["v=DMARC1; p=none"]], "warn", /p=none only monitors/],
  ];
  for (const [value, status, observed] of cases) {
    const z = good();
    if (value === undefined) delete z[`TXT ${name}`];
    else z[`TXT ${name}`] = value;
    const r = one(await run(z as FakeZone), "dns.dmarc");
    assert.equal(r.status, status, String(observed));
    assert.match(r.observed, observed);
  }
});

test("dns: a proxied mail record fails (from the outputs; live DNS can't tell)", async () => {
  const o = fixtureOutputs();
  (o.records[0] as { proxied: boolean }).proxied = true;
  const r = one(await run(good() as FakeZone, o), "dns.proxied");
  assert.equal(r.status, "fail");
  assert.match(r.observed, /A mail\.example\.test/);
  assert.match(r.fix, /grey cloud/);
});

test("rdns: PTR removed, PTR elsewhere, forward not confirmed", async () => {
  const ok = await rdnsChecks(fixtureContext(good() as FakeZone));
  assert.deepEqual(failing(ok), []);
  const z = good();
  delete z[`PTR ${IPV6}`];
  z[`PTR ${IPV4}`] = ["vmi42.contaboserver.net"];
  const rs = await rdnsChecks(fixtureContext(z as FakeZone));
  assert.equal(one(rs, "rdns.ptr", IPV6).observed, "no PTR");
  assert.match(one(rs, "rdns.ptr", IPV6).fix, /https:\/\/my\.contabo\.com\/rdns/);
  assert.equal(one(rs, "rdns.ptr", IPV4).observed, "PTR vmi42.contaboserver.net");
});

test("reputation: NXDOMAIN passes, listings fail, refused/public-resolver answers are unknown (warn)", async () => {
  const clean = await reputationChecks(fixtureContext(good() as FakeZone));
  assert.deepEqual(failing(clean), []);
  assert.equal(clean.length, 4, "ZEN for 2 addresses, DBL for the domain and the host name");
  const z = good();
  z[`A ${zenQuery(IPV4)}`] = ["127.0.0.2"];
  z[`A ${zenQuery(IPV6)}`] = ["127.255.255.254"];
  z[`A ${DOMAIN}.dbl.spamhaus.org`] = ["127.0.1.2"];
  z[`A ${HOST}.dbl.spamhaus.org`] = "EREFUSED";
  const rs = await reputationChecks(fixtureContext(z as FakeZone));
  assert.equal(one(rs, "reputation.zen", IPV4).status, "fail");
  assert.match(one(rs, "reputation.zen", IPV4).observed, /SBL/);
  assert.equal(one(rs, "reputation.zen", IPV6).status, "warn");
  assert.match(one(rs, "reputation.zen", IPV6).observed, /^unknown: .*public/);
  assert.equal(one(rs, "reputation.dbl", DOMAIN).status, "fail");
  assert.equal(one(rs, "reputation.dbl", HOST).status, "warn");
  assert.match(one(rs, "reputation.dbl", HOST).observed, /EREFUSED/);
});

test("reputation: a world-like resolver that REFUSES every spamhaus name gives warn, never fail", async () => {
  const z = good();
  for (const q of [zenQuery(IPV4), zenQuery(IPV6), `${DOMAIN}.dbl.spamhaus.org`, `${HOST}.dbl.spamhaus.org`]) z[`A ${q}`] = "EREFUSED";
  const rs = await reputationChecks(fixtureContext(z as FakeZone));
  assert.deepEqual(rs.map((r) => r.status), ["warn", "warn", "warn", "warn"]);
});
