// Check group 5: Spamhaus ZEN (host addresses) and DBL (domains and host names), through the
// resolver. Refused or rate-limited queries are "unknown" (warn), never "listed".
import type { DoctorContext } from "../context";
import { dblQuery, dnsblVerdict, zenQuery } from "../dnsbl";
import { dnsCode, NO_DATA, Resolver } from "../resolver";
import { CheckResult, result } from "../types";

export async function dnsblLookup(resolver: Resolver, list: "zen" | "dbl", query: string) {
  try {
    return dnsblVerdict(list, await resolver.resolve4(query));
  } catch (e) {
    const code = dnsCode(e);
    if (NO_DATA.has(code)) return dnsblVerdict(list, []);
    return { kind: "unknown" as const, reason: `DNS ${code} (the resolver did not answer for Spamhaus)` };
  }
}

const UNKNOWN_FIX = "ask Spamhaus through your own recursive resolver (not a public one: 8.8.8.8/1.1.1.1 are refused), e.g. --resolver 127.0.0.1 with unbound, or check https://check.spamhaus.org";

export async function reputationChecks(ctx: DoctorContext): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  for (const host of ctx.targets.hosts) {
    for (const ip of [...host.ipv4, ...host.ipv6]) {
      const v = await dnsblLookup(ctx.resolver, "zen", zenQuery(ip));
      out.push(v.kind === "clean" ? result("reputation.zen", ip, "pass", "not listed (NXDOMAIN)", "not listed")
        : v.kind === "unknown" ? result("reputation.zen", ip, "warn", `unknown: ${v.reason}`, "not listed", UNKNOWN_FIX)
        : result("reputation.zen", ip, "fail", `listed: ${v.lists.join(", ")}`, "not listed",
          `see https://check.spamhaus.org/ for ${ip} and follow its removal steps (PBL: self-service; SBL/XBL: fix the cause first), or ask the provider for a clean address`));
    }
  }
  const names = [...new Set([...ctx.targets.domains.map((d) => d.name), ...ctx.targets.hosts.map((h) => h.name)])];
  for (const name of names) {
    const v = await dnsblLookup(ctx.resolver, "dbl", dblQuery(name));
    out.push(v.kind === "clean" ? result("reputation.dbl", name, "pass", "not listed (NXDOMAIN)", "not listed")
      : v.kind === "unknown" ? result("reputation.dbl", name, "warn", `unknown: ${v.reason}`, "not listed", UNKNOWN_FIX)
      : result("reputation.dbl", name, "fail", `listed: ${v.lists.join(", ")}`, "not listed",
        `see https://check.spamhaus.org/ for ${name}; a listed domain needs its cause removed before a delisting request`));
  }
  return out;
}
