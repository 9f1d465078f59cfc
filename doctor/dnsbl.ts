// Spamhaus ZEN (addresses) and DBL (domains): query names and what the answers mean.
// https://docs.spamhaus.com/datasets/docs/source/40-real-world-usage/PublicMirrors/MTAs/020-Postfix.html
import { reversedLabels } from "./ip";

export const ZEN = "zen.spamhaus.org";
export const DBL = "dbl.spamhaus.org";

export type DnsblVerdict =
  | { kind: "listed"; lists: string[] }
  | { kind: "unknown"; reason: string }
  | { kind: "clean" };

export const zenQuery = (ip: string) => `${reversedLabels(ip)}.${ZEN}`;
export const dblQuery = (domain: string) => `${domain.replace(/\.$/, "")}.${DBL}`;

/** Return codes that are not listings: the query was not answered (RFC 5782 §2.1 and Spamhaus). */
const ERROR_CODES: Record<string, string> = {
  "127.255.255.252": "typo in the query name (malformed)",
  "127.255.255.254": "query through a public/open resolver (refused by Spamhaus)",
  "127.255.255.255": "excessive queries (rate limited by Spamhaus)",
  "127.0.1.255": "IP queries are not allowed on the DBL",
};

const ZEN_CODES: Record<string, string> = {
  "127.0.0.2": "SBL", "127.0.0.3": "SBL CSS", "127.0.0.4": "XBL", "127.0.0.5": "XBL", "127.0.0.6": "XBL", "127.0.0.7": "XBL",
  "127.0.0.9": "SBL DROP", "127.0.0.10": "PBL (ISP)", "127.0.0.11": "PBL (Spamhaus)",
};

const DBL_CODES: Record<string, string> = {
  "127.0.1.2": "DBL spam domain", "127.0.1.4": "DBL phish domain", "127.0.1.5": "DBL malware domain",
  "127.0.1.6": "DBL botnet C&C domain", "127.0.1.102": "DBL abused legit spam", "127.0.1.103": "DBL abused spammed redirector",
  "127.0.1.104": "DBL abused legit phish", "127.0.1.105": "DBL abused legit malware", "127.0.1.106": "DBL abused legit botnet C&C",
};

/** The verdict of an A answer (`codes`) on ZEN or DBL; an empty answer means "not listed". */
export function dnsblVerdict(list: "zen" | "dbl", codes: string[]): DnsblVerdict {
  if (codes.length === 0) return { kind: "clean" };
  const errors = codes.filter((c) => c in ERROR_CODES || !c.startsWith("127."));
  if (errors.length > 0) {
    return { kind: "unknown", reason: errors.map((c) => `${c}: ${ERROR_CODES[c] ?? "not a DNSBL answer (a resolver rewrote NXDOMAIN?)"}`).join("; ") };
  }
  const names = list === "zen" ? ZEN_CODES : DBL_CODES;
  return { kind: "listed", lists: codes.map((c) => `${names[c] ?? "listed"} (${c})`) };
}
