// Check group 2: reverse DNS. PTR of every host address = the host name, and that name resolves
// back to the same address (forward-confirmed reverse DNS, what Gmail requires).
import type { DoctorContext } from "../context";
import { family, sameIp, sameName } from "../ip";
import { dnsCode, orEmpty } from "../resolver";
import { CheckResult, result, Status } from "../types";

export const RDNS_FIX_WHERE = "Contabo: customer panel → Reverse DNS management (https://my.contabo.com/rdns); other providers: their rDNS/PTR setting";

export interface FcrdnsFacts {
  ip: string;
  host: string;
  /** PTR names of ip (undefined: the lookup failed with `ptrError`). */
  ptr: string[];
  ptrError?: string;
  /** Addresses of `host` in ip's family. */
  forward: string[];
}

/** Pure verdict on the facts. */
export function fcrdnsVerdict(f: FcrdnsFacts): { status: Status; observed: string; fix: string } {
  const setPtr = `set the PTR of ${f.ip} to ${f.host}: ${RDNS_FIX_WHERE}`;
  if (f.ptrError) return { status: "fail", observed: `PTR lookup failed: ${f.ptrError}`, fix: setPtr };
  if (f.ptr.length === 0) return { status: "fail", observed: "no PTR", fix: setPtr };
  const names = f.ptr.map((n) => n.replace(/\.$/, ""));
  if (!names.some((n) => sameName(n, f.host))) return { status: "fail", observed: `PTR ${names.join(", ")}`, fix: setPtr };
  if (!f.forward.some((a) => sameIp(a, f.ip))) {
    return {
      status: "fail",
      observed: `PTR ${f.host}, but ${f.host} → ${f.forward.join(", ") || "(nothing)"}`,
      fix: `publish ${family(f.ip) === 4 ? "A" : "AAAA"} ${f.host} → ${f.ip} (pulumi up) so the PTR is forward-confirmed`,
    };
  }
  if (names.length > 1) return { status: "warn", observed: `PTR ${names.join(", ")} (several)`, fix: `keep only ${f.host} as the PTR of ${f.ip}: ${RDNS_FIX_WHERE}` };
  return { status: "pass", observed: `PTR ${f.host} → ${f.ip}`, fix: "" };
}

export async function rdnsChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const host of ctx.targets.hosts) {
    for (const ip of [...host.ipv4, ...host.ipv6]) {
      const facts: FcrdnsFacts = { ip, host: host.name, ptr: [], forward: [] };
      try {
        facts.ptr = await orEmpty(ctx.resolver.reverse(ip));
      } catch (e) {
        facts.ptrError = dnsCode(e);
      }
      try {
        facts.forward = await orEmpty(family(ip) === 4 ? ctx.resolver.resolve4(host.name) : ctx.resolver.resolve6(host.name));
      } catch {
        facts.forward = [];
      }
      const v = fcrdnsVerdict(facts);
      out.push(result("rdns.ptr", ip, v.status, v.observed, `PTR ${host.name}, and ${host.name} → ${ip}`, v.fix));
    }
  }
  return out;
}
