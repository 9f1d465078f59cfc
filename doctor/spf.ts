// SPF (RFC 7208): record syntax, and the DNS-lookup count of a whole policy, followed recursively
// through include: and redirect= with a Resolver.
import * as net from "node:net";
import { dnsCode, orEmpty, Resolver } from "./resolver";

export const SPF_LOOKUP_LIMIT = 10;
const LOOKUP_MECHANISMS = new Set(["include", "a", "mx", "ptr", "exists"]);
const MECHANISMS = new Set(["all", "include", "a", "mx", "ptr", "ip4", "ip6", "exists"]);

export interface SpfTerm {
  qualifier: "+" | "-" | "~" | "?";
  mechanism: string;
  value?: string;
}

export interface SpfRecord {
  terms: SpfTerm[];
  modifiers: Record<string, string>;
  errors: string[];
}

export const isSpf = (txt: string) => /^v=spf1(\s|$)/i.test(txt.trim());

/** The SPF records among a name's TXT records (each record's strings joined). */
export function spfRecordsOf(txt: string[][]): string[] {
  return txt.map((strings) => strings.join("")).filter(isSpf);
}

function validCidr(value: string, v6: boolean): boolean {
  const [addr = "", len, extra] = value.split("/");
  if (extra !== undefined) return false;
  if (!(v6 ? net.isIPv6(addr) : net.isIPv4(addr))) return false;
  if (len === undefined) return true;
  const n = Number(len);
  return /^\d+$/.test(len) && n >= 0 && n <= (v6 ? 128 : 32);
}

const DOMAIN_SPEC = /^([a-z0-9_%{}.+=-]+\.)*[a-z0-9_%{}+=-]+\.?$/i;

export function parseSpf(text: string): SpfRecord {
  const errors: string[] = [];
  const terms: SpfTerm[] = [];
  const modifiers: Record<string, string> = {};
  const words = text.trim().split(/\s+/);
  if ((words[0] ?? "").toLowerCase() !== "v=spf1") return { terms, modifiers, errors: [`does not start with v=spf1: ${text}`] };
  for (const word of words.slice(1)) {
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(word);
    if (mod) {
      const name = mod[1]!.toLowerCase();
      if (name in modifiers && (name === "redirect" || name === "exp")) errors.push(`${name}= appears twice`);
      if ((name === "redirect" || name === "exp") && !DOMAIN_SPEC.test(mod[2]!)) errors.push(`bad ${name} domain: ${mod[2]}`);
      modifiers[name] = mod[2]!;
      continue;
    }
    const m = /^([+~?-]?)([a-z0-9]+)(?::(.*?))?(\/\/?\d+)*$/i.exec(word);
    const mechanism = m?.[2]?.toLowerCase();
    if (!m || !mechanism || !MECHANISMS.has(mechanism)) {
      errors.push(`unknown term: ${word}`);
      continue;
    }
    const qualifier = (m[1] || "+") as SpfTerm["qualifier"];
    const rest = word.slice(m[1]!.length + m[2]!.length);
    const value = rest.startsWith(":") ? rest.slice(1) : undefined;
    if (mechanism === "ip4" || mechanism === "ip6") {
      if (!value || !validCidr(value, mechanism === "ip6")) errors.push(`bad ${mechanism}: ${word}`);
    } else if (mechanism === "include" || mechanism === "exists") {
      if (!value || !DOMAIN_SPEC.test(value)) errors.push(`${mechanism} needs a domain: ${word}`);
    } else if (mechanism === "all") {
      if (rest) errors.push(`all takes no argument: ${word}`);
    } else if (value !== undefined && !DOMAIN_SPEC.test(value.replace(/\/\/?\d+$/, "").replace(/\/\d+$/, ""))) {
      errors.push(`bad domain in ${word}`);
    }
    terms.push({ qualifier, mechanism, ...(value !== undefined ? { value } : {}) });
  }
  return { terms, modifiers, errors };
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
