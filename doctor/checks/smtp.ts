// Check group 3: SMTP from outside. Ports 25/465/587 on every address, STARTTLS, the certificate
// (name, chain, expiry), no TLS below 1.2, banner and EHLO name = host name.
import * as tls from "node:tls";
import type { DoctorContext } from "../context";
import { family } from "../ip";
import { endpoint, LegacyTls, PortProbe, probeLegacyTls, probePort, SMTP_PORTS } from "../probe";
import type { TlsFacts } from "../smtp-client";
import { CheckResult, result, Status } from "../types";

export const EXPIRY_WARN_DAYS = 14;
export const EXPIRY_FAIL_DAYS = 3;
const DAY = 86_400_000;

export async function probeAll(ctx: DoctorContext): Promise<PortProbe[]> {
  const jobs = ctx.targets.hosts.flatMap((h) => [...h.ipv4, ...h.ipv6].flatMap((a) => SMTP_PORTS.map((port) => probePort(h.name, a, port, ctx.net))));
  return Promise.all(jobs);
}

/** The first reachable probe per host and port (IPv4 first): where per-service checks look. */
export function representative(probes: PortProbe[], host: string, port: number): PortProbe | undefined {
  return probes.find((p) => p.host === host && p.port === port && !p.error && family(p.address) === 4)
    ?? probes.find((p) => p.host === host && p.port === port && !p.error);
}

export function expiryVerdict(validTo: Date, now: Date): { status: Status; days: number } {
  const days = Math.floor((validTo.getTime() - now.getTime()) / DAY);
  const status = validTo.getTime() <= now.getTime() || days < EXPIRY_FAIL_DAYS ? "fail" : days < EXPIRY_WARN_DAYS ? "warn" : "pass";
  return { status, days };
}

const RENEW_FIX = (host: string) => `renew on the host: certbot renew --cert-name ${host} (its deploy hook copies the files to /etc/chasquid/certs/${host}/ and restarts chasquid); check systemctl status certbot.timer`;

/** Name, chain and expiry of the certificate a TLS handshake showed. */
export function certChecks(host: string, where: string, t: TlsFacts, now: Date): CheckResult[] {
  const cert = t.cert;
  if (!cert || !cert.valid_to) return [result("smtp.cert", where, "fail", "no certificate", `a certificate for ${host}`, `re-run pulumi up (certificate step) for ${host}`)];
  const names = cert.subjectaltname ?? `CN=${String(cert.subject?.CN ?? "?")}`;
  const nameError = tls.checkServerIdentity(host, cert);
  const chainOk = t.authorized || t.authorizationError === "ERR_TLS_CERT_ALTNAME_INVALID";
  const exp = expiryVerdict(new Date(cert.valid_to), now);
  return [
    result("smtp.cert-name", where, nameError ? "fail" : "pass", names, `covers ${host}`,
      `chasquid serves a certificate for other names: put one for ${host} in /etc/chasquid/certs/${host}/ (re-run pulumi up; certbot certonly -d ${host})`),
    result("smtp.cert-chain", where, chainOk ? "pass" : "fail", chainOk ? `verified (issuer ${String(cert.issuer?.CN ?? cert.issuer?.O ?? "?")})` : `not verified: ${t.authorizationError ?? "unknown error"}`,
      "chain to a trusted root (system roots + --ca)",
      t.authorizationError === "CERT_HAS_EXPIRED" ? RENEW_FIX(host)
        : `serve fullchain.pem (leaf + intermediates) from a public CA in /etc/chasquid/certs/${host}/; for a private CA pass it with --ca FILE`),
    result("smtp.cert-expiry", where, exp.status, `${cert.valid_to} (${exp.days} days)`, `≥ ${EXPIRY_WARN_DAYS} days left (fail < ${EXPIRY_FAIL_DAYS})`, RENEW_FIX(host)),
  ];
}

export function legacyTlsCheck(where: string, v: LegacyTls): CheckResult {
  const expected = "TLS 1.1 handshake refused (TLS 1.2+ only)";
  if (v.kind === "accepted") {
    // A warning, not a failure: TLS 1.0/1.1 are "phase out" (NCSC-NL, internet.nl), still better
    // than plain text between mail servers, and chasquid has no setting for the minimum.
    return result("smtp.tls-version", where, "warn", `TLS 1.1 accepted (${v.protocol})`, expected,
      "mailstack sets GODEBUG=tls10server=0 for chasquid, which Go 1.22+ builds honour (Debian 13); older builds (Debian 12's 1.11) cannot refuse TLS 1.0/1.1: move to Debian 13");
  }
  if (v.kind === "refused") return result("smtp.tls-version", where, "pass", `TLS 1.1 refused (${v.detail})`, expected);
  return result("smtp.tls-version", where, "warn", `unknown: ${v.detail}`, expected,
    "test from a machine whose TLS library can still offer TLS 1.1 (e.g. openssl s_client -tls1_1 -cipher DEFAULT@SECLEVEL=0)");
}

export function bannerCheck(p: PortProbe): CheckResult {
  const bannerName = /^220[ -](\S+)/.exec(p.banner ?? "")?.[1] ?? "";
  const ehloName = (p.ehloGreeting ?? "").trim().split(/\s+/)[0] ?? "";
  const ok = [bannerName, ehloName].every((n) => n.replace(/\.$/, "").toLowerCase() === p.host.toLowerCase());
  return result("smtp.banner", endpoint(p.address, p.port), ok ? "pass" : "fail", `banner ${bannerName || "?"}, EHLO ${ehloName || "?"}`, `${p.host} in both`,
    `set hostname: "${p.host}" in /etc/chasquid/chasquid.conf (pulumi up renders it) and restart chasquid`);
}

export function reachCheck(p: PortProbe): CheckResult {
  const fam = family(p.address) === 4 ? "IPv4" : "IPv6";
  return result("smtp.reach", endpoint(p.address, p.port), p.error ? "fail" : "pass", p.error ?? (p.banner ?? "connected"), `${p.port}/tcp answers SMTP over ${fam}`,
    `open ${p.port}/tcp over ${fam} in the provider firewall and on the host (nft/ufw), and check systemctl status chasquid${p.port === 25 ? "; if only this machine can't reach 25, your ISP blocks outbound 25: run the doctor elsewhere" : ""}`);
}

export function starttlsCheck(p: PortProbe): CheckResult {
  const where = endpoint(p.address, p.port);
  const fix = `chasquid offers STARTTLS once it has a certificate in /etc/chasquid/certs/${p.host}/: re-run pulumi up (certificate step)`;
  if (!p.starttls) return result("smtp.starttls", where, "fail", "STARTTLS not offered", "STARTTLS offered and the handshake works", fix);
  if (p.tls?.error) return result("smtp.starttls", where, "fail", p.tls.error, "STARTTLS offered and the handshake works", fix);
  return result("smtp.starttls", where, "pass", `STARTTLS → ${p.tls?.protocol ?? "?"}`, "STARTTLS offered and the handshake works");
}

export async function smtpChecks(ctx: DoctorContext, probes: PortProbe[]): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const p of probes) {
    out.push(reachCheck(p));
    if (!p.error && p.port !== 465) out.push(starttlsCheck(p));
  }
  for (const host of ctx.targets.hosts) {
    for (const port of SMTP_PORTS) {
      const p = representative(probes, host.name, port);
      if (!p) continue;
      const where = endpoint(p.address, port);
      out.push(bannerCheck(p));
      if (p.tls && !p.tls.error) out.push(...certChecks(host.name, where, p.tls, ctx.now));
      else if (port === 465) out.push(result("smtp.cert", where, "fail", p.tls?.error ?? "no TLS", `TLS with a certificate for ${host.name}`, `re-run pulumi up (certificate step) for ${host.name}`));
      if (port === 465 || p.starttls) out.push(legacyTlsCheck(where, await probeLegacyTls(host.name, p.address, port, ctx.net)));
    }
  }
  return out;
}
