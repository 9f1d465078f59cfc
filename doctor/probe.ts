// What one SMTP port of one address looks like from outside: banner, EHLO before and after TLS,
// STARTTLS, the certificate. Facts only; checks/ turns them into results.
import type * as tls from "node:tls";
import type { Connector } from "./connector";
import { SmtpSession, TlsFacts, replyText, tlsHandshake } from "./smtp-client";

export interface NetContext {
  connector: Connector;
  timeoutMs: number;
  /** Trusted roots: the system's plus --ca. */
  ca: string[];
  /** Our EHLO name (an .invalid name: we are a probe, not a mail server). */
  ehloName: string;
}

export const IMPLICIT_TLS_PORT = 465;
export const SMTP_PORTS = [25, 465, 587] as const;

export interface PortProbe {
  host: string;
  address: string;
  port: number;
  /** Connection or protocol failure (then the other fields may be missing). */
  error?: string;
  banner?: string;
  ehloGreeting?: string;
  /** EHLO extensions before TLS (25 and 587). */
  extensionsPlain?: string[];
  starttls?: boolean;
  tls?: TlsFacts & { error?: string };
  extensionsTls?: string[];
}

export function tlsOptions(host: string, ctx: NetContext): tls.ConnectionOptions {
  return { servername: host, ca: ctx.ca };
}

export const bracket = (address: string) => (address.includes(":") ? `[${address}]` : address);
export const endpoint = (address: string, port: number) => `${bracket(address)}:${port}`;

/** Connects and reads the banner; implicit TLS on 465. */
export async function openSession(host: string, address: string, port: number, ctx: NetContext, tlsOpts?: tls.ConnectionOptions) {
  const socket = await ctx.connector.connect(address, port, ctx.timeoutMs);
  if (port === IMPLICIT_TLS_PORT) {
    const secure = await tlsHandshake(socket, tlsOpts ?? tlsOptions(host, ctx), ctx.timeoutMs);
    const session = new SmtpSession(secure, ctx.timeoutMs);
    return { session, tls: tlsFactsOf(secure) };
  }
  return { session: new SmtpSession(socket, ctx.timeoutMs), tls: undefined };
}

function tlsFactsOf(s: tls.TLSSocket): TlsFacts {
  return {
    protocol: s.getProtocol(),
    authorized: s.authorized,
    ...(s.authorizationError ? { authorizationError: String(s.authorizationError) } : {}),
    cert: s.getPeerCertificate(),
  };
}

export async function probePort(host: string, address: string, port: number, ctx: NetContext): Promise<PortProbe> {
  const p: PortProbe = { host, address, port };
  let session: SmtpSession | undefined;
  try {
    const opened = await openSession(host, address, port, ctx);
    session = opened.session;
    if (opened.tls) p.tls = opened.tls;
    const banner = await session.read();
    p.banner = replyText(banner);
    if (banner.code !== 220) throw new Error(`banner is not 220: ${p.banner}`);
    const first = await session.ehlo(ctx.ehloName);
    p.ehloGreeting = first.greeting;
    if (port === IMPLICIT_TLS_PORT) {
      p.extensionsTls = first.extensions;
      return p;
    }
    p.extensionsPlain = first.extensions;
    p.starttls = first.extensions.some((e) => e.split(/\s+/)[0] === "STARTTLS");
    if (!p.starttls) return p;
    const go = await session.command("STARTTLS");
    if (go.code !== 220) {
      p.tls = { protocol: null, authorized: false, error: `STARTTLS refused: ${replyText(go)}` };
      return p;
    }
    try {
      p.tls = await session.startTls(tlsOptions(host, ctx));
    } catch (e) {
      p.tls = { protocol: null, authorized: false, error: `TLS handshake failed: ${(e as Error).message}` };
      return p;
    }
    p.extensionsTls = (await session.ehlo(ctx.ehloName)).extensions;
  } catch (e) {
    if (p.port === IMPLICIT_TLS_PORT && !p.tls && !p.error) p.tls = { protocol: null, authorized: false, error: (e as Error).message };
    p.error = (e as Error).message;
  } finally {
    session?.close();
  }
  return p;
}

export type LegacyTls = { kind: "accepted"; protocol: string } | { kind: "refused"; detail: string } | { kind: "unknown"; detail: string };

/** Errors that happen in our own TLS stack before anything is offered to the server. */
const LOCAL_TLS_ERRORS = /NO_PROTOCOLS_AVAILABLE|NO_CIPHERS_AVAILABLE|no protocols available|no ciphers available|ERR_TLS_INVALID_PROTOCOL_VERSION/i;

/** Offers only TLS 1.1 (with SECLEVEL=0 so OpenSSL 3 will offer it at all). */
export async function probeLegacyTls(host: string, address: string, port: number, ctx: NetContext): Promise<LegacyTls> {
  const legacy: tls.ConnectionOptions = { ...tlsOptions(host, ctx), minVersion: "TLSv1.1", maxVersion: "TLSv1.1", ciphers: "DEFAULT@SECLEVEL=0" };
  let session: SmtpSession | undefined;
  try {
    if (port === IMPLICIT_TLS_PORT) {
      const socket = await ctx.connector.connect(address, port, ctx.timeoutMs);
      return await handshakeVerdict(() => tlsHandshake(socket, legacy, ctx.timeoutMs));
    }
    session = new SmtpSession(await ctx.connector.connect(address, port, ctx.timeoutMs), ctx.timeoutMs);
    await session.read();
    const ehlo = await session.ehlo(ctx.ehloName);
    if (!ehlo.extensions.some((e) => e.startsWith("STARTTLS"))) return { kind: "unknown", detail: "no STARTTLS" };
    const go = await session.command("STARTTLS");
    if (go.code !== 220) return { kind: "unknown", detail: `STARTTLS refused: ${replyText(go)}` };
    const s = session;
    return await handshakeVerdict(() => s.startTls(legacy).then((f) => ({ getProtocol: () => f.protocol, destroy: () => undefined })));
  } catch (e) {
    return { kind: "unknown", detail: `could not get to the handshake: ${(e as Error).message}` };
  } finally {
    session?.close();
  }
}

async function handshakeVerdict(handshake: () => Promise<{ getProtocol(): string | null; destroy(): void }>): Promise<LegacyTls> {
  try {
    const s = await handshake();
    const protocol = s.getProtocol() ?? "unknown";
    s.destroy();
    return { kind: "accepted", protocol };
  } catch (e) {
    const err = e as Error & { code?: string };
    const detail = `${err.code ?? ""} ${err.message}`.trim();
    if (LOCAL_TLS_ERRORS.test(detail)) return { kind: "unknown", detail: `this machine's TLS library cannot offer TLS 1.1 (${detail})` };
    return { kind: "refused", detail: err.code ?? err.message };
  }
}
