// SPF (RFC 7208): the DNS-lookup count of a whole policy, followed recursively through include:
// and redirect= with a Resolver. The record syntax is policy/spf-syntax.ts (shared with the pack).
import { isSpf, LOOKUP_MECHANISMS, MAX_SPF_LOOKUPS, parseSpf, SpfRecord } from "../policy/spf-syntax";
import { dnsCode, orEmpty, Resolver } from "./resolver";

export { isSpf, parseSpf, SpfRecord, SpfTerm } from "../policy/spf-syntax";
export const SPF_LOOKUP_LIMIT = MAX_SPF_LOOKUPS;

/** The SPF records among a name's TXT records (each record's strings joined). */
export function spfRecordsOf(txt: string[][]): string[] {
  return txt.map((strings) => strings.join("")).filter(isSpf);
}

export interface SpfLookupCount {
  /** DNS-querying terms met, across includes and redirects (RFC 7208 §4.6.4). */
  count: number;
  /** Problems found on the way: loops, missing or duplicate included records, syntax, DNS errors. */
  errors: string[];
  /** Domains whose record was read, in order. */
  visited: string[];
}

/**
 * Counts the lookups of `domain`'s SPF policy (include, a, mx, ptr, exists, redirect; each counts
 * one) and follows include: and redirect= through the resolver. Stops descending past 3x the limit.
 */
export async function countSpfLookups(domain: string, resolver: Resolver): Promise<SpfLookupCount> {
  const out: SpfLookupCount = { count: 0, errors: [], visited: [] };
  const walk = async (name: string, path: string[]): Promise<void> => {
    if (path.includes(name.toLowerCase())) {
      out.errors.push(`loop: ${[...path, name.toLowerCase()].join(" → ")}`);
      return;
    }
    if (out.count > SPF_LOOKUP_LIMIT * 3) return;
    out.visited.push(name);
    let txt: string[][];
    try {
      txt = await orEmpty(resolver.resolveTxt(name));
    } catch (e) {
      out.errors.push(`${name}: DNS error ${dnsCode(e)}`);
      return;
    }
    const records = spfRecordsOf(txt);
    if (records.length !== 1) {
      out.errors.push(records.length === 0 ? `${name}: no SPF record` : `${name}: ${records.length} SPF records`);
      return;
    }
    const spf = parseSpf(records[0]!);
    out.errors.push(...spf.errors.map((e) => `${name}: ${e}`));
    const here = [...path, name.toLowerCase()];
    for (const t of spf.terms) {
      if (!LOOKUP_MECHANISMS.has(t.mechanism)) continue;
      out.count++;
      if (t.mechanism === "include" && t.value) {
        if (t.value.includes("%")) out.errors.push(`${name}: include with a macro (${t.value}) not followed`);
        else await walk(t.value, here);
      }
    }
    const redirect = spf.modifiers.redirect;
    if (redirect && !spf.terms.some((t) => t.mechanism === "all")) {
      out.count++;
      if (redirect.includes("%")) out.errors.push(`${name}: redirect with a macro (${redirect}) not followed`);
      else await walk(redirect, here);
    }
  };
  await walk(domain, []);
  return out;
}

/** The `all` term's qualifier, or the redirect target, of a parsed record. */
export function spfDefault(spf: SpfRecord): string {
  const all = spf.terms.find((t) => t.mechanism === "all");
  if (all) return `${all.qualifier === "+" ? "+" : all.qualifier}all`;
  if (spf.modifiers.redirect) return `redirect=${spf.modifiers.redirect}`;
  return "none (neutral)";
}
