// A table-driven Resolver for tests and dry runs: `"TXT example.test": [["v=spf1 -all"]]`,
// `"SRV _submissions._tcp.example.test": [{ priority: 0, weight: 1, port: 465, name: "mail.example.test" }]`.
// A missing entry is NXDOMAIN; an entry that is an error code string (`"EREFUSED"`) throws it.
import { canonicalIp } from "./ip";
import { dnsError, MxRecord, Resolver, SrvRecord } from "./resolver";

export type FakeZone = Record<string, unknown[] | string>;

export function fakeResolver(input: FakeZone, log: string[] = []): Resolver {
  const zone: FakeZone = Object.fromEntries(Object.entries(input).map(([k, v]) => {
    const [type = "", name = ""] = k.split(" ");
    return [type === "PTR" ? `PTR ${canonicalIp(name)}` : `${type} ${name.toLowerCase()}`, v];
  }));
  const ask = async <T>(type: string, name: string): Promise<T[]> => {
    const key = `${type} ${type === "PTR" ? name : name.replace(/\.$/, "").toLowerCase()}`;
    log.push(key);
    const v = zone[key];
    if (typeof v === "string") throw dnsError(v, name);
    if (v === undefined || v.length === 0) {
      const exists = Object.keys(zone).some((k) => k.endsWith(` ${name.toLowerCase()}`));
      throw dnsError(exists ? "ENODATA" : "ENOTFOUND", name);
    }
    return v as T[];
  };
  return {
    resolve4: (n) => ask<string>("A", n),
    resolve6: (n) => ask<string>("AAAA", n),
    resolveMx: (n) => ask<MxRecord>("MX", n),
    resolveTxt: (n) => ask<string[]>("TXT", n),
    resolveCname: (n) => ask<string>("CNAME", n),
    resolveSrv: (n) => ask<SrvRecord>("SRV", n),
    reverse: (ip) => ask<string>("PTR", canonicalIp(ip)),
  };
}
