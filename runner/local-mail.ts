// Mail clients for the local world: submission as a stack user (certificate verified against the
// world's ACME root, host name checked), and the receiver's verdict for a message.
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import type { InboxMessage } from "../world/inbox";
import { readWorld, World } from "../world/state";

/** pebble's issuing root: what a client needs to verify the vps's certificate. */
export const acmeRoot = (w: World = readWorld()) => readFileSync(w.acme.issuingRootPath, "utf8");

/** A submission transport for a user: 465 (implicit TLS) or 587 (STARTTLS required), certificate verified. */
export function submission(port: 465 | 587, user: string, password: string, options: { address?: string; pool?: boolean; servername?: string } = {}) {
  const w = readWorld();
  return nodemailer.createTransport({
    ...(options.pool ? { pool: true, maxConnections: 1, maxMessages: Infinity } : {}),
    host: options.address ?? w.hosts.vps.ipv4, port, secure: port === 465, requireTLS: port === 587,
    auth: { user, pass: password },
    tls: { ca: [acmeRoot(w)], servername: options.servername ?? w.vps.hostname, minVersion: "TLSv1.2" },
    connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000,
  });
}

/** One line a person can read: how the message arrived and what the receiver made of it. */
export function verdict(m: InboxMessage): string {
  const dkim = m.auth.dkim.map((d) => `${d.result} (d=${d.domain}, s=${d.selector})`).join(", ") || "none";
  const tls = m.tls.secure ? `yes (${m.tls.protocol})` : "NO";
  return `TLS ${tls} | from ${m.peer.family === "ipv6" ? "IPv6" : "IPv4"} ${m.peer.ip} | SPF ${m.auth.spf.result} | DKIM ${dkim} | DMARC ${m.auth.dmarc.result}`;
}
