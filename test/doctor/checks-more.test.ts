// More of the doctor's check groups: the DKIM cases a receiver cares about (a revoked key, a domain
// with no planned record), addresses and MX beyond "missing", SPF/DMARC defaults and drift, the
// reverse-DNS verdict, and the pure SMTP/security verdicts at their boundaries. (Mutation testing
// showed these could break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as tls from "node:tls";
import { addressChecks, dkimChecks, dkimRotationChecks, dmarcChecks, mxChecks, proxiedCheck, spfChecks } from "../../doctor/checks/dns";
import { fcrdnsVerdict, RDNS_FIX_WHERE, rdnsChecks } from "../../doctor/checks/rdns";
import { dnsblLookup, reputationChecks } from "../../doctor/checks/reputation";
import {
  authBeforeTlsCheck, loginCheck, RELAY_TO, relayCheck, securityChecks, tryLogin, tryRelay, wrongPasswordCheck,
} from "../../doctor/checks/security";
import {
  bannerCheck, certChecks, EXPIRY_FAIL_DAYS, EXPIRY_WARN_DAYS, probeAll, expiryVerdict, legacyTlsCheck, reachCheck, representative, smtpChecks, starttlsCheck,
} from "../../doctor/checks/smtp";
import { zenQuery } from "../../doctor/dnsbl";
import type { FakeZone } from "../../doctor/fake-resolver";
import { fakeResolver } from "../../doctor/fake-resolver";
import type { PortProbe } from "../../doctor/probe";
import type { TlsFacts } from "../../doctor/smtp-client";
import type { StackOutputs } from "../../doctor/outputs";
import { certFor } from "./certs";
import { DOMAIN, fixtureContext, fixtureOutputs, HOST, IPV4, IPV6, PASSWORD, SELECTOR, USER, zoneOf, oneResult } from "./fixture";
import { startMailServer } from "./mail-server";

const DKIM_NAME = `${SELECTOR}._domainkey.${DOMAIN}`;
const outputs = fixtureOutputs();
const good = () => zoneOf(outputs) as Record<string, unknown>;
const ctxOf = (zone: Record<string, unknown>, o: StackOutputs = outputs) => fixtureContext(zone as FakeZone, o);
const withoutRecord = (pred: (r: StackOutputs["records"][number]) => boolean): StackOutputs => {
  const o = fixtureOutputs();
  return { ...o, records: o.records.filter((r) => !pred(r)) };
};
const plannedDkimP = () => /p=([A-Za-z0-9+/=]+)/.exec(outputs.records.find((r) => r.name === DKIM_NAME)!.content.replace(/" "/g, ""))![1]!;

describe("dkim.rotation", () => {
  test("the signing selector must have a live key; observed lists every live one", async () => {
    const o = fixtureOutputs();
    const next = `rot2._domainkey.${DOMAIN}`;
    o.records.push({ ...o.records.find((r) => r.name === DKIM_NAME)!, key: `txt-${next}`, name: next });
    o.dkimRotation = { [DOMAIN]: { phase: "switch", signingSelector: "rot2", next: "" } };
    const z = zoneOf(o) as Record<string, unknown>;
    const ok = oneResult(await dkimRotationChecks(ctxOf(z, o)), "dkim.rotation");
    assert.deepEqual([ok.status, ok.observed], ["pass", `switch: chasquid signs with rot2; live keys in DNS: ${SELECTOR}, rot2`]);
    z[`TXT ${next}`] = [["v=DKIM1; k=rsa; p="]];
    const bad = oneResult(await dkimRotationChecks(ctxOf(z, o)), "dkim.rotation");
    assert.deepEqual([bad.status, bad.observed], ["fail", `switch: chasquid signs with rot2; live keys in DNS: ${SELECTOR}`]);
    assert.match(bad.fix, /publish rot2\._domainkey\./);
    assert.deepEqual(await dkimRotationChecks(ctxOf(good())), [], "no rotation, no check");
  });
});

describe("dns.dkim", () => {
  test("the deployed key passes, labelled by its length and tail", async () => {
    const r = oneResult(await dkimChecks(ctxOf(good())), "dns.dkim");
    const p = plannedDkimP();
    assert.deepEqual([r.status, r.target, r.observed, r.expected, r.fix], ["pass", DKIM_NAME, `p=…${p.slice(-12)} (${p.length} chars)`, `p=…${p.slice(-12)} (${p.length} chars)`, ""]);
  });

  test("every DKIM record the stack planned for a domain is checked: an Ed25519 one beside the RSA one", async () => {
    const o = fixtureOutputs();
    const ed = `ed._domainkey.${DOMAIN}`;
    o.records.push({ ...o.records.find((r) => r.name === DKIM_NAME)!, key: `txt-${ed}`, name: ed, content: '"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="' });
    const z = zoneOf(o) as Record<string, unknown>;
    const rs = await dkimChecks(ctxOf(z, o));
    assert.deepEqual(rs.map((r) => [r.target, r.status]), [[DKIM_NAME, "pass"], [ed, "pass"]]);
    z[`TXT ${ed}`] = [["v=DKIM1; k=ed25519; p="]];
    assert.deepEqual(oneResult(await dkimChecks(ctxOf(z, o)), "dns.dkim", ed).observed, "p= empty (revoked)");
  });

  test("a revoked key (p= empty) fails, with or without a planned record", async () => {
    const z = good();
    z[`TXT ${DKIM_NAME}`] = [["v=DKIM1; k=rsa; p="]];
    const r = oneResult(await dkimChecks(ctxOf(z)), "dns.dkim");
    assert.equal(r.status, "fail");
    assert.equal(r.observed, "p= empty (revoked)");
    assert.equal(r.fix, `publish the planned TXT at ${DKIM_NAME} (pulumi up); chasquid signs with the matching private key`);
    const unplanned = oneResult(await dkimChecks(ctxOf(z, withoutRecord((r) => r.name === DKIM_NAME))), "dns.dkim");
    assert.equal(unplanned.status, "fail");
    assert.equal(unplanned.observed, "p= empty (revoked)");
  });

  test("a domain with no planned DKIM record in the outputs warns (a key is published, but not compared)", async () => {
    const r = oneResult(await dkimChecks(ctxOf(good(), withoutRecord((r) => r.name === DKIM_NAME))), "dns.dkim");
    assert.equal(r.status, "warn");
    assert.equal(r.expected, "a key (no planned record in outputs)");
    assert.doesNotMatch(r.observed, /differs/);
    assert.match(r.fix, /publish the planned TXT/);
  });

  test("a DNS error fails with its code; a record without v=DKIM1 but with p= still counts as a key", async () => {
    const z = good();
    z[`TXT ${DKIM_NAME}`] = "ESERVFAIL";
    const r = oneResult(await dkimChecks(ctxOf(z)), "dns.dkim");
    assert.deepEqual([r.status, r.observed], ["fail", "DNS error ESERVFAIL"]);
    const bare = good();
    bare[`TXT ${DKIM_NAME}`] = [[`k=rsa; p=${plannedDkimP()}`], ["some-verification=abc"]];
    assert.equal(oneResult(await dkimChecks(ctxOf(bare)), "dns.dkim").status, "pass");
  });
});

describe("dns.a / dns.aaaa / dns.mx", () => {
  test("same addresses written differently pass; an extra address fails; a DNS error fails", async () => {
    const z = good();
    z[`AAAA ${HOST}`] = ["2001:0db8:0078:0000:0000:0000:0000:0010"];
    const rs = await addressChecks(ctxOf(z));
    assert.deepEqual(rs.map((r) => [r.id, r.status]), [["dns.a", "pass"], ["dns.aaaa", "pass"]]);
    assert.equal(rs[0]!.expected, IPV4);
    const extra = good();
    extra[`A ${HOST}`] = [IPV4, "192.0.2.99"];
    const a = oneResult(await addressChecks(ctxOf(extra)), "dns.a");
    assert.deepEqual([a.status, a.observed], ["fail", `${IPV4}, 192.0.2.99`]);
    assert.equal(a.fix, `publish A ${HOST} → ${IPV4} (DNS only) and nothing else: run pulumi up; check with dig A ${HOST}`);
    const err = good();
    err[`A ${HOST}`] = "ETIMEOUT";
    const e = oneResult(await addressChecks(ctxOf(err)), "dns.a");
    assert.deepEqual([e.status, e.observed], ["fail", "DNS error ETIMEOUT"]);
    const missing = good();
    delete missing[`A ${HOST}`];
    assert.deepEqual([oneResult(await addressChecks(ctxOf(missing)), "dns.a").status, oneResult(await addressChecks(ctxOf(missing)), "dns.a").observed], ["fail", "(none)"]);
  });

  test("an AAAA the stack does not plan warns; no AAAA planned and none published gives no AAAA line", async () => {
    const v4 = withoutRecord((r) => r.type === "AAAA");
    const rs = await addressChecks(ctxOf(good(), v4));
    const aaaa = oneResult(rs, "dns.aaaa");
    assert.equal(aaaa.status, "warn");
    assert.equal(aaaa.expected, "(none)");
    assert.equal(aaaa.fix, `AAAA ${HOST} is published but not in the stack: remove it or add the address to mailstack:hosts`);
    const z = good();
    delete z[`AAAA ${HOST}`];
    assert.deepEqual((await addressChecks(ctxOf(z, v4))).map((r) => r.id), ["dns.a"]);
  });

  test("MX: trailing dot and case do not matter; an extra exchange warns; a DNS error fails naming every host", async () => {
    const z = good();
    z[`MX ${DOMAIN}`] = [{ exchange: `${HOST.toUpperCase()}.`, priority: 10 }];
    const ok = oneResult(await mxChecks(ctxOf(z)), "dns.mx");
    assert.deepEqual([ok.status, ok.observed, ok.expected], ["pass", `10 ${HOST.toUpperCase()}.`, HOST]);
    const extra = good();
    extra[`MX ${DOMAIN}`] = [{ exchange: HOST, priority: 10 }, { exchange: "backup.example.net", priority: 50 }];
    const w = oneResult(await mxChecks(ctxOf(extra)), "dns.mx");
    assert.equal(w.status, "warn");
    assert.equal(w.fix, `MX ${DOMAIN} also lists backup.example.net (not in the stack); remove it unless you mean it`);
    const err = good();
    err[`MX ${DOMAIN}`] = "EREFUSED";
    const f = oneResult(await mxChecks(ctxOf(err)), "dns.mx");
    assert.deepEqual([f.status, f.observed, f.fix], ["fail", "DNS error EREFUSED", `publish MX ${DOMAIN} → ${HOST}: run pulumi up`]);
  });

  test("MX without planned MX records expects every host of the stack", async () => {
    const z = good();
    z[`MX ${DOMAIN}`] = [{ exchange: "other.example.net", priority: 10 }];
    const r = oneResult(await mxChecks(ctxOf(z, withoutRecord((r) => r.type === "MX"))), "dns.mx");
    assert.deepEqual([r.status, r.expected], ["fail", HOST]);
    assert.equal(r.fix, `publish MX ${DOMAIN} → ${HOST}: run pulumi up`);
  });
});

describe("dns.spf / dns.dmarc / dns.proxied", () => {
  test("SPF: the planned record passes for the domain and the HELO name; whitespace does not matter", async () => {
    const z = good();
    const planned = (z[`TXT ${DOMAIN}`] as string[][])[0]!.join("");
    z[`TXT ${DOMAIN}`] = [[planned.replace(/ /g, "   ")]];
    const rs = await spfChecks(ctxOf(z));
    const d = oneResult(rs, "dns.spf", DOMAIN);
    assert.deepEqual([d.status, d.expected], ["pass", planned]);
    assert.equal(oneResult(rs, "dns.spf", HOST).status, "pass");
    assert.equal(oneResult(rs, "dns.spf-lookups", DOMAIN).observed, "0 lookups");
    assert.equal(rs.filter((r) => r.id === "dns.spf-authorises").length, 4);
  });

  test("SPF: ?all and no all warn; a DNS error and a syntax error fail", async () => {
    for (const [text, status, why] of [
      [`v=spf1 ip4:${IPV4} ip6:${IPV6} ?all`, "warn", /default is \?all: receivers treat unlisted senders as neutral/],
      [`v=spf1 ip4:${IPV4} ip6:${IPV6}`, "warn", /default is none/],
      [`v=spf1 ip4:${IPV4} ip6:${IPV6} bogus:x ~all`, "fail", /bogus/],
    ] as const) {
      const z = good();
      z[`TXT ${DOMAIN}`] = [[text]];
      const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf", DOMAIN);
      assert.equal(r.status, status, text);
      assert.ok(r.observed.startsWith(`${text} (`), r.observed);
      assert.match(r.observed, why);
    }
    const err = good();
    err[`TXT ${DOMAIN}`] = "ESERVFAIL";
    const rs = await spfChecks(ctxOf(err));
    const e = oneResult(rs, "dns.spf", DOMAIN);
    assert.deepEqual([e.status, e.observed, e.expected], ["fail", "DNS error ESERVFAIL", "one v=spf1 record"]);
    assert.equal(rs.filter((r) => r.target === DOMAIN || r.target.startsWith(`${DOMAIN} `)).length, 1, "nothing else is checked for that name");
  });

  test("SPF: a host name without a planned SPF record is not checked; a domain without one still is", async () => {
    const noPlans = withoutRecord((r) => r.type === "TXT" && /v=spf1/.test(r.content));
    const rs = await spfChecks(ctxOf(good(), noPlans));
    assert.deepEqual([...new Set(rs.map((r) => r.target.split(" ")[0]))], [DOMAIN]);
    const d = oneResult(rs, "dns.spf", DOMAIN);
    assert.equal(d.expected, "one valid v=spf1 record ending in ~all or -all");
    assert.equal(d.status, "pass", "no plan to differ from");
    const none = good();
    delete none[`TXT ${DOMAIN}`];
    const n = oneResult(await spfChecks(ctxOf(none, noPlans)), "dns.spf", DOMAIN);
    assert.equal(n.fix, `publish exactly one TXT at ${DOMAIN}: "v=spf1 ip4:… ip6:… ~all" and delete any other v=spf1 record (pulumi up)`);
  });

  test("SPF lookups: an include that does not resolve fails with the fix naming it", async () => {
    const z = good();
    z[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ip6:${IPV6} include:_spf.missing.test ~all`]];
    const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf-lookups", DOMAIN);
    assert.equal(r.status, "fail");
    assert.match(r.observed, /^1 lookups; /);
    assert.match(r.fix, /^fix the SPF chain of example\.test: .*_spf\.missing\.test/);
  });

  test("spf-authorises: a DNS failure while evaluating warns (temperror), and the IPv4 fix names ip4:", async () => {
    const z = good();
    z[`TXT ${DOMAIN}`] = [[`v=spf1 include:_spf.flaky.test ~all`]];
    z["TXT _spf.flaky.test"] = "ETIMEOUT";
    const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf-authorises", `${DOMAIN} ← ${IPV4}`);
    assert.equal(r.status, "warn");
    assert.equal(r.observed, "spf=temperror");
    assert.match(r.fix, /could not be evaluated/);
    const v6only = good();
    v6only[`TXT ${DOMAIN}`] = [[`v=spf1 ip6:${IPV6} ~all`]];
    const f = oneResult(await spfChecks(ctxOf(v6only)), "dns.spf-authorises", `${DOMAIN} ← ${IPV4}`);
    assert.equal(f.fix, `add ip4:${IPV4} to the SPF record at ${DOMAIN} (mailstack:hosts[].ipv4), then pulumi up`);
  });

  test("DMARC: the planned record passes (whitespace aside); a different valid one warns; a DNS error fails", async () => {
    const name = `_dmarc.${DOMAIN}`;
    const plan = (good()[`TXT ${name}`] as string[][])[0]!.join("");
    const ok = good();
    ok[`TXT ${name}`] = [[plan.replace(/; /g, ";  ")]];
    const p = oneResult(await dmarcChecks(ctxOf(ok)), "dns.dmarc");
    assert.deepEqual([p.status, p.expected, p.fix], ["pass", plan, ""]);
    const other = good();
    other[`TXT ${name}`] = [["v=DMARC1; p=reject"]];
    const w = oneResult(await dmarcChecks(ctxOf(other)), "dns.dmarc");
    assert.deepEqual([w.status, w.observed], ["warn", "v=DMARC1; p=reject (differs from the planned record)"]);
    assert.equal(w.fix, `publish one TXT at ${name}: "${plan}" (pulumi up)`);
    const none = good();
    none[`TXT ${name}`] = [["v=DMARC1; p=none"]];
    assert.equal(oneResult(await dmarcChecks(ctxOf(none)), "dns.dmarc").fix, "set mailstack:domains[].dmarc.policy to quarantine or reject once reports look clean");
    const err = good();
    err[`TXT ${name}`] = "ESERVFAIL";
    assert.deepEqual([oneResult(await dmarcChecks(ctxOf(err)), "dns.dmarc").status, oneResult(await dmarcChecks(ctxOf(err)), "dns.dmarc").observed], ["fail", "DNS error ESERVFAIL"]);
  });

  test("DMARC without a planned record: any valid record passes; the fix offers a default", async () => {
    const o = withoutRecord((r) => r.name === `_dmarc.${DOMAIN}`);
    const z = good();
    z[`TXT _dmarc.${DOMAIN}`] = [["v=DMARC1; p=reject; rua=mailto:x@example.test"]];
    const r = oneResult(await dmarcChecks(ctxOf(z, o)), "dns.dmarc");
    assert.deepEqual([r.status, r.expected], ["pass", "one v=DMARC1 record with p=none|quarantine|reject"]);
    delete z[`TXT _dmarc.${DOMAIN}`];
    assert.equal(oneResult(await dmarcChecks(ctxOf(z, o)), "dns.dmarc").fix, `publish one TXT at _dmarc.${DOMAIN}: "v=DMARC1; p=quarantine" (pulumi up)`);
  });

  test("proxied: an MX proxied fails; a proxied record of another name does not concern mail", () => {
    const o = fixtureOutputs();
    (o.records.find((r) => r.type === "MX") as { proxied: boolean }).proxied = true;
    const r = oneResult(proxiedCheck(ctxOf(good(), o)), "dns.proxied");
    assert.deepEqual([r.status, r.observed], ["fail", `proxied: MX ${DOMAIN}`]);
    const web = fixtureOutputs();
    web.records.push({ key: "a-www", zone: DOMAIN, name: "www.example.test", type: "A", content: "192.0.2.80", ttl: 3600, proxied: true as false, comment: "" });
    const p = oneResult(proxiedCheck(ctxOf(good(), web)), "dns.proxied");
    assert.deepEqual([p.status, p.observed], ["pass", "8 records, none proxied"]);
    const upper = fixtureOutputs();
    Object.assign(upper.records[0]!, { name: HOST.toUpperCase(), proxied: true });
    assert.equal(oneResult(proxiedCheck(ctxOf(good(), upper)), "dns.proxied").status, "fail");
  });
});

describe("rdns and reputation", () => {
  const facts = { ip: IPV4, host: HOST, ptr: [`${HOST}.`], forward: [IPV4] };
  test("forward-confirmed reverse DNS: the verdicts", () => {
    assert.deepEqual(fcrdnsVerdict(facts), { status: "pass", observed: `PTR ${HOST} → ${IPV4}`, fix: "" });
    assert.equal(fcrdnsVerdict({ ...facts, ptr: [HOST.toUpperCase()] }).status, "pass");
    const setPtr = `set the PTR of ${IPV4} to ${HOST}: ${RDNS_FIX_WHERE}`;
    assert.deepEqual(fcrdnsVerdict({ ...facts, ptrError: "ESERVFAIL" }), { status: "fail", observed: "PTR lookup failed: ESERVFAIL", fix: setPtr });
    assert.deepEqual(fcrdnsVerdict({ ...facts, ptr: [] }), { status: "fail", observed: "no PTR", fix: setPtr });
    assert.deepEqual(fcrdnsVerdict({ ...facts, ptr: ["a.example.net.", "b.example.net"] }), { status: "fail", observed: "PTR a.example.net, b.example.net", fix: setPtr });
    assert.deepEqual(fcrdnsVerdict({ ...facts, forward: [] }), { status: "fail", observed: `PTR ${HOST}, but ${HOST} → (nothing)`,
      fix: `publish A ${HOST} → ${IPV4} (pulumi up) so the PTR is forward-confirmed` });
    assert.deepEqual(fcrdnsVerdict({ ip: IPV6, host: HOST, ptr: [HOST], forward: ["2001:db8::1", "2001:db8::2"] }), { status: "fail",
      observed: `PTR ${HOST}, but ${HOST} → 2001:db8::1, 2001:db8::2`, fix: `publish AAAA ${HOST} → ${IPV6} (pulumi up) so the PTR is forward-confirmed` });
    assert.equal(fcrdnsVerdict({ ip: IPV6, host: HOST, ptr: [HOST], forward: ["2001:0db8:78::0:10"] }).status, "pass", "same address, other spelling");
    assert.deepEqual(fcrdnsVerdict({ ...facts, ptr: [HOST, "vmi1.contaboserver.net"] }), { status: "warn",
      observed: `PTR ${HOST}, vmi1.contaboserver.net (several)`, fix: `keep only ${HOST} as the PTR of ${IPV4}: ${RDNS_FIX_WHERE}` });
  });

  test("rdns checks: a failing PTR lookup and a failing forward lookup are both reported as fail", async () => {
    const z = good();
    z[`PTR ${IPV4}`] = "ESERVFAIL";
    z[`AAAA ${HOST}`] = "ETIMEOUT";
    const rs = await rdnsChecks(ctxOf(z));
    assert.deepEqual(rs.map((r) => [r.target, r.status, r.observed]), [
      [IPV4, "fail", "PTR lookup failed: ESERVFAIL"],
      [IPV6, "fail", `PTR ${HOST}, but ${HOST} → (nothing)`],
    ]);
    assert.equal(rs[0]!.expected, `PTR ${HOST}, and ${HOST} → ${IPV4}`);
  });

  test("DNSBL lookups: NXDOMAIN and NODATA are clean, other errors unknown", async () => {
    const q = zenQuery(IPV4);
    assert.deepEqual(await dnsblLookup(fakeResolver({}), "zen", q), { kind: "clean" });
    assert.deepEqual(await dnsblLookup(fakeResolver({ [`TXT ${q}`]: [["x"]] }), "zen", q), { kind: "clean" });
    assert.deepEqual(await dnsblLookup(fakeResolver({ [`A ${q}`]: "ETIMEOUT" }), "zen", q),
      { kind: "unknown", reason: "DNS ETIMEOUT (the resolver did not answer for Spamhaus)" });
  });

  test("reputation: listings name the list and the removal path; the pass line says not listed", async () => {
    const z = good();
    z[`A ${zenQuery(IPV6)}`] = ["127.0.0.10"];
    z[`A ${HOST}.dbl.spamhaus.org`] = ["127.0.1.4"];
    const rs = await reputationChecks(ctxOf(z));
    const v4 = oneResult(rs, "reputation.zen", IPV4);
    assert.deepEqual([v4.status, v4.observed, v4.expected, v4.fix], ["pass", "not listed (NXDOMAIN)", "not listed", ""]);
    const v6 = oneResult(rs, "reputation.zen", IPV6);
    assert.deepEqual([v6.status, v6.observed], ["fail", "listed: PBL (ISP) (127.0.0.10)"]);
    assert.match(v6.fix, /^see https:\/\/check\.spamhaus\.org\/ for 2001:db8:78::10 and follow its removal steps/);
    const host = oneResult(rs, "reputation.dbl", HOST);
    assert.deepEqual([host.status, host.observed], ["fail", "listed: DBL phish domain (127.0.1.4)"]);
    assert.equal(host.fix, `see https://check.spamhaus.org/ for ${HOST}; a listed domain needs its cause removed before a delisting request`);
    const unknown = good();
    unknown[`A ${DOMAIN}.dbl.spamhaus.org`] = "EREFUSED";
    const u = oneResult(await reputationChecks(ctxOf(unknown)), "reputation.dbl", DOMAIN);
    assert.match(u.fix, /your own recursive resolver/);
  });

  test("reputation: a host name that is also listed as a domain is asked once", async () => {
    const o = fixtureOutputs();
    o.dkim = { ...o.dkim, [HOST]: { selector: SELECTOR, recordName: `${SELECTOR}._domainkey.${HOST}` } };
    const rs = await reputationChecks(ctxOf(good(), o));
    assert.deepEqual(rs.filter((r) => r.id === "reputation.dbl").map((r) => r.target), [DOMAIN, HOST]);
  });
});

describe("smtp verdicts", () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const inDays = (d: number) => new Date(now.getTime() + d * 86_400_000);
  const probe = (p: Partial<PortProbe>): PortProbe => ({ host: HOST, address: IPV4, port: 25, ...p });

  test("certificate expiry: fail below 3 days or expired, warn below 14 days, pass from 14", () => {
    assert.equal(EXPIRY_WARN_DAYS, 14);
    assert.equal(EXPIRY_FAIL_DAYS, 3);
    assert.deepEqual(expiryVerdict(inDays(14), now), { status: "pass", days: 14 });
    assert.deepEqual(expiryVerdict(inDays(13.99), now), { status: "warn", days: 13 });
    assert.deepEqual(expiryVerdict(inDays(3), now), { status: "warn", days: 3 });
    assert.deepEqual(expiryVerdict(inDays(2.99), now), { status: "fail", days: 2 });
    assert.equal(expiryVerdict(now, now).status, "fail");
    assert.equal(expiryVerdict(new Date(now.getTime() + 1), now).status, "fail");
    assert.deepEqual(expiryVerdict(inDays(-1.5), now), { status: "fail", days: -2 });
  });

  test("representative probe: the first reachable, IPv4 before IPv6, for that host and port", () => {
    const v6 = probe({ address: IPV6 });
    const v4 = probe({});
    const v4down = probe({ error: "ECONNREFUSED" });
    assert.equal(representative([v6, v4], HOST, 25), v4);
    assert.equal(representative([v4down, v6], HOST, 25), v6);
    assert.equal(representative([v4down], HOST, 25), undefined);
    assert.equal(representative([v4], HOST, 587), undefined);
    assert.equal(representative([v4], "other.example.test", 25), undefined);
  });

  const cert = (over: Partial<tls.PeerCertificate> = {}) => ({
    subject: { CN: HOST }, issuer: { CN: "Test CA", O: "Test Org" }, subjectaltname: `DNS:${HOST}`,
    valid_to: inDays(60).toUTCString(), ...over,
  }) as unknown as tls.PeerCertificate;
  const facts = (over: Partial<TlsFacts> = {}): TlsFacts => ({ protocol: "TLSv1.3", authorized: true, cert: cert(), ...over });

  test("certificate checks: name, chain, expiry", () => {
    const [name, chain, exp] = certChecks(HOST, "w", facts(), now);
    assert.deepEqual([name!.id, name!.status, name!.observed, name!.expected], ["smtp.cert-name", "pass", `DNS:${HOST}`, `covers ${HOST}`]);
    assert.deepEqual([chain!.id, chain!.status, chain!.observed], ["smtp.cert-chain", "pass", "verified (issuer Test CA)"]);
    assert.deepEqual([exp!.id, exp!.status, exp!.observed, exp!.expected], ["smtp.cert-expiry", "pass", `${inDays(60).toUTCString()} (60 days)`, "≥ 14 days left (fail < 3)"]);
    const other = certChecks(HOST, "w", facts({ authorized: false, authorizationError: "ERR_TLS_CERT_ALTNAME_INVALID", cert: cert({ subjectaltname: "DNS:other.example" }) }), now);
    assert.deepEqual(other.map((r) => r.status), ["fail", "pass", "pass"]);
    assert.match(other[0]!.fix, /put one for mail\.example\.test in \/etc\/chasquid\/certs\/mail\.example\.test\//);
    const noSan = certChecks(HOST, "w", facts({ cert: cert({ subjectaltname: undefined, subject: { CN: "x.example" } as tls.Certificate, issuer: { O: "Only Org" } as tls.Certificate }) }), now);
    assert.equal(noSan[0]!.observed, "CN=x.example");
    assert.equal(noSan[1]!.observed, "verified (issuer Only Org)");
    const untrusted = certChecks(HOST, "w", facts({ authorized: false, authorizationError: "SELF_SIGNED_CERT_IN_CHAIN" }), now)[1]!;
    assert.deepEqual([untrusted.status, untrusted.observed], ["fail", "not verified: SELF_SIGNED_CERT_IN_CHAIN"]);
    assert.match(untrusted.fix, /serve fullchain\.pem.*--ca FILE/);
    const expired = certChecks(HOST, "w", facts({ authorized: false, authorizationError: "CERT_HAS_EXPIRED", cert: cert({ valid_to: inDays(-1).toUTCString() }) }), now);
    assert.deepEqual(expired.map((r) => r.status), ["pass", "fail", "fail"]);
    assert.equal(expired[1]!.fix, expired[2]!.fix);
    assert.match(expired[1]!.fix, /^renew on the host: certbot renew --cert-name mail\.example\.test/);
    assert.equal(certChecks(HOST, "w", facts({ authorized: false }), now)[1]!.observed, "not verified: unknown error");
    const none = certChecks(HOST, "w", facts({ cert: undefined }), now);
    assert.deepEqual(none.map((r) => [r.id, r.status, r.observed, r.expected]), [["smtp.cert", "fail", "no certificate", `a certificate for ${HOST}`]]);
    assert.equal(certChecks(HOST, "w", facts({ cert: cert({ valid_to: "" }) }), now)[0]!.id, "smtp.cert");
  });

  test("TLS 1.1: accepted warns, refused passes, unknown warns", () => {
    const accepted = legacyTlsCheck("w", { kind: "accepted", protocol: "TLSv1.1" });
    assert.deepEqual([accepted.id, accepted.status, accepted.observed, accepted.expected], ["smtp.tls-version", "warn", "TLS 1.1 accepted (TLSv1.1)", "TLS 1.1 handshake refused (TLS 1.2+ only)"]);
    assert.match(accepted.fix, /GODEBUG=tls10server=0/);
    assert.deepEqual([legacyTlsCheck("w", { kind: "refused", detail: "alert 70" }).status, legacyTlsCheck("w", { kind: "refused", detail: "alert 70" }).observed], ["pass", "TLS 1.1 refused (alert 70)"]);
    const unknown = legacyTlsCheck("w", { kind: "unknown", detail: "no TLS 1.1 here" });
    assert.deepEqual([unknown.status, unknown.observed], ["warn", "unknown: no TLS 1.1 here"]);
    assert.match(unknown.fix, /openssl s_client -tls1_1/);
  });

  test("banner and EHLO name must both be the host name (case and a trailing dot aside)", () => {
    const ok = bannerCheck(probe({ banner: `220 ${HOST.toUpperCase()}. ESMTP`, ehloGreeting: `${HOST} Hello` }));
    assert.deepEqual([ok.id, ok.target, ok.status, ok.observed, ok.expected], ["smtp.banner", `${IPV4}:25`, "pass", `banner ${HOST.toUpperCase()}., EHLO ${HOST}`, `${HOST} in both`]);
    assert.equal(bannerCheck(probe({ banner: `220-${HOST} ESMTP`, ehloGreeting: HOST })).status, "pass");
    const wrongEhlo = bannerCheck(probe({ banner: `220 ${HOST} ESMTP`, ehloGreeting: "vmi1.contaboserver.net" }));
    assert.equal(wrongEhlo.status, "fail");
    assert.equal(wrongEhlo.fix, `set hostname: "${HOST}" in /etc/chasquid/chasquid.conf (pulumi up renders it) and restart chasquid`);
    const nothing = bannerCheck(probe({ address: IPV6 }));
    assert.deepEqual([nothing.target, nothing.status, nothing.observed], [`[${IPV6}]:25`, "fail", "banner ?, EHLO ?"]);
    assert.equal(bannerCheck(probe({ banner: `554 ${HOST}`, ehloGreeting: HOST })).status, "fail");
  });

  test("reach: the error, or the banner; the fix names the family and, for 25, the ISP", () => {
    const down = reachCheck(probe({ error: "ECONNREFUSED" }));
    assert.deepEqual([down.id, down.status, down.observed, down.expected], ["smtp.reach", "fail", "ECONNREFUSED", "25/tcp answers SMTP over IPv4"]);
    assert.match(down.fix, /^open 25\/tcp over IPv4 in the provider firewall.*your ISP blocks outbound 25/);
    const down6 = reachCheck(probe({ address: IPV6, port: 587, error: "ETIMEDOUT" }));
    assert.equal(down6.expected, "587/tcp answers SMTP over IPv6");
    assert.doesNotMatch(down6.fix, /ISP/);
    assert.match(down6.fix, /^open 587\/tcp over IPv6/);
    assert.deepEqual([reachCheck(probe({ banner: "220 x" })).status, reachCheck(probe({ banner: "220 x" })).observed], ["pass", "220 x"]);
    assert.equal(reachCheck(probe({})).observed, "connected");
  });

  test("STARTTLS: not offered, handshake error, works", () => {
    const no = starttlsCheck(probe({ starttls: false }));
    assert.deepEqual([no.id, no.status, no.observed, no.expected], ["smtp.starttls", "fail", "STARTTLS not offered", "STARTTLS offered and the handshake works"]);
    assert.match(no.fix, /certificate in \/etc\/chasquid\/certs\/mail\.example\.test\//);
    const broken = starttlsCheck(probe({ starttls: true, tls: { protocol: null, authorized: false, error: "wrong version number" } }));
    assert.deepEqual([broken.status, broken.observed], ["fail", "wrong version number"]);
    const ok = starttlsCheck(probe({ starttls: true, tls: { protocol: "TLSv1.3", authorized: true } }));
    assert.deepEqual([ok.status, ok.observed], ["pass", "STARTTLS → TLSv1.3"]);
    assert.equal(starttlsCheck(probe({ starttls: true })).observed, "STARTTLS → ?");
  });

  test("smtp checks over probes: unreachable ports get reach only; STARTTLS is not checked on 465", async () => {
    const ctx = ctxOf(good(), withoutRecord((r) => r.type === "AAAA"));
    const down = [25, 465, 587].map((port) => probe({ port, error: "ECONNREFUSED" }));
    assert.deepEqual((await smtpChecks(ctx, down)).map((r) => `${r.id} ${r.target} ${r.status}`),
      [`smtp.reach ${IPV4}:25 fail`, `smtp.reach ${IPV4}:465 fail`, `smtp.reach ${IPV4}:587 fail`]);
    const plain25 = [probe({ banner: `220 ${HOST}`, ehloGreeting: HOST, starttls: false }), probe({ port: 465, error: "ECONNREFUSED" })];
    assert.deepEqual((await smtpChecks(ctx, plain25)).map((r) => `${r.id} ${r.status}`),
      ["smtp.reach pass", "smtp.starttls fail", "smtp.reach fail", "smtp.banner pass"]);
  });
});

describe("security verdicts", () => {
  const reply = (code: number, text = "x") => ({ code, lines: [text] });

  test("open relay: refused at MAIL or RCPT passes, temporary answers warn, accepted fails", () => {
    const expected = `RCPT TO:<${RELAY_TO}> refused with 5xx`;
    const r = (o: Parameters<typeof relayCheck>[1]) => relayCheck("w", o);
    assert.deepEqual([r({ step: "RCPT", reply: reply(550, "no relay") }).status, r({ step: "RCPT", reply: reply(550, "no relay") }).observed], ["pass", "RCPT: 550 no relay"]);
    assert.equal(r({ step: "RCPT", reply: reply(500) }).status, "pass");
    assert.deepEqual([r({ step: "RCPT", reply: reply(451) }).status, r({ step: "RCPT", reply: reply(451) }).observed], ["warn", "RCPT: 451 x (temporary: can't tell)"]);
    assert.equal(r({ step: "RCPT", reply: reply(400) }).status, "warn");
    assert.equal(r({ step: "RCPT", reply: reply(499) }).status, "warn");
    const open = r({ step: "RCPT", reply: reply(250, "ok") });
    assert.deepEqual([open.id, open.status, open.expected], ["security.open-relay", "fail", expected]);
    assert.match(open.fix, /relays for strangers/);
    assert.equal(r({ step: "RCPT", reply: reply(399) }).status, "fail");
    assert.deepEqual([r({ step: "MAIL", reply: reply(550) }).status, r({ step: "MAIL", reply: reply(550) }).observed], ["pass", "MAIL: 550 x"]);
    assert.equal(r({ step: "MAIL", reply: reply(500) }).status, "pass");
    assert.equal(r({ step: "MAIL", reply: reply(421) }).status, "warn");
    const err = r({ step: "error", error: "ECONNREFUSED" });
    assert.deepEqual([err.status, err.observed, err.fix], ["warn", "unknown: ECONNREFUSED", "port 25 must answer for this test; see smtp.reach"]);
  });

  test("AUTH before TLS", () => {
    const bad = authBeforeTlsCheck({ host: HOST, address: IPV4, port: 587, extensionsPlain: ["PIPELINING", "AUTH PLAIN LOGIN"] });
    assert.deepEqual([bad.id, bad.target, bad.status, bad.observed, bad.expected], ["security.auth-before-tls", `${IPV4}:587`, "fail", "EHLO before STARTTLS lists AUTH PLAIN LOGIN", "AUTH only after STARTTLS"]);
    assert.match(bad.fix, /clear text/);
    const ok = authBeforeTlsCheck({ host: HOST, address: IPV4, port: 587, extensionsPlain: ["STARTTLS", "XAUTHX"] });
    assert.deepEqual([ok.status, ok.observed], ["pass", "no AUTH before STARTTLS"]);
    assert.equal(authBeforeTlsCheck({ host: HOST, address: IPV4, port: 587 }).status, "pass");
  });

  test("login and wrong password", () => {
    const ok = loginCheck("w", USER, { reply: reply(235, "2.7.0 ok"), authOffered: true });
    assert.deepEqual([ok.id, ok.target, ok.status, ok.observed, ok.expected], ["security.login", `${USER} @ w`, "pass", `AUTH PLAIN ${USER} *** → 235 2.7.0 ok`, "235 after AUTH PLAIN with the stack's password"]);
    const refused = loginCheck("w", USER, { reply: reply(535), authOffered: false });
    assert.deepEqual([refused.status, refused.observed], ["fail", `AUTH PLAIN ${USER} *** → 535 x (AUTH PLAIN not listed after STARTTLS)`]);
    assert.equal(refused.fix, `the stack's password for ${USER} does not work: re-run pulumi up (it writes chasquid's users file), then check /etc/chasquid/domains/example.test/users`);
    const err = loginCheck("w", USER, { error: "timeout" });
    assert.deepEqual([err.status, err.observed], ["fail", "timeout"]);
    const w = (code: number) => wrongPasswordCheck("w", USER, { reply: reply(code), authOffered: true });
    assert.deepEqual([w(535).id, w(535).status, w(535).observed, w(535).expected], ["security.wrong-password", "pass", `AUTH PLAIN ${USER} *** (wrong) → 535 x`, "5xx for a wrong password"]);
    assert.equal(w(500).status, "pass");
    assert.equal(w(235).status, "fail");
    assert.match(w(235).fix, /accepts any password/);
    assert.equal(w(454).status, "warn");
    assert.equal(w(499).status, "warn");
    const e = wrongPasswordCheck("w", USER, { error: "reset" });
    assert.deepEqual([e.status, e.observed, e.fix], ["warn", "unknown: reset", "see security.login"]);
  });
});

describe("relay and login sessions against a local SMTP server", () => {
  test("a closed server refuses relaying and takes only the stack's password; nothing answering is an error", async () => {
    const cert = certFor([HOST], 90);
    const s = await startMailServer({ name: HOST, users: { [USER]: PASSWORD }, cert });
    const ctx = fixtureContext(good() as FakeZone, outputs, s.ports, [cert.cert]);
    try {
      const relay = await tryRelay(HOST, "127.0.0.1", ctx.net);
      assert.equal(relay.step, "RCPT");
      assert.ok("reply" in relay && relay.reply.code >= 500, JSON.stringify(relay));
      const login = await tryLogin(HOST, "127.0.0.1", USER, PASSWORD, ctx.net);
      assert.ok("reply" in login && login.reply.code === 235 && login.authOffered, JSON.stringify(login));
      const wrong = await tryLogin(HOST, "127.0.0.1", USER, "not-the-password", ctx.net);
      assert.ok("reply" in wrong && wrong.reply.code === 535, JSON.stringify(wrong));
    } finally {
      await s.close();
    }
    assert.deepEqual(s.auths, [USER, USER], "one AUTH per login attempt");
    const gone = await tryRelay(HOST, "127.0.0.1", ctx.net);
    assert.equal(gone.step, "error");
    assert.deepEqual(await securityChecks(ctx, []), []);
  });
});

test("no password is sent to a server whose certificate does not verify (another CA, or another name)", async () => {
  const cert = certFor([HOST], 90);
  const s = await startMailServer({ name: HOST, users: { [USER]: PASSWORD }, cert });
  try {
    const otherCa = fixtureContext(good() as FakeZone, outputs, s.ports, [certFor(["other.test"], 90).cert]);
    const untrusted = await tryLogin(HOST, "127.0.0.1", USER, PASSWORD, otherCa.net);
    assert.ok("error" in untrusted && /does not verify .*the password was not sent/.test(untrusted.error), JSON.stringify(untrusted));
    const trusted = fixtureContext(good() as FakeZone, outputs, s.ports, [cert.cert]);
    const wrongName = await tryLogin("mx.other.test", "127.0.0.1", USER, PASSWORD, trusted.net);
    assert.ok("error" in wrongName && /does not verify/.test(wrongName.error), JSON.stringify(wrongName));
    assert.deepEqual(s.auths, [], "the server never saw an AUTH");
  } finally {
    await s.close();
  }
});

test("the SMTP and security groups over one IPv4 host: which check runs on which port, one login per user, one wrong password", async () => {
  const cert = certFor([HOST], 90);
  const s = await startMailServer({ name: HOST, users: { [USER]: PASSWORD, "b@example.test": "pw-b" }, cert });
  const o = withoutRecord((r) => r.type === "AAAA");
  o.smtp = [...o.smtp, { address: "b@example.test", host: HOST, port: 465, alternatePort: 587, username: "b@example.test" }];
  o.smtpPasswords = { ...o.smtpPasswords, "b@example.test": "pw-b" };
  const ctx = fixtureContext(good() as FakeZone, o, s.ports, [cert.cert]);
  try {
    const probes = await probeAll(ctx);
    assert.deepEqual(probes.map((p) => [p.address, p.port, p.error]), [[IPV4, 25, undefined], [IPV4, 465, undefined], [IPV4, 587, undefined]]);
    const smtp = (await smtpChecks(ctx, probes)).map((r) => `${r.id} ${r.target} ${r.status}`);
    assert.deepEqual(smtp, [
      `smtp.reach ${IPV4}:25 pass`, `smtp.starttls ${IPV4}:25 pass`, `smtp.reach ${IPV4}:465 pass`, `smtp.reach ${IPV4}:587 pass`, `smtp.starttls ${IPV4}:587 pass`,
      ...[25, 465, 587].flatMap((port) => [`smtp.banner ${IPV4}:${port} pass`, `smtp.cert-name ${IPV4}:${port} pass`, `smtp.cert-chain ${IPV4}:${port} pass`,
        `smtp.cert-expiry ${IPV4}:${port} pass`, `smtp.tls-version ${IPV4}:${port} pass`]),
    ]);
    const security = (await securityChecks(ctx, probes)).map((r) => `${r.id} ${r.target} ${r.status}`);
    assert.deepEqual(security, [
      `security.open-relay ${IPV4}:25 pass`, `security.auth-before-tls ${IPV4}:587 pass`,
      `security.login ${USER} @ ${IPV4}:587 pass`, `security.login b@example.test @ ${IPV4}:587 pass`,
      `security.wrong-password ${USER} @ ${IPV4}:587 pass`,
    ]);
  } finally {
    await s.close();
  }
});
