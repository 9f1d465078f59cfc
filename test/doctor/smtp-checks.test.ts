// The SMTP and security checks against real SMTP servers on 127.0.0.1 (smtp-server), with
// self-signed certificates made for each case.
import assert from "node:assert/strict";
import { before, test } from "node:test";
import type { FakeZone } from "../../doctor/fake-resolver";
import { wrongPasswordCheck } from "../../doctor/checks/security";
import { renderJson, renderTable } from "../../doctor/report";
import { runDoctor } from "../../doctor/run";
import type { StackOutputs } from "../../doctor/outputs";
import type { CheckResult } from "../../doctor/types";
import { certFor, makeCert, TestCert } from "./certs";
import { fixtureContext, fixtureOutputs, HOST, PASSWORD, USER, zoneOf } from "./fixture";
import { MailServerOptions, startMailServer } from "./mail-server";

const v4Only = (o: StackOutputs): StackOutputs => ({ ...o, records: o.records.filter((r) => r.type !== "AAAA") });
const OUTPUTS = v4Only(fixtureOutputs());
const ZONE = zoneOf(OUTPUTS) as FakeZone;

let goodCert: TestCert;
before(() => {
  goodCert = certFor([HOST], 90);
});

async function doctorAgainst(server: Partial<MailServerOptions>, opts: { outputs?: StackOutputs; trust?: string[] } = {}): Promise<CheckResult[]> {
  const cert = server.cert ?? goodCert;
  const s = await startMailServer({ name: HOST, users: { [USER]: PASSWORD }, ...server, cert });
  try {
    return await runDoctor(fixtureContext(ZONE, opts.outputs ?? OUTPUTS, s.ports, opts.trust ?? [cert.cert]), ["smtp", "security"]);
  } finally {
    await s.close();
  }
}

const bad = (rs: CheckResult[]) => rs.filter((r) => r.status !== "pass").map((r) => `${r.id} ${r.target} ${r.status}: ${r.observed}`);
const byId = (rs: CheckResult[], id: string) => rs.filter((r) => r.id === id);
const statuses = (rs: CheckResult[], id: string) => byId(rs, id).map((r) => r.status);

let goodRun: CheckResult[];
test("a well-behaved server passes every SMTP and security check", async () => {
  goodRun = await doctorAgainst({});
  assert.deepEqual(bad(goodRun), []);
  const ids = new Set(goodRun.map((r) => r.id));
  for (const id of ["smtp.reach", "smtp.starttls", "smtp.banner", "smtp.cert-name", "smtp.cert-chain", "smtp.cert-expiry", "smtp.tls-version",
    "security.open-relay", "security.auth-before-tls", "security.login", "security.wrong-password"]) assert.ok(ids.has(id), id);
  assert.equal(byId(goodRun, "smtp.reach").length, 3, "25, 465, 587");
  assert.equal(byId(goodRun, "smtp.tls-version").length, 3);
  assert.match(byId(goodRun, "smtp.tls-version")[0]!.observed, /TLS 1\.1 refused/);
});

test("no password in the table or the JSON", () => {
  const text = renderTable(goodRun) + renderJson("t", goodRun, new Date());
  assert.ok(!text.includes(PASSWORD), "the password leaked");
  assert.match(text, /AUTH PLAIN i@example\.test \*\*\*/);
});

test("STARTTLS not offered: 25 and 587 fail, and no password is sent in clear", async () => {
  const rs = await doctorAgainst({ noStarttls: true });
  assert.deepEqual(statuses(rs, "smtp.starttls"), ["fail", "fail"]);
  assert.match(byId(rs, "smtp.starttls")[0]!.fix, /certificate in \/etc\/chasquid\/certs\/mail\.example\.test\//);
  const login = byId(rs, "security.login")[0]!;
  assert.equal(login.status, "fail");
  assert.match(login.observed, /refusing to send a password in clear text/);
});

test("AUTH offered before TLS on 587 fails", async () => {
  const rs = await doctorAgainst({ authBeforeTls: true });
  const r = byId(rs, "security.auth-before-tls")[0]!;
  assert.equal(r.status, "fail");
  assert.match(r.observed, /AUTH PLAIN/);
});

test("an open relay fails", async () => {
  const rs = await doctorAgainst({ openRelay: true });
  const r = byId(rs, "security.open-relay")[0]!;
  assert.equal(r.status, "fail");
  assert.match(r.observed, /^RCPT: 250/);
});

test("the stack's password refused: login fails; a server taking any password fails wrong-password", async () => {
  const rs = await doctorAgainst({ users: { [USER]: "another-password" } });
  assert.deepEqual(statuses(rs, "security.login"), ["fail"]);
  assert.match(byId(rs, "security.login")[0]!.observed, /535/);
  assert.deepEqual(statuses(rs, "security.wrong-password"), ["pass"]);
  const reply = (code: number) => ({ reply: { code, lines: ["x"] }, authOffered: true });
  assert.equal(wrongPasswordCheck("h", USER, reply(235)).status, "fail");
  assert.equal(wrongPasswordCheck("h", USER, reply(454)).status, "warn");
  assert.equal(wrongPasswordCheck("h", USER, { error: "timeout" }).status, "warn");
});

test("banner/EHLO name not the host name fails", async () => {
  const rs = await doctorAgainst({ name: "vmi42.contaboserver.net" });
  assert.deepEqual(statuses(rs, "smtp.banner"), ["fail", "fail", "fail"]);
  assert.match(byId(rs, "smtp.banner")[0]!.observed, /banner vmi42\.contaboserver\.net, EHLO vmi42\.contaboserver\.net/);
  assert.match(byId(rs, "smtp.banner")[0]!.fix, /hostname: "mail\.example\.test"/);
});

test("certificate for another name fails cert-name (chain still verified)", async () => {
  const rs = await doctorAgainst({ cert: certFor(["other.example.test"], 90) });
  assert.deepEqual(statuses(rs, "smtp.cert-name"), ["fail", "fail", "fail"]);
  assert.deepEqual(statuses(rs, "smtp.cert-chain"), ["pass", "pass", "pass"]);
  assert.match(byId(rs, "smtp.cert-name")[0]!.observed, /DNS:other\.example\.test/);
});

test("certificate not trusted (no --ca) fails cert-chain", async () => {
  const rs = await doctorAgainst({}, { trust: [] });
  assert.deepEqual(statuses(rs, "smtp.cert-chain"), ["fail", "fail", "fail"]);
  assert.match(byId(rs, "smtp.cert-chain")[0]!.observed, /SELF_SIGNED|self.signed/i);
});

test("certificate expiry: 10 days warns, 1 day fails, expired fails with the renew fix", async () => {
  assert.deepEqual(statuses(await doctorAgainst({ cert: certFor([HOST], 10) }), "smtp.cert-expiry"), ["warn", "warn", "warn"]);
  assert.deepEqual(statuses(await doctorAgainst({ cert: certFor([HOST], 1) }), "smtp.cert-expiry"), ["fail", "fail", "fail"]);
  const expired = makeCert([HOST], new Date("2020-01-01T00:00:00Z"), new Date("2020-02-01T00:00:00Z"));
  const rs = await doctorAgainst({ cert: expired });
  assert.deepEqual(statuses(rs, "smtp.cert-expiry"), ["fail", "fail", "fail"]);
  const chain = byId(rs, "smtp.cert-chain")[0]!;
  assert.equal(chain.status, "fail");
  assert.match(chain.observed, /CERT_HAS_EXPIRED/);
  assert.match(chain.fix, /certbot renew --cert-name mail\.example\.test/);
});

test("a server accepting TLS 1.1 gets a tls-version warning (phase out)", async () => {
  const rs = await doctorAgainst({ legacyTls: true });
  assert.deepEqual(statuses(rs, "smtp.tls-version"), ["warn", "warn", "warn"]);
  assert.match(byId(rs, "smtp.tls-version")[0]!.observed, /TLS 1\.1 accepted \(TLSv1\.1\)/);
});

test("nothing listening: every port fails smtp.reach and the other checks are skipped", async () => {
  const rs = await runDoctor(fixtureContext(ZONE, OUTPUTS, {}), ["smtp", "security"]);
  assert.deepEqual(rs.map((r) => `${r.id} ${r.status}`), ["smtp.reach fail", "smtp.reach fail", "smtp.reach fail"]);
  assert.match(rs[0]!.observed, /ECONNREFUSED/);
});
