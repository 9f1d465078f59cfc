// The security group's SMTP sessions against a scripted server: the paths smtp-server will not take
// (a banner other than 220, STARTTLS refused, MAIL FROM refused, a server that wants TLS before
// MAIL, AUTH PLAIN missing after STARTTLS). Mutation testing showed these could break unnoticed.
import assert from "node:assert/strict";
import { before, describe, test } from "node:test";
import {
  authBeforeTlsCheck, fail2banCheck, loginCheck, RELAY_FROM, RELAY_TO, relayCheck, securityChecks, tryLogin, tryRelay, wrongPasswordCheck,
} from "../../doctor/checks/security";
import type { PortProbe } from "../../doctor/probe";
import { certFor, TestCert } from "./certs";
import { fixtureContext, fixtureOutputs, HOST, IPV4, PASSWORD, USER, zoneOf } from "./fixture";
import { Script, startScriptedServer } from "./scripted-server";

let cert: TestCert;
before(() => {
  cert = certFor([HOST], 90);
});

/** Runs `f` with the scripted server answering on 25 and 587; returns f's value and the commands it saw. */
async function against<T>(script: Omit<Script, "cert">, f: (net: ReturnType<typeof fixtureContext>["net"]) => Promise<T>) {
  const s = await startScriptedServer({ cert, ...script });
  try {
    const o = fixtureOutputs();
    const net = fixtureContext(zoneOf(o), o, { 25: s.port, 587: s.port }, [cert.cert]).net;
    const value = await f(net);
    assert.ok(await s.idle(2000), "the doctor closed its connection");
    // QUIT is left out: the client sends it as it closes, so the server may or may not read it.
    return { value, commands: s.commands.filter((c) => c.line !== "QUIT").map((c) => `${c.tls ? "tls" : "plain"} ${c.line}`) };
  } finally {
    await s.close();
  }
}
const relay = (script: Omit<Script, "cert">) => against(script, (net) => tryRelay(HOST, "127.0.0.1", net));
const login = (script: Omit<Script, "cert">, password = PASSWORD) => against(script, (net) => tryLogin(HOST, "127.0.0.1", USER, password, net));

describe("open relay session on port 25", () => {
  test("STARTTLS offered: the envelope goes over TLS, after a second EHLO; an outside sender and recipient; RSET after", async () => {
    const { value, commands } = await relay({ mailNeedsTls: true, rcpt: "250 2.1.5 ok", ehloPlain: ["PIPELINING", "STARTTLS", "8BITMIME"] });
    assert.deepEqual(value, { step: "RCPT", reply: { code: 250, lines: ["2.1.5 ok"] } });
    assert.equal(relayCheck("w", value).status, "fail", "a server relaying for strangers behind STARTTLS is still an open relay");
    assert.deepEqual(commands, [
      "plain EHLO doctor.mailstack.invalid", "plain STARTTLS", "tls EHLO doctor.mailstack.invalid",
      `tls MAIL FROM:<${RELAY_FROM}>`, `tls RCPT TO:<${RELAY_TO}>`, "tls RSET",
    ]);
    assert.match(RELAY_FROM, /@[^@]+\.invalid$/);
    assert.match(RELAY_TO, /@[^@]+\.invalid$/);
    assert.notEqual(RELAY_FROM.split("@")[1], RELAY_TO.split("@")[1], "sender and recipient in different outside domains");
  });

  test("no STARTTLS offered: the test runs in clear text; a refused RCPT passes", async () => {
    const { value, commands } = await relay({ ehloPlain: ["PIPELINING", "X-NO-STARTTLS"], rcpt: "550 5.7.1 relay not allowed" });
    assert.deepEqual(value, { step: "RCPT", reply: { code: 550, lines: ["5.7.1 relay not allowed"] } });
    assert.equal(relayCheck("w", value).status, "pass");
    assert.deepEqual(commands.slice(0, 3), ["plain EHLO doctor.mailstack.invalid", `plain MAIL FROM:<${RELAY_FROM}>`, `plain RCPT TO:<${RELAY_TO}>`]);
  });

  test("MAIL FROM refused: the test stops there (no RCPT); 5xx passes, 4xx warns", async () => {
    const refused = await relay({ mail: "550 5.7.1 sender refused" });
    assert.deepEqual(refused.value, { step: "MAIL", reply: { code: 550, lines: ["5.7.1 sender refused"] } });
    assert.ok(!refused.commands.some((c) => / RCPT /.test(c)), refused.commands.join("; "));
    const r = relayCheck("w", refused.value);
    assert.deepEqual([r.status, r.observed], ["pass", "MAIL: 550 5.7.1 sender refused"]);
    const later = await relay({ mail: "451 4.3.0 try again later" });
    assert.equal(later.value.step, "MAIL");
    assert.equal(relayCheck("w", later.value).status, "warn");
    assert.match(relayCheck("w", later.value).fix, /relays for strangers/);
    const odd = await relay({ mail: "300 what" });
    assert.equal(odd.value.step, "MAIL", "any reply but 2xx to MAIL ends the test");
  });

  test("a banner other than 220, or STARTTLS refused: an error, nothing of the envelope sent", async () => {
    const busy = await relay({ banner: "554 5.3.2 no service here" });
    assert.deepEqual(busy.value, { step: "error", error: "banner: 554 5.3.2 no service here" });
    assert.deepEqual(busy.commands, []);
    const r = relayCheck("w", busy.value);
    assert.deepEqual([r.status, r.observed], ["warn", "unknown: banner: 554 5.3.2 no service here"]);
    const noTls = await relay({ starttls: "454 4.7.0 TLS not available" });
    assert.deepEqual(noTls.value, { step: "error", error: "STARTTLS: 454 4.7.0 TLS not available" });
    assert.ok(!noTls.commands.some((c) => / MAIL /.test(c)), noTls.commands.join("; "));
  });
});

describe("login session on port 587", () => {
  test("the password goes only over TLS, after a second EHLO, as AUTH PLAIN", async () => {
    const { value, commands } = await login({});
    assert.deepEqual(value, { reply: { code: 235, lines: ["2.7.0 authentication succeeded"] }, authOffered: true });
    assert.deepEqual(commands, ["plain EHLO doctor.mailstack.invalid", "plain STARTTLS", "tls EHLO doctor.mailstack.invalid", "tls AUTH PLAIN"]);
  });

  test("no STARTTLS, or STARTTLS refused: an error and no AUTH", async () => {
    const clear = await login({ ehloPlain: ["AUTH PLAIN", "X-NO-STARTTLS"] });
    assert.deepEqual(clear.value, { error: "no STARTTLS on 587 (refusing to send a password in clear text)" });
    assert.ok(!clear.commands.some((c) => /AUTH/.test(c)));
    const refused = await login({ starttls: "454 4.7.0 TLS not available" });
    assert.deepEqual(refused.value, { error: "STARTTLS: 454 4.7.0 TLS not available" });
    assert.ok(!refused.commands.some((c) => /AUTH/.test(c)));
    const l = loginCheck("w", USER, refused.value);
    assert.deepEqual([l.status, l.observed], ["fail", "STARTTLS: 454 4.7.0 TLS not available"]);
  });

  test("AUTH PLAIN not listed after STARTTLS is noted in the result", async () => {
    for (const ehloTls of [["AUTH LOGIN"], ["AUTH"], ["XAUTH PLAIN"], ["AUTHPLAIN"], ["AUTH XPLAIN"], ["AUTH PLAINX"]]) {
      const { value } = await login({ ehloTls, auth: "504 5.5.4 mechanism not supported" });
      assert.ok("reply" in value && !value.authOffered, `${ehloTls.join(" ")}: ${JSON.stringify(value)}`);
      assert.equal(loginCheck("w", USER, value).observed, `AUTH PLAIN ${USER} *** → 504 5.5.4 mechanism not supported (AUTH PLAIN not listed after STARTTLS)`);
    }
    for (const ehloTls of [["AUTH LOGIN PLAIN"], ["AUTH PLAIN LOGIN CRAM-MD5"], ["SIZE 1000", "AUTH PLAIN"]]) {
      const { value } = await login({ ehloTls });
      assert.ok("reply" in value && value.authOffered, `${ehloTls.join(" ")}: ${JSON.stringify(value)}`);
    }
  });
});

describe("results: ids, targets and texts of every branch", () => {
  const reply = (code: number, text = "x") => ({ code, lines: [text] });

  test("open relay: each branch is security.open-relay; MAIL 4xx is not called temporary-at-RCPT", () => {
    const expected = `RCPT TO:<${RELAY_TO}> refused with 5xx`;
    const err = relayCheck("w", { step: "error", error: "ECONNREFUSED" });
    assert.deepEqual([err.id, err.target, err.expected], ["security.open-relay", "w", expected]);
    const mail = relayCheck("w", { step: "MAIL", reply: reply(451, "4.3.0 later") });
    assert.deepEqual([mail.id, mail.status, mail.observed, mail.expected], ["security.open-relay", "warn", "MAIL: 451 4.3.0 later", expected]);
    const mail3 = relayCheck("w", { step: "MAIL", reply: reply(354) });
    assert.deepEqual([mail3.status, mail3.observed], ["warn", "MAIL: 354 x"], "no RCPT was tried: can't tell, not an open relay");
    const rcpt4 = relayCheck("w", { step: "RCPT", reply: reply(450) });
    assert.deepEqual([rcpt4.id, rcpt4.status, rcpt4.observed], ["security.open-relay", "warn", "RCPT: 450 x (temporary: can't tell)"]);
  });

  test("login and wrong password that could not run: id, target and expected still say what was checked", () => {
    const l = loginCheck("[2001:db8::1]:587", USER, { error: "connect ECONNREFUSED" });
    assert.deepEqual([l.id, l.target, l.status, l.expected], ["security.login", `${USER} @ [2001:db8::1]:587`, "fail", "235 after AUTH PLAIN with the stack's password"]);
    assert.match(l.fix, /\/etc\/chasquid\/domains\/example\.test\/users$/);
    const w = wrongPasswordCheck("[2001:db8::1]:587", USER, { error: "connect ECONNREFUSED" });
    assert.deepEqual([w.id, w.target, w.status, w.observed], ["security.wrong-password", `${USER} @ [2001:db8::1]:587`, "warn", "unknown: connect ECONNREFUSED"]);
  });

  test("AUTH before TLS: a probe without EHLO facts passes", () => {
    const r = authBeforeTlsCheck({ host: HOST, address: IPV4, port: 587 });
    assert.deepEqual([r.status, r.observed], ["pass", "no AUTH before STARTTLS"]);
  });

  test("tryLogin with nothing listening on 587: an error result, not an exception", async () => {
    const o = fixtureOutputs();
    const net = fixtureContext(zoneOf(o), o, {}, []).net;
    assert.deepEqual(await tryLogin(HOST, "127.0.0.1", USER, PASSWORD, net), { error: "connect ECONNREFUSED" });
  });

  test("fail2ban: only verify.sh's own ok/FAIL line counts, not a quoted one in the journal tail", () => {
    const r = fail2banCheck(HOST, "ok   chasquid active\nok   fail2ban jail mailstack-chasquid active (ports 25, 465, 587; 0 banned now)")!;
    assert.deepEqual([r.expected, r.status], ["the jail mailstack-chasquid active", "pass"]);
    const quoted = [
      "ok   chasquid active and settled (pid 42)", "FAIL login refused for i@example.test", "--- journalctl -u chasquid (last 40 lines)",
      "Nov 29 12:00:01 mail mailstack-verify[42]: ok   fail2ban jail mailstack-chasquid active (ports 25, 465, 587; 0 banned now)",
    ].join("\n");
    assert.equal(fail2banCheck(HOST, quoted), undefined, "the stack does not run the jail: no result");
  });
});

describe("securityChecks wiring", () => {
  test("no users: the 587 checks that need no password still run, and no wrong-password attempt is made", async () => {
    const o = { ...fixtureOutputs(), smtp: [], smtpPasswords: {} };
    const probe: PortProbe = { host: HOST, address: IPV4, port: 587, extensionsPlain: ["STARTTLS"] };
    const rs = await securityChecks(fixtureContext(zoneOf(o), o, {}, []), [probe]);
    assert.deepEqual(rs.map((r) => `${r.id} ${r.target} ${r.status}`), [`security.auth-before-tls ${IPV4}:587 pass`]);
  });

  test("wrong password: a non-empty password that is not the stack's, so a server taking any password is caught", async () => {
    const s = await startScriptedServer({ cert, authAccepts: (_user, password) => password !== "" });
    try {
      const o = { ...fixtureOutputs(), records: fixtureOutputs().records.filter((r) => r.type !== "AAAA") };
      const ctx = fixtureContext(zoneOf(o), o, { 587: s.port }, [cert.cert]);
      const probe: PortProbe = { host: HOST, address: IPV4, port: 587, extensionsPlain: ["STARTTLS"] };
      const rs = await securityChecks(ctx, [probe]);
      assert.deepEqual(rs.map((r) => `${r.id} ${r.status}`), ["security.auth-before-tls pass", "security.login pass", "security.wrong-password fail"]);
      assert.equal(s.logins.length, 2);
      assert.deepEqual(s.logins[0], { user: USER, password: PASSWORD });
      const wrong = s.logins[1]!;
      assert.equal(wrong.user, USER);
      assert.notEqual(wrong.password, PASSWORD);
      assert.ok(wrong.password.length >= 12, wrong.password);
    } finally {
      await s.close();
    }
  });
});
