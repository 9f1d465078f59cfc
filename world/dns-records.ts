// Pure translation between Cloudflare-style records and knot's zone-file syntax (no I/O).
import * as net from "node:net";
import { REV4_ZONE, REV6_ZONE } from "./config";

/** A record as Cloudflare's API shapes it. Names are FQDNs without the trailing dot. */
export interface DnsRecord {
  zone: string;
  name: string;
  type: string;
  content: string;
  ttl: number;
  priority?: number;
}

const TARGET_TYPES = new Set(["CNAME", "NS", "PTR"]);
export const SUPPORTED_TYPES = ["A", "AAAA", "CNAME", "MX", "TXT", "NS", "PTR", "SRV", "CAA"];

const strip = (s: string) => s.replace(/\.$/, "").toLowerCase();
const dot = (s: string) => `${strip(s)}.`;

/** Owner name for knotc (absolute, trailing dot); the name must lie in the zone. */
export function ownerOf(zone: string, name: string): string {
  const z = strip(zone);
  const n = strip(name);
  if (n !== z && !n.endsWith(`.${z}`)) throw new Error(`record name ${name} is not in zone ${zone}`);
  return `${n}.`;
}

const QUOTED_SEQ = /^\s*("(?:[^"\\]|\\.)*"\s*)+$/;
/** Whether TXT content is written as quoted character-strings ("a" "b"). */
export const isQuotedTxt = (content: string) => QUOTED_SEQ.test(content);

/**
 * TXT content: already-quoted strings ("a" "b") are kept as several strings; anything else is
 * one logical string, cut into 255-byte character-strings as DNS requires.
 */
export function txtRdata(content: string): string {
  if (QUOTED_SEQ.test(content)) return content.trim();
  return txtQuote(Buffer.from(content, "utf8"));
}

/**
 * Bytes as zone-file TXT strings, cut into 255-byte character-strings as DNS requires
 * ("" for no bytes). Escapes what zone-file syntax would misread; non-ASCII as \DDD.
 */
export function txtQuote(bytes: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255).toString("latin1");
    parts.push(
      `"${chunk.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, (c) => `\\${String(c.charCodeAt(0)).padStart(3, "0")}`)}"`,
    );
    if (bytes.length === 0) break;
  }
  return parts.join(" ");
}

/** The rdata text knotc gets for a record. */
export function rdataOf(r: DnsRecord): string {
  const type = r.type.toUpperCase();
  switch (type) {
    case "A":
      if (!net.isIPv4(r.content)) throw new Error(`A content must be an IPv4 address: ${r.content}`);
      return r.content;
    case "AAAA":
      if (!net.isIPv6(r.content)) throw new Error(`AAAA content must be an IPv6 address: ${r.content}`);
      return r.content;
    case "MX":
      if (r.priority === undefined) throw new Error("MX needs a priority");
      return `${r.priority} ${dot(r.content)}`;
    case "SRV": {
      // Cloudflare: content "weight port target", priority separate.
      if (r.priority === undefined) throw new Error("SRV needs a priority");
      const [w, p, t] = r.content.trim().split(/\s+/);
      if (t === undefined) throw new Error(`SRV content must be "weight port target": ${r.content}`);
      return `${r.priority} ${w} ${p} ${dot(t)}`;
    }
    case "TXT":
      return txtRdata(r.content);
    case "CAA":
      return r.content;
    default:
      if (TARGET_TYPES.has(type)) return dot(r.content);
      throw new Error(`unsupported record type ${r.type}`);
  }
}

/** Cloudflare's ttl 1 means "automatic". */
export const ttlOf = (ttl: number) => (ttl === 1 || !ttl ? 300 : ttl);

export function setArgs(r: DnsRecord): string[] {
  return ["zone-set", strip(r.zone), ownerOf(r.zone, r.name), String(ttlOf(r.ttl)), r.type.toUpperCase(), rdataOf(r)];
}

export function unsetArgs(r: DnsRecord): string[] {
  return ["zone-unset", strip(r.zone), ownerOf(r.zone, r.name), r.type.toUpperCase(), rdataOf(r)];
}

/** One line of `knotc zone-read` ("[zone.] owner. ttl TYPE rdata") as a record, or null. */
export function parseZoneLine(line: string): DnsRecord | null {
  const m = /^\[([^\]]+)\]\s+(\S+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line.trim());
  if (!m) return null;
  const [, zone, owner, ttl, type, rdata] = m as unknown as [string, string, string, string, string, string];
  const rec: DnsRecord = { zone: strip(zone), name: strip(owner), type, content: rdata.trim(), ttl: Number(ttl) };
  if (type === "MX" || type === "SRV") {
    const [prio, ...rest] = rec.content.split(/\s+/);
    rec.priority = Number(prio);
    rec.content = type === "MX" ? strip(rest.join(" ")) : rest.map((x, i) => (i === 2 ? strip(x) : x)).join(" ");
  } else if (TARGET_TYPES.has(type)) {
    rec.content = strip(rec.content);
  }
  return rec;
}

/** Strings of a TXT rdata as printed by knot ("a" "b" → ["a","b"]). */
export function txtStrings(rdata: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"/g;
  for (let m = re.exec(rdata); m; m = re.exec(rdata)) {
    out.push((m[1] ?? "").replace(/\\(\d{3}|.)/g, (_, e: string) => (e.length === 3 ? String.fromCharCode(Number(e)) : e)));
  }
  return out;
}

function expand6(ip: string): string {
  const [head = "", tail = ""] = ip.split("::");
  const h = head ? head.split(":") : [];
  const t = ip.includes("::") ? (tail ? tail.split(":") : []) : [];
  const groups = ip.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.map((g) => g.padStart(4, "0")).join("");
}

/** The PTR owner name of an address (no trailing dot). */
export function reverseName(ip: string): string {
  if (net.isIPv4(ip)) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  if (net.isIPv6(ip)) return `${expand6(ip.toLowerCase()).split("").reverse().join(".")}.ip6.arpa`;
  throw new Error(`not an IP address: ${ip}`);
}

/** The world reverse zone holding an address's PTR. */
export function reverseZone(ip: string): string {
  const name = reverseName(ip);
  for (const z of [REV4_ZONE, REV6_ZONE]) if (name.endsWith(`.${z}`)) return z;
  throw new Error(`${ip} is not in the world's networks (10.78.0.0/24, 2001:db8:78::/64)`);
}

/** A whole zone file (used to seed knot at `up`). */
export function zoneFile(zone: string, records: Omit<DnsRecord, "zone">[]): string {
  const lines = [`$ORIGIN ${dot(zone)}`];
  for (const r of records) {
    lines.push(`${ownerOf(zone, r.name)} ${ttlOf(r.ttl)} ${r.type.toUpperCase()} ${r.type === "SOA" ? r.content : rdataOf({ ...r, zone })}`);
  }
  return `${lines.join("\n")}\n`;
}
