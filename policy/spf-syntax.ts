// SPF (RFC 7208) checks on one record value: known terms, a closing ~all/-all, at most 10 DNS lookups.
import { isIPv4, isIPv6 } from "node:net";

/** RFC 7208 §4.6.4: more than 10 of these (include, a, mx, ptr, exists, redirect) is a permerror. */
export const MAX_SPF_LOOKUPS = 10;
const LOOKUP_TERMS = new Set(["include", "a", "mx", "ptr", "exists", "redirect"]);

const DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9_%{}.+-]+\.)*[A-Za-z0-9_%{}+-]+\.?$/; // macros (%{…}) allowed
const CIDR4 = /^\/([0-9]|[12][0-9]|3[0-2])$/;
const CIDR6 = /^\/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;

export interface SpfReport {
  problems: string[];
  lookups: number;
}

/** Problems of an SPF value such as `v=spf1 ip4:203.0.113.25 include:_spf.google.com ~all`. */
export function checkSpf(value: string): SpfReport {
  const terms = value.trim().split(/\s+/);
  const problems: string[] = [];
  let lookups = 0;
  if (terms[0]?.toLowerCase() !== "v=spf1") problems.push(`must start with "v=spf1", starts with "${terms[0]}"`);
  const rest = terms.slice(1);
  rest.forEach((term, i) => {
    const modifier = /^([A-Za-z][A-Za-z0-9_.-]*)=(.*)$/.exec(term);
    if (modifier) {
      const name = modifier[1].toLowerCase();
      if (name !== "redirect" && name !== "exp") problems.push(`unknown modifier "${term}" (only redirect= and exp=)`);
      else if (!DOMAIN.test(modifier[2])) problems.push(`"${term}": not a domain`);
      if (name === "redirect") lookups++;
      return;
    }
    const m = /^([+?~-]?)([A-Za-z0-9]+)(?::([^/]*))?(\/.*)?$/.exec(term);
    const mechanism = m?.[2].toLowerCase();
    if (!m || !mechanism) {
      problems.push(`"${term}" is not an SPF term`);
      return;
    }
    const [, , , arg, cidr] = m;
    const fail = (why: string) => problems.push(`"${term}": ${why}`);
    switch (mechanism) {
      case "all":
        if (arg !== undefined || cidr !== undefined) fail("all takes no argument");
        if (i !== rest.length - 1) fail("terms after all are never evaluated");
        break;
      case "include":
      case "exists":
        if (!arg || !DOMAIN.test(arg) || cidr !== undefined) fail(`${mechanism} needs a domain`);
        break;
      case "a":
      case "mx":
        if (arg !== undefined && !DOMAIN.test(arg)) fail("not a domain");
        if (cidr !== undefined && !/^(?=\/)(\/\d+)?(\/\/\d+)?$/.test(cidr)) fail("bad prefix length");
        break;
      case "ptr":
        if (arg !== undefined && !DOMAIN.test(arg)) fail("not a domain");
        break;
      case "ip4":
        if (!arg || !isIPv4(arg)) fail("not an IPv4 address");
        if (cidr !== undefined && !CIDR4.test(cidr)) fail("bad IPv4 prefix length");
        break;
      case "ip6":
        if (!arg || !isIPv6(arg)) fail("not an IPv6 address");
        if (cidr !== undefined && !CIDR6.test(cidr)) fail("bad IPv6 prefix length");
        break;
      default:
        fail("unknown mechanism");
    }
    if (LOOKUP_TERMS.has(mechanism)) lookups++;
  });
  const last = rest.at(-1)?.toLowerCase();
  if (last !== "~all" && last !== "-all") {
    problems.push(`must end with "~all" (soft fail) or "-all" (fail), ends with "${last ?? "v=spf1"}"`);
  }
  if (lookups > MAX_SPF_LOOKUPS) problems.push(`${lookups} DNS lookups, at most ${MAX_SPF_LOOKUPS} are allowed (include/a/mx/ptr/exists/redirect each cost one)`);
  return { problems, lookups };
}
