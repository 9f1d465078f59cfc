// Check group 4: not an open relay, no AUTH before TLS on 587, each user can log in with the
// stack's password and a wrong password is refused; fail2ban's jail as the last verification saw it.
// Passwords never reach a log or a result.
import { randomBytes } from "node:crypto";
import type { DoctorContext } from "../context";
import { endpoint, NetContext, PortProbe, tlsOptions } from "../probe";
import { Reply, replyText, SmtpSession } from "../smtp-client";
import { CheckResult, result } from "../types";
import { representative } from "./smtp";

/** Envelope addresses for the relay test: reserved .invalid names, never a real mailbox. */
export const RELAY_FROM = "doctor@relay-test-sender.invalid";
export const RELAY_TO = "doctor@relay-test-recipient.invalid";

async function session(host: string, address: string, port: number, net: NetContext): Promise<SmtpSession> {
  const s = new SmtpSession(await net.connector.connect(address, port, net.timeoutMs), net.timeoutMs);
  try {
    const banner = await s.read();
    if (banner.code !== 220) throw new Error(`banner: ${replyText(banner)}`);
    const ehlo = await s.ehlo(net.ehloName);
    if (ehlo.extensions.some((e) => e.startsWith("STARTTLS"))) {
      const go = await s.command("STARTTLS");
      if (go.code !== 220) throw new Error(`STARTTLS: ${replyText(go)}`);
      await s.startTls(tlsOptions(host, net));
      await s.ehlo(net.ehloName);
    }
    return s;
  } catch (e) {
    s.close();
    throw e;
  }
}

export type RelayOutcome = { step: "MAIL" | "RCPT"; reply: Reply } | { step: "error"; error: string };

/** MAIL FROM an outside address, RCPT TO another outside address; never DATA. */
export async function tryRelay(host: string, address: string, net: NetContext): Promise<RelayOutcome> {
  let s: SmtpSession | undefined;
  try {
    s = await session(host, address, 25, net);
    const mail = await s.command(`MAIL FROM:<${RELAY_FROM}>`);
    if (mail.code >= 300) return { step: "MAIL", reply: mail };
    const rcpt = await s.command(`RCPT TO:<${RELAY_TO}>`);
    await s.command("RSET").catch(() => undefined);
    return { step: "RCPT", reply: rcpt };
  } catch (e) {
    return { step: "error", error: (e as Error).message };
  } finally {
    s?.close();
  }
}

export function relayCheck(where: string, o: RelayOutcome): CheckResult {
  const expected = `RCPT TO:<${RELAY_TO}> refused with 5xx`;
  const fix = "the server relays for strangers: only authenticated users may send to other domains (chasquid never relays; check what answers on port 25)";
  if (o.step === "error") return result("security.open-relay", where, "warn", `unknown: ${o.error}`, expected, "port 25 must answer for this test; see smtp.reach");
  const text = `${o.step}: ${replyText(o.reply)}`;
  if (o.step === "MAIL") return result("security.open-relay", where, o.reply.code >= 500 ? "pass" : "warn", text, expected, fix);
  if (o.reply.code >= 500) return result("security.open-relay", where, "pass", text, expected);
  if (o.reply.code >= 400) return result("security.open-relay", where, "warn", `${text} (temporary: can't tell)`, expected, fix);
  return result("security.open-relay", where, "fail", text, expected, fix);
}

export function authBeforeTlsCheck(p: PortProbe): CheckResult {
  const auth = (p.extensionsPlain ?? []).find((e) => e.startsWith("AUTH"));
  return result("security.auth-before-tls", endpoint(p.address, p.port), auth ? "fail" : "pass",
    auth ? `EHLO before STARTTLS lists ${auth}` : "no AUTH before STARTTLS", "AUTH only after STARTTLS",
    "the server offers passwords in clear text: require TLS before AUTH (chasquid does by default; check what answers on 587)");
}

const authPlain = (user: string, password: string) => Buffer.from(`\0${user}\0${password}`, "utf8").toString("base64");

export type LoginOutcome = { reply: Reply; authOffered: boolean } | { error: string };

/** 587 + STARTTLS + AUTH PLAIN. The password goes only into the socket. */
export async function tryLogin(host: string, address: string, user: string, password: string, net: NetContext): Promise<LoginOutcome> {
  let s: SmtpSession | undefined;
  try {
    s = new SmtpSession(await net.connector.connect(address, 587, net.timeoutMs), net.timeoutMs);
    await s.read();
    const plain = await s.ehlo(net.ehloName);
    if (!plain.extensions.some((e) => e.startsWith("STARTTLS"))) return { error: "no STARTTLS on 587 (refusing to send a password in clear text)" };
    const go = await s.command("STARTTLS");
    if (go.code !== 220) return { error: `STARTTLS: ${replyText(go)}` };
    const tls = await s.startTls(tlsOptions(host, net));
    // The stack's real password goes only to a server whose certificate verifies for the host name.
    if (!tls.authorized) {
      return { error: `the certificate on 587 does not verify (${tls.authorizationError ?? "unknown reason"}): the password was not sent (see smtp.cert-chain)` };
    }
    const ehlo = await s.ehlo(net.ehloName);
    const authOffered = ehlo.extensions.some((e) => /^AUTH\b.*\bPLAIN\b/.test(e));
    const reply = await s.command(`AUTH PLAIN ${authPlain(user, password)}`);
    return { reply, authOffered };
  } catch (e) {
    return { error: (e as Error).message };
  } finally {
    s?.close();
  }
}

export function loginCheck(where: string, user: string, o: LoginOutcome): CheckResult {
  const fix = `the stack's password for ${user} does not work: re-run pulumi up (it writes chasquid's users file), then check /etc/chasquid/domains/${user.split("@")[1]}/users`;
  if ("error" in o) return result("security.login", `${user} @ ${where}`, "fail", o.error, "235 after AUTH PLAIN with the stack's password", fix);
  return result("security.login", `${user} @ ${where}`, o.reply.code === 235 ? "pass" : "fail",
    `AUTH PLAIN ${user} *** → ${replyText(o.reply)}${o.authOffered ? "" : " (AUTH PLAIN not listed after STARTTLS)"}`, "235 after AUTH PLAIN with the stack's password", fix);
}

export function wrongPasswordCheck(where: string, user: string, o: LoginOutcome): CheckResult {
  const expected = "5xx for a wrong password";
  if ("error" in o) return result("security.wrong-password", `${user} @ ${where}`, "warn", `unknown: ${o.error}`, expected, "see security.login");
  const status = o.reply.code >= 500 ? "pass" : o.reply.code === 235 ? "fail" : "warn";
  return result("security.wrong-password", `${user} @ ${where}`, status, `AUTH PLAIN ${user} *** (wrong) → ${replyText(o.reply)}`, expected,
    "the server accepts any password: check chasquid's users file and authentication setup at once");
}

/**
 * fail2ban's jail, as the host's last verification saw it: the doctor cannot see a jail from outside
 * (a probe that tried would get itself banned), so it reads verify.sh's line from the stack outputs.
 * No line: the stack does not run the jail (mailstack:fail2ban off, or a host another stack owns).
 */
export function fail2banCheck(host: string, verification: string | undefined): CheckResult | undefined {
  const line = verification?.split("\n").find((l) => /^(ok|FAIL)\s.*fail2ban jail/.test(l));
  if (!line) return undefined;
  const ok = line.startsWith("ok");
  return result("security.fail2ban", host, ok ? "pass" : "fail", `${line.replace(/^(ok|FAIL)\s+/, "")} (last pulumi up's verification)`,
    "the jail mailstack-chasquid active", "on the host: systemctl status fail2ban; fail2ban-client status mailstack-chasquid; journalctl -u fail2ban; then pulumi up");
}

export async function securityChecks(ctx: DoctorContext, probes: PortProbe[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const host of ctx.targets.hosts) {
    const jail = fail2banCheck(host.name, host.verification);
    if (jail) out.push(jail);
    const p25 = representative(probes, host.name, 25);
    if (p25) out.push(relayCheck(endpoint(p25.address, 25), await tryRelay(host.name, p25.address, ctx.net)));
    const p587 = representative(probes, host.name, 587);
    if (!p587) continue;
    out.push(authBeforeTlsCheck(p587));
    const where = endpoint(p587.address, 587);
    for (const u of ctx.targets.users) {
      out.push(loginCheck(where, u.address, await tryLogin(host.name, p587.address, u.address, u.password, ctx.net)));
    }
    const first = ctx.targets.users[0];
    if (first) {
      const wrong = `wrong-${randomBytes(9).toString("base64url")}`;
      out.push(wrongPasswordCheck(where, first.address, await tryLogin(host.name, p587.address, first.address, wrong, ctx.net)));
    }
  }
  return out;
}
