// Every DNS question the doctor asks goes through this interface: the system resolver, a chosen
// server (--resolver, the world DNS for --stack local) or a fake table in tests.
import { Resolver as NodeResolver } from "node:dns/promises";

export interface MxRecord {
  exchange: string;
  priority: number;
}

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  /** The target host name. */
  name: string;
}

export interface Resolver {
  resolve4(name: string): Promise<string[]>;
  resolve6(name: string): Promise<string[]>;
  resolveMx(name: string): Promise<MxRecord[]>;
  /** One entry per TXT record, each the list of its character strings. */
  resolveTxt(name: string): Promise<string[][]>;
  resolveCname(name: string): Promise<string[]>;
  resolveSrv(name: string): Promise<SrvRecord[]>;
  /** PTR names of an address. */
  reverse(ip: string): Promise<string[]>;
}

/** node:dns error codes that mean "the name or the type has no data" (NXDOMAIN / NODATA). */
export const NO_DATA = new Set(["ENOTFOUND", "ENODATA"]);

export function dnsCode(e: unknown): string {
  return (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e));
}

/** `[]` for NXDOMAIN/NODATA; other errors (REFUSED, SERVFAIL, timeout) propagate. */
export async function orEmpty<T>(p: Promise<T[]>): Promise<T[]> {
  try {
    return await p;
  } catch (e) {
    if (NO_DATA.has(dnsCode(e))) return [];
    throw e;
  }
}

export function dnsError(code: string, name: string): Error {
  return Object.assign(new Error(`${code} ${name}`), { code, hostname: name });
}

/** The system resolver, or the given servers (IP or IP:port). */
export function nodeResolver(servers?: string[]): Resolver {
  const r = new NodeResolver({ timeout: 3000, tries: 2 });
  if (servers && servers.length > 0) r.setServers(servers);
  return {
    resolve4: (n) => r.resolve4(n),
    resolve6: (n) => r.resolve6(n),
    resolveMx: (n) => r.resolveMx(n),
    resolveTxt: (n) => r.resolveTxt(n),
    resolveCname: (n) => r.resolveCname(n),
    resolveSrv: (n) => r.resolveSrv(n),
    reverse: (ip) => r.reverse(ip),
  };
}

/** mailauth's resolver shape, `(name, rrtype) => records`, on top of a Resolver. */
export function mailauthResolver(r: Resolver): (name: string, type: string) => Promise<string[] | string[][]> {
  return async (name, type) => {
    switch (type.toUpperCase()) {
      case "A": return r.resolve4(name);
      case "AAAA": return r.resolve6(name);
      case "TXT": return r.resolveTxt(name);
      case "MX": return (await r.resolveMx(name)) as unknown as string[];
      case "CNAME": return r.resolveCname(name);
      case "PTR": {
        const m = /^(.*)\.(in-addr|ip6)\.arpa\.?$/i.exec(name);
        if (!m?.[1]) throw dnsError("ENOTFOUND", name);
        return r.reverse(fromPtrName(m[1], m[2]!.toLowerCase() === "ip6"));
      }
      default: throw dnsError("ENOTIMP", name);
    }
  };
}

function fromPtrName(labels: string, v6: boolean): string {
  const parts = labels.split(".").reverse();
  if (!v6) return parts.join(".");
  const hex = parts.join("");
  return hex.match(/.{4}/g)!.join(":");
}
