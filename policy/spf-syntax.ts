// SPF (RFC 7208) syntax, shared by the policy pack (checkSpf: our records' rules) and the doctor
// (parseSpf: any record it meets in DNS). Pure, no dependency but node:net, so the pack stays
// self-contained.
import { isIPv4, isIPv6 } from "node:net";

/** RFC 7208 §4.6.4: more than 10 of these (include, a, mx, ptr, exists, redirect) is a permerror. */
export const MAX_SPF_LOOKUPS = 10;
export const LOOKUP_MECHANISMS = new Set(["include", "a", "mx", "ptr", "exists"]);

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9_%{}.+=-]+\.)*[A-Za-z0-9_%{}+=-]+\.?$/; // macros (%{…}) allowed
const CIDR4 = /^\/([0-9]|[12][0-9]|3[0-2])$/;
const CIDR6 = /^\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;

export interface SpfTerm {
  qualifier: "+" | "-" | "~" | "?";
  mechanism: string;
  /** The part after `:` (a domain or an address), without a prefix length. */
  value?: string;
}

export interface SpfRecord {
  terms: SpfTerm[];
  /** Every modifier, known or not (RFC 7208 says unknown ones are ignored). */
  modifiers: Record<string, string>;
  /** Syntax errors (a receiver would return permerror). */
  errors: string[];
}

export const isSpf = (txt: string) => /^v=spf1(\s|$)/i.test(txt.trim());

/** Parses one SPF record value, e.g. `v=spf1 ip4:203.0.113.25 include:_spf.google.com ~all`. */
export function parseSpf(text: string): SpfRecord {
  const errors: string[] = [];
  const terms: SpfTerm[] = [];
  const modifiers: Record<string, string> = {};
  const words = text.trim().split(/\s+/);
  if ((words[0] ?? "").toLowerCase() !== "v=spf1") return { terms, modifiers, errors: [`must start with "v=spf1", starts with "${words[0] ?? ""}"`] };
  for (const word of words.slice(1)) {
    const mod = /^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/.exec(word);
    if (mod) {
      const name = mod[1]!.toLowerCase();
      if (name === "redirect" || name === "exp") {
        if (name in modifiers) errors.push(`${name}= appears twice`);
        if (!DOMAIN.test(mod[2]!)) errors.push(`bad ${name} domain: "${word}" is not a domain`);
      }
      modifiers[name] = mod[2]!;
      continue;
    }
    const m = /^([+?~-]?)([A-Za-z0-9]+)(?::([^/]*))?(\/.*)?$/.exec(word);
    const mechanism = m?.[2]!.toLowerCase();
    if (!m || !mechanism) {
      errors.push(`unknown term: "${word}" is not an SPF term`);
      continue;
    }
    const [, qualifier, , value, cidr] = m;
    const fail = (why: string) => errors.push(`"${word}": ${why}`);
    switch (mechanism) {
      case "all":
        if (value !== undefined || cidr !== undefined) fail(`all takes no argument: ${word}`);
        break;
      case "include":
      case "exists":
        if (!value || !DOMAIN.test(value) || cidr !== undefined) fail(`${mechanism} needs a domain: ${word}`);
        break;
      case "a":
      case "mx":
        if (value !== undefined && !DOMAIN.test(value)) fail(`bad domain in ${word}`);
        if (cidr !== undefined && !/^(?=\/)(\/\d+)?(\/\/\d+)?$/.test(cidr)) fail("bad prefix length");
        break;
      case "ptr":
        if (value !== undefined && !DOMAIN.test(value)) fail(`bad domain in ${word}`);
        break;
      case "ip4":
        if (!value || !isIPv4(value)) fail("bad ip4: not an IPv4 address");
        else if (cidr !== undefined && !CIDR4.test(cidr)) fail("bad ip4: bad IPv4 prefix length");
        break;
      case "ip6":
        if (!value || !isIPv6(value)) fail("bad ip6: not an IPv6 address");
        else if (cidr !== undefined && !CIDR6.test(cidr)) fail("bad ip6: bad IPv6 prefix length");
        break;
      default:
        errors.push(`unknown term: "${word}" (unknown mechanism)`);
        continue;
    }
    terms.push({ qualifier: (qualifier || "+") as SpfTerm["qualifier"], mechanism, ...(value !== undefined ? { value } : {}) });
  }
  return { terms, modifiers, errors };
}

export interface SpfReport {
  problems: string[];
  lookups: number;
}

/**
 * Problems of an SPF value we publish: valid syntax, only redirect=/exp= modifiers, nothing after
 * `all`, ending in ~all or -all, at most 10 lookups in the record itself (redirect= counted even
 * beside `all`: the conservative reading).
 */
export function checkSpf(value: string): SpfReport {
  const spf = parseSpf(value);
  const problems = [...spf.errors];
  for (const [name, v] of Object.entries(spf.modifiers)) {
    if (name !== "redirect" && name !== "exp") problems.push(`unknown modifier "${name}=${v}" (only redirect= and exp=)`);
  }
  const rest = value.trim().split(/\s+/).slice(1);
  const allAt = rest.findIndex((w) => /^[+?~-]?all$/i.test(w));
  if (allAt >= 0 && allAt !== rest.length - 1) problems.push(`"${rest[allAt]}": terms after all are never evaluated`);
  const last = rest.at(-1)?.toLowerCase();
  if (last !== "~all" && last !== "-all") {
    problems.push(`must end with "~all" (soft fail) or "-all" (fail), ends with "${last ?? "v=spf1"}"`);
  }
  const lookups = spf.terms.filter((t) => LOOKUP_MECHANISMS.has(t.mechanism)).length + ("redirect" in spf.modifiers ? 1 : 0);
  if (lookups > MAX_SPF_LOOKUPS) problems.push(`${lookups} DNS lookups, at most ${MAX_SPF_LOOKUPS} are allowed (include/a/mx/ptr/exists/redirect each cost one)`);
  return { problems, lookups };
}
