// dns.srv (the submission SRV records, and the host answering where they point) against a fake
// resolver and a local SMTP server; security.fail2ban from the verification report in the outputs.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { srvChecks } from "../../doctor/checks/dns";
import { fail2banCheck, securityChecks } from "../../doctor/checks/security";
import type { FakeZone } from "../../doctor/fake-resolver";
import { targetsOf, StackOutputs } from "../../doctor/outputs";
import type { CheckResult } from "../../doctor/types";
import { SUBMISSION_SRV } from "../../plans/dns";
import { certFor, TestCert } from "./certs";
import { DOMAIN, fixtureContext, fixtureOutputs, HOST, PASSWORD, USER, zoneOf } from "./fixture";
import { MailServer, startMailServer } from "./mail-server";

/** The fixture stack with its submission SRV records planned, as planDnsRecords makes them. */
function withSrv(): StackOutputs {
  const o = fixtureOutputs();
  const srv = SUBMISSION_SRV.map(({ service, port }) => ({
    key: `srv-${service}.${DOMAIN}`, zone: DOMAIN, name: `${service}.${DOMAIN}`, type: "SRV" as const, content: `1 ${port} ${HOST}`,
    priority: 0, srv: { weight: 1, port, target: HOST }, ttl: 3600, proxied: false as const, comment: "mailstack",
  }));
  return { ...o, records: [...o.records, ...srv] };
}
const OUTPUTS = withSrv();
const S465 = `_submissions._tcp.${DOMAIN}`;
const S587 = `_submission._tcp.${DOMAIN}`;

let cert: TestCert;
let server: MailServer;
before(async () => {
  cert = certFor([HOST], 90);
  server = await startMailServer({ name: HOST, users: { [USER]: PASSWORD }, cert });
});
after(() => server.close());

const zone = () => zoneOf(OUTPUTS) as Record<string, unknown>;
const check = async (z: Record<string, unknown>, ports: Record<number, number> = server.ports) =>
  srvChecks(fixtureContext(z as FakeZone, OUTPUTS, ports, [cert.cert]));
const one = (rs: CheckResult[], target: string) => {
  const hits = rs.filter((r) => r.id === "dns.srv" && r.target === target);
  assert.equal(hits.length, 1, `${target}: ${JSON.stringify(rs)}`);
  return hits[0]!;
};

describe("dns.srv", () => {
  test("both records present, at the host, which answers on 465 (TLS) and 587: pass", async () => {
    const rs = await check(zone());
    assert.deepEqual(rs.map((r) => [r.target, r.status]), [[S465, "pass"], [S587, "pass"]]);
    assert.match(one(rs, S465).observed, /^0 1 465 mail\.example\.test; 192\.0\.2\.10:465: 220 mail\.example\.test/);
    assert.equal(one(rs, S587).expected, "0 1 587 mail.example.test, a host of the stack that answers on 587");
  });

  test("no SRV planned (mailstack:submissionSrv off): no result, whatever DNS holds", async () => {
    assert.deepEqual(await srvChecks(fixtureContext(zone() as FakeZone, fixtureOutputs())), []);
  });

  test("missing, or a DNS error: fail with the record to publish", async () => {
    const z = zone();
    delete z[`SRV ${S465}`];
    z[`SRV ${S587}`] = "ESERVFAIL";
    const rs = await check(z);
    assert.deepEqual([one(rs, S465).status, one(rs, S465).observed], ["fail", "(none)"]);
    assert.match(one(rs, S465).fix, /^publish SRV _submissions\._tcp\.example\.test → 465 mail\.example\.test \(mailstack:submissionSrv: true, then pulumi up\)/);
    assert.deepEqual([one(rs, S587).status, one(rs, S587).observed], ["fail", "DNS error ESERVFAIL"]);
  });

  test("pointing elsewhere, or at the host on another port: fail", async () => {
    const z = zone();
    z[`SRV ${S465}`] = [{ priority: 0, weight: 1, port: 465, name: "smtp.provider.example" }];
    z[`SRV ${S587}`] = [{ priority: 0, weight: 1, port: 25, name: HOST }];
    const rs = await check(z);
    assert.equal(one(rs, S465).status, "fail");
    assert.equal(one(rs, S465).observed, "0 1 465 smtp.provider.example (not a host of the stack on port 465)");
    assert.equal(one(rs, S587).observed, "0 1 25 mail.example.test (not a host of the stack on port 587)");
  });

  test("an extra target beside ours: warn; the target written with a trailing dot and upper case still counts", async () => {
    const z = zone();
    z[`SRV ${S465}`] = [{ priority: 0, weight: 1, port: 465, name: "MAIL.example.test." }, { priority: 5, weight: 1, port: 465, name: "old.example.net" }];
    const r = one(await check(z), S465);
    assert.equal(r.status, "warn");
    assert.match(r.fix, /also lists targets outside the stack/);
  });

  test("the host does not answer where the record points: fail, pointing at smtp.reach", async () => {
    const rs = await check(zone(), { 465: server.ports[465]! });
    assert.equal(one(rs, S465).status, "pass");
    const r = one(rs, S587);
    assert.equal(r.status, "fail");
    assert.match(r.observed, /^0 1 587 mail\.example\.test; 192\.0\.2\.10:587: connect ECONNREFUSED/);
    assert.match(r.fix, /cannot reach mail\.example\.test on 587: see smtp\.reach/);
  });
});

describe("security.fail2ban", () => {
  const report = (jail: string) => `ok   chasquid active and settled (pid 42)\n${jail}\nok   login i@example.test\nverified`;

  test("from the verification report: ok passes, FAIL fails with what to look at, no line gives no result", () => {
    const ok = fail2banCheck(HOST, report("ok   fail2ban jail mailstack-chasquid active (ports 25, 465, 587; 0 banned now)"))!;
    assert.deepEqual([ok.id, ok.target, ok.status, ok.observed, ok.fix],
      ["security.fail2ban", HOST, "pass", "fail2ban jail mailstack-chasquid active (ports 25, 465, 587; 0 banned now) (last pulumi up's verification)", ""]);
    const bad = fail2banCheck(HOST, report("FAIL the fail2ban jail mailstack-chasquid is not active: Sorry but the jail 'mailstack-chasquid' does not exist"))!;
    assert.equal(bad.status, "fail");
    assert.match(bad.observed, /^the fail2ban jail mailstack-chasquid is not active/);
    assert.match(bad.fix, /fail2ban-client status mailstack-chasquid/);
    assert.equal(fail2banCheck(HOST, report("ok   firewall table inet mailstack loaded")), undefined);
    assert.equal(fail2banCheck(HOST, undefined), undefined);
  });

  test("the outputs carry the report per host, and the security group reports it (no network needed for it)", async () => {
    const o = fixtureOutputs();
    o.hosts = { [HOST]: { facts: {}, verification: report("ok   fail2ban jail mailstack-chasquid active (ports 25, 465, 587; 1 banned now)") } };
    assert.match(targetsOf(o).hosts[0]!.verification ?? "", /fail2ban jail/);
    assert.equal(targetsOf(fixtureOutputs()).hosts[0]!.verification, undefined, "a report that is not text is left out");
    const rs = await securityChecks(fixtureContext(zoneOf(o), o), []);
    assert.deepEqual(rs.map((r) => [r.id, r.status]), [["security.fail2ban", "pass"]]);
  });
});
