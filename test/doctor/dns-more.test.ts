// The DNS group's corners a person acting on the report depends on: what the observed text says
// when records are doubled, which host the MX fix names, the SPF lookup limit itself, the field of
// the stack to change, the rotation with no live key. (Mutation testing showed these could break
// unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { addressChecks, dkimChecks, dkimRotationChecks, dmarcChecks, mxChecks, proxiedCheck, spfChecks, srvChecks } from "../../doctor/checks/dns";
import { reputationChecks } from "../../doctor/checks/reputation";
import { zenQuery } from "../../doctor/dnsbl";
import { certFor } from "./certs";
import { startScriptedServer } from "./scripted-server";
import type { FakeZone } from "../../doctor/fake-resolver";
import type { StackOutputs } from "../../doctor/outputs";
import { dkimPublicPem, DOMAIN, fixtureContext, fixtureOutputs, HOST, IPV4, IPV6, SELECTOR, zoneOf, oneResult } from "./fixture";
import { dkimValue } from "../../plans/mail-records";

const DKIM_NAME = `${SELECTOR}._domainkey.${DOMAIN}`;
const outputs = fixtureOutputs();
const good = () => zoneOf(outputs) as Record<string, unknown>;
const ctxOf = (zone: Record<string, unknown>, o: StackOutputs = outputs) => fixtureContext(zone as FakeZone, o);

describe("addresses and MX", () => {
  test("no AAAA planned and the AAAA lookup fails: a warning with the DNS error, not silence", async () => {
    const v4 = { ...outputs, records: outputs.records.filter((r) => r.type !== "AAAA") };
    const z = good();
    z[`AAAA ${HOST}`] = "ESERVFAIL";
    const aaaa = oneResult(await addressChecks(ctxOf(z, v4)), "dns.aaaa");
    assert.deepEqual([aaaa.status, aaaa.observed, aaaa.expected], ["warn", "DNS error ESERVFAIL", "(none)"]);
  });

  test("two planned addresses, one of them replaced in DNS by another: fail, though the count is right", async () => {
    const o = fixtureOutputs();
    const a = o.records.find((r) => r.type === "A")!;
    o.records.push({ ...a, key: "a-2", content: "192.0.2.11" });
    const z = zoneOf(o) as Record<string, unknown>;
    z[`A ${HOST}`] = [IPV4, "192.0.2.99"];
    const r = oneResult(await addressChecks(ctxOf(z, o)), "dns.a");
    assert.deepEqual([r.status, r.observed, r.expected], ["fail", `${IPV4}, 192.0.2.99`, `${IPV4}, 192.0.2.11`]);
  });

  test("MX with two planned exchanges, one missing: fail, and the fix names only the missing one", async () => {
    const o = fixtureOutputs();
    const mx = o.records.find((r) => r.type === "MX")!;
    o.records.push({ ...mx, key: "mx-2", content: "mx2.example.test", priority: 20 });
    const z = zoneOf(o) as Record<string, unknown>;
    z[`MX ${DOMAIN}`] = [{ exchange: HOST, priority: 10 }];
    const r = oneResult(await mxChecks(ctxOf(z, o)), "dns.mx");
    assert.deepEqual([r.status, r.expected], ["fail", `${HOST}, mx2.example.test`]);
    assert.equal(r.fix, `publish MX ${DOMAIN} → mx2.example.test: run pulumi up`);
  });
});

describe("SPF", () => {
  test("two v=spf1 records: the observed text says how many and that it is a permerror", async () => {
    const z = good();
    z[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ~all`], ["v=spf1 -all"]];
    const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf", DOMAIN);
    assert.deepEqual([r.status, r.observed, r.expected], ["fail", "2 v=spf1 records (permerror)", "exactly one v=spf1 record"]);
  });

  test("exactly 10 DNS lookups is within the limit; 11 is over, with the fix to replace terms", async () => {
    const chain = (n: number) => {
      const z = good();
      z[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ip6:${IPV6} ${Array.from({ length: n }, (_, i) => `include:i${i}.test`).join(" ")} ~all`]];
      for (let i = 0; i < n; i++) z[`TXT i${i}.test`] = [["v=spf1 -all"]];
      return z;
    };
    const ten = oneResult(await spfChecks(ctxOf(chain(10))), "dns.spf-lookups", DOMAIN);
    assert.deepEqual([ten.status, ten.observed, ten.expected], ["pass", "10 lookups", "≤ 10 lookups, no loops, every include resolvable"]);
    const eleven = oneResult(await spfChecks(ctxOf(chain(11))), "dns.spf-lookups", DOMAIN);
    assert.deepEqual([eleven.status, eleven.observed], ["fail", "11 lookups"]);
    assert.equal(eleven.fix, `SPF at ${DOMAIN} needs 11 DNS lookups (limit 10 → permerror): replace a:/mx:/include: with ip4:/ip6: terms or drop includes`);
  });

  test("an IPv6 address SPF does not authorise: the fix names ip6: and the ipv6 field", async () => {
    const z = good();
    z[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ~all`]];
    const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf-authorises", `${DOMAIN} ← ${IPV6}`);
    assert.equal(r.fix, `add ip6:${IPV6} to the SPF record at ${DOMAIN} (mailstack:hosts[].ipv6), then pulumi up`);
  });
});

describe("SPF texts", () => {
  test("a passing record is shown as published, nothing added; trailing blanks do not make it differ", async () => {
    const z = good();
    const planned = (z[`TXT ${DOMAIN}`] as string[][])[0]!.join("");
    z[`TXT ${DOMAIN}`] = [[`${planned} `]];
    const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf", DOMAIN);
    assert.deepEqual([r.status, r.observed], ["pass", `${planned} `]);
    const a = oneResult(await spfChecks(ctxOf(z)), "dns.spf-authorises", `${DOMAIN} ← ${IPV4}`);
    assert.deepEqual([a.status, a.observed, a.expected], ["pass", "spf=pass", "spf=pass"]);
  });

  test("why a record fails or warns is in the observed text: every syntax error, +all, a drift from the plan", async () => {
    const cases: [string, string][] = [
      [`v=spf1 ip4:${IPV4} bogus:x other:y ~all`, "fail"],
      ["v=spf1 +all", "fail"],
      [`v=spf1 ip4:${IPV4} ip6:${IPV6} -all`, "warn"],
    ];
    const observed: string[] = [];
    for (const [text, status] of cases) {
      const z = good();
      z[`TXT ${DOMAIN}`] = [[text]];
      const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf", DOMAIN);
      assert.equal(r.status, status, text);
      observed.push(r.observed);
    }
    assert.match(observed[0]!, /^v=spf1 ip4:192\.0\.2\.10 bogus:x other:y ~all \(.*bogus.*; .*other.*\)$/);
    assert.equal(observed[1], "v=spf1 +all (+all authorises the whole internet)");
    assert.equal(observed[2], `v=spf1 ip4:${IPV4} ip6:${IPV6} -all (differs from the planned record)`);
  });

  test("two broken includes: the lookup result lists both problems", async () => {
    const z = good();
    z[`TXT ${DOMAIN}`] = [[`v=spf1 ip4:${IPV4} ip6:${IPV6} include:_a.missing.test include:_b.missing.test ~all`]];
    const r = oneResult(await spfChecks(ctxOf(z)), "dns.spf-lookups", DOMAIN);
    assert.equal(r.status, "fail");
    assert.match(r.observed, /^2 lookups; [^;]*_a\.missing\.test[^;]*; [^;]*_b\.missing\.test/);
  });

  test("a second mail domain with no planned SPF record is still checked", async () => {
    const o = fixtureOutputs();
    o.dkim = { ...o.dkim, "other.test": { selector: SELECTOR, recordName: `${SELECTOR}._domainkey.other.test` } };
    const r = oneResult(await spfChecks(ctxOf(good(), o)), "dns.spf", "other.test");
    assert.deepEqual([r.status, r.observed], ["fail", "no v=spf1 record"]);
  });

  test("SPF is evaluated as the host would send: HELO is the host's name (an SPF %{h} macro sees it)", async () => {
    const z = good();
    z[`TXT ${DOMAIN}`] = [["v=spf1 exists:%{h}._helo.example.test -all"]];
    z[`A ${HOST}._helo.example.test`] = ["127.0.0.2"];
    const rs = await spfChecks(ctxOf(z));
    assert.equal(oneResult(rs, "dns.spf-authorises", `${DOMAIN} ← ${IPV4}`).observed, "spf=pass");
    assert.equal(oneResult(rs, "dns.spf-authorises", `${DOMAIN} ← ${IPV6}`).observed, "spf=pass");
  });
});

describe("DKIM and DMARC", () => {
  test("two DKIM key records at one name: fail, saying receivers pick one at random", async () => {
    const z = good();
    z[`TXT ${DKIM_NAME}`] = [...(z[`TXT ${DKIM_NAME}`] as string[][]), [dkimValue(dkimPublicPem())]];
    const r = oneResult(await dkimChecks(ctxOf(z)), "dns.dkim");
    assert.deepEqual([r.status, r.observed], ["fail", "2 key records (receivers pick one at random)"]);
    delete z[`TXT ${DKIM_NAME}`];
    const none = oneResult(await dkimChecks(ctxOf(z)), "dns.dkim");
    assert.deepEqual([none.status, none.observed], ["fail", "no DKIM key record"]);
  });

  test("two DMARC records: fail, saying receivers ignore them all; p=NONE in capitals still only monitors", async () => {
    const name = `_dmarc.${DOMAIN}`;
    const z = good();
    z[`TXT ${name}`] = [["v=DMARC1; p=reject"], ["v=DMARC1; p=quarantine"]];
    const two = oneResult(await dmarcChecks(ctxOf(z)), "dns.dmarc");
    assert.deepEqual([two.status, two.observed], ["fail", "2 DMARC records (receivers ignore them all)"]);
    z[`TXT ${name}`] = [["v=DMARC1; p=NONE"]];
    const none = oneResult(await dmarcChecks(ctxOf(z)), "dns.dmarc");
    assert.deepEqual([none.status, none.observed], ["warn", "v=DMARC1; p=NONE (p=none only monitors)"]);
    assert.equal(none.fix, "set mailstack:domains[].dmarc.policy to quarantine or reject once reports look clean");
  });

  test("a DMARC record split in two strings, beside another TXT at _dmarc: one record, it passes", async () => {
    const name = `_dmarc.${DOMAIN}`;
    const z = good();
    const plan = (z[`TXT ${name}`] as string[][])[0]!.join("");
    z[`TXT ${name}`] = [[plan.slice(0, 20), plan.slice(20)], ["some-verification=abc"]];
    const r = oneResult(await dmarcChecks(ctxOf(z)), "dns.dmarc");
    assert.deepEqual([r.status, r.observed], ["pass", plan]);
    z[`TXT ${name}`] = [[`${plan}  `]];
    assert.equal(oneResult(await dmarcChecks(ctxOf(z)), "dns.dmarc").status, "pass", "trailing blanks do not make it differ");
  });

  test("DMARC errors are all listed; p=none with an error gets the fix to publish the planned record", async () => {
    const name = `_dmarc.${DOMAIN}`;
    const z = good();
    const plan = (z[`TXT ${name}`] as string[][])[0]!.join("");
    z[`TXT ${name}`] = [["v=DMARC1; p=none; pct=150; adkim=x"]];
    const r = oneResult(await dmarcChecks(ctxOf(z)), "dns.dmarc");
    assert.equal(r.status, "fail");
    assert.match(r.observed, /^v=DMARC1; p=none; pct=150; adkim=x \(.*adkim=x.*; .*pct=150.*\)$|^v=DMARC1; p=none; pct=150; adkim=x \(.*pct=150.*; .*adkim=x.*\)$/);
    assert.equal(r.fix, `publish one TXT at ${name}: "${plan}" (pulumi up)`);
  });

  test("a rotation: a selector whose key record is split inside p= is live; a key beside another TXT is live", async () => {
    const o = fixtureOutputs();
    const next = `rot2._domainkey.${DOMAIN}`;
    o.records.push({ ...o.records.find((r) => r.name === DKIM_NAME)!, key: `txt-${next}`, name: next });
    o.dkimRotation = { [DOMAIN]: { phase: "switch", signingSelector: "rot2", next: "" } };
    const z = zoneOf(o) as Record<string, unknown>;
    const key = (z[`TXT ${next}`] as string[][])[0]!.join("");
    const at = key.indexOf("p=") + 1;
    z[`TXT ${next}`] = [[key.slice(0, at), key.slice(at)]];
    z[`TXT ${DKIM_NAME}`] = [...(z[`TXT ${DKIM_NAME}`] as string[][]), ["some-verification=abc"]];
    const r = oneResult(await dkimRotationChecks(ctxOf(z, o)), "dkim.rotation");
    assert.deepEqual([r.status, r.observed], ["pass", `switch: chasquid signs with rot2; live keys in DNS: ${SELECTOR}, rot2`]);
  });

  test("a rotation whose selectors have no live key at all: observed says none", async () => {
    const o = fixtureOutputs();
    o.dkimRotation = { [DOMAIN]: { phase: "prepare", signingSelector: SELECTOR, next: "" } };
    const z = zoneOf(o) as Record<string, unknown>;
    delete z[`TXT ${DKIM_NAME}`];
    const r = oneResult(await dkimRotationChecks(ctxOf(z, o)), "dkim.rotation");
    assert.deepEqual([r.status, r.observed, r.expected], ["fail", `prepare: chasquid signs with ${SELECTOR}; live keys in DNS: none`, `a live key at ${DKIM_NAME}`]);
    assert.equal(r.fix, `publish ${DKIM_NAME} (pulumi up) before anything signs with it`);
  });
});

test("proxied: the fix says to turn the proxy off on the mail host's records", () => {
  const o = fixtureOutputs();
  (o.records.find((r) => r.type === "A") as { proxied: boolean }).proxied = true;
  const r = oneResult(proxiedCheck(ctxOf(good(), o)), "dns.proxied");
  assert.deepEqual([r.target, r.status, r.observed, r.expected], ["records", "fail", `proxied: A ${HOST}`, "every mail record DNS only (grey cloud)"]);
  assert.equal(r.fix, "set proxied: false (DNS only, grey cloud) on the mail host's A/AAAA in Cloudflare: SMTP cannot pass Cloudflare's HTTP proxy");
});

describe("dns.srv", () => {
  const srv = (o: StackOutputs, port: number, priority = 0) => {
    const name = `${port === 465 ? "_submissions" : "_submission"}._tcp.${DOMAIN}`;
    o.records.push({ key: `srv-${name}`, zone: DOMAIN, name, type: "SRV", content: `1 ${port} ${HOST}`, priority, ttl: 3600, proxied: false, comment: "mailstack" } as StackOutputs["records"][number]);
    return name;
  };

  test("the host answers with a banner other than 220: fail, with what it said; the planned priority is expected", async () => {
    const cert = certFor([HOST], 30);
    const s = await startScriptedServer({ cert, banner: "554 5.3.2 not accepting connections" });
    try {
      const o = fixtureOutputs();
      const name = srv(o, 587, 10);
      const z = zoneOf(o) as Record<string, unknown>;
      z[`SRV ${name}`] = [{ priority: 10, weight: 1, port: 587, name: `${HOST}.` }];
      const r = oneResult(await srvChecks(fixtureContext(z as FakeZone, o, { 587: s.port }, [cert.cert])), "dns.srv");
      assert.equal(r.status, "fail");
      assert.equal(r.observed, `10 1 587 ${HOST}; ${IPV4}:587: 554 5.3.2 not accepting connections`);
      assert.equal(r.expected, `10 1 587 ${HOST}, a host of the stack that answers on 587`);
      assert.ok(await s.idle(2000), "the doctor closed its connection");
    } finally {
      await s.close();
    }
  });

  test("pointing at the second host of the stack: that host's address is tried", async () => {
    const o = fixtureOutputs();
    o.hosts = { [HOST]: { facts: {}, verification: {} }, "mx2.example.test": { facts: {}, verification: {} } };
    o.records.push({ ...o.records.find((r) => r.type === "A")!, key: "a-mx2", name: "mx2.example.test", content: "192.0.2.20" });
    const name = srv(o, 465);
    const z = zoneOf(o) as Record<string, unknown>;
    z[`SRV ${name}`] = [{ priority: 0, weight: 1, port: 465, name: "mx2.example.test" }];
    const r = oneResult(await srvChecks(fixtureContext(z as FakeZone, o, {})), "dns.srv");
    assert.equal(r.status, "fail");
    assert.match(r.observed, /^0 1 465 mx2\.example\.test; 192\.0\.2\.20:465: /);
    assert.match(r.fix, /cannot reach mx2\.example\.test on 465/);
  });

  test("a host with no planned address: fail without a connection attempt", async () => {
    const o = fixtureOutputs();
    o.records = o.records.filter((r) => r.type !== "A" && r.type !== "AAAA");
    srv(o, 465);
    const z = zoneOf(o) as Record<string, unknown>;
    const r = oneResult(await srvChecks(fixtureContext(z as FakeZone, o, { 465: 1 })), "dns.srv");
    assert.deepEqual([r.status, r.observed], ["fail", `0 1 465 ${HOST}; ${HOST}: no planned address`]);
  });
});

describe("reputation texts", () => {
  test("each state says what was expected; several listings are all named", async () => {
    const z = good();
    z[`A ${zenQuery(IPV4)}`] = ["127.0.0.2", "127.0.0.10"];
    z[`A ${zenQuery(IPV6)}`] = "EREFUSED";
    z[`A ${DOMAIN}.dbl.spamhaus.org`] = ["127.0.1.2", "127.0.1.4"];
    z[`A ${HOST}.dbl.spamhaus.org`] = "ETIMEOUT";
    const rs = await reputationChecks(ctxOf(z));
    const shown = rs.map((r) => [r.id, r.target, r.status, r.observed, r.expected]);
    assert.deepEqual(shown.map((r) => r[4]), ["not listed", "not listed", "not listed", "not listed"]);
    assert.match(String(shown[0]![3]), /^listed: .*\(127\.0\.0\.2\), .*\(127\.0\.0\.10\)$/);
    assert.match(String(shown[2]![3]), /^listed: .*\(127\.0\.1\.2\), .*\(127\.0\.1\.4\)$/);
    const clean = await reputationChecks(ctxOf(good()));
    assert.deepEqual(clean.map((r) => [r.status, r.observed, r.expected]), Array(4).fill(["pass", "not listed (NXDOMAIN)", "not listed"]));
  });
});
