// IP address helpers: canonical form (for comparisons) and reverse names (PTR, DNSBL).
import * as net from "node:net";

/** The 32 hex nibbles of an IPv6 address. */
export function expand6(ip: string): string {
  let addr = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (v4?.[1]) {
    const o = v4[1].split(".").map(Number);
    addr = addr.slice(0, -v4[1].length) + `${((o[0]! << 8) | o[1]!).toString(16)}:${((o[2]! << 8) | o[3]!).toString(16)}`;
  }
  const [head = "", tail] = addr.split("::");
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = addr.includes("::") ? [...h, ...Array(8 - h.length - t.length).fill("0"), ...t] : h;
  return groups.map((g) => g.padStart(4, "0")).join("");
}

/** One spelling per address, so `2001:DB8::1` equals `2001:db8:0::1`. */
export function canonicalIp(ip: string): string {
  if (net.isIPv6(ip)) return expand6(ip);
  return ip.trim();
}

export const sameIp = (a: string, b: string) => canonicalIp(a) === canonicalIp(b);

/** Reversed labels of an address: `4.3.2.1` for IPv4, 32 nibbles for IPv6 (no suffix). */
export function reversedLabels(ip: string): string {
  if (net.isIPv4(ip)) return ip.split(".").reverse().join(".");
  if (net.isIPv6(ip)) return expand6(ip).split("").reverse().join(".");
  throw new Error(`not an IP address: ${ip}`);
}

export function ptrName(ip: string): string {
  return `${reversedLabels(ip)}.${net.isIPv4(ip) ? "in-addr.arpa" : "ip6.arpa"}`;
}

export const family = (ip: string): 4 | 6 => (net.isIPv6(ip) ? 6 : 4);

/** Host names compare without case and trailing dot. */
export const sameName = (a: string, b: string) => a.replace(/\.$/, "").toLowerCase() === b.replace(/\.$/, "").toLowerCase();
