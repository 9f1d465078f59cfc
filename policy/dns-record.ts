// A Cloudflare DnsRecord as the rules see it: normalised name, type, and TXT strings.
import { isDmarc as isDmarcValue } from "./dmarc-syntax";
import { isSpf as isSpfValue } from "./spf-syntax";
import { known } from "./known";

export interface DnsRecordView {
  /** Lower case, no trailing dot. Cloudflare also accepts names relative to the zone ("@", "mail"); the rules assume FQDNs, as this program publishes. */
  name: string;
  type: string;
  /** undefined when unknown (preview). */
  content: string | undefined;
  proxied: boolean;
  /** SRV: the host `data.target` names (normalised as `name`); undefined otherwise or when unknown. */
  srvTarget?: string;
}

export const normaliseName = (name: string) => name.toLowerCase().replace(/\.$/, "");

export function dnsRecordView(props: Record<string, any>): DnsRecordView {
  const content = known(() => props.content);
  const type = String(known(() => props.type) ?? "").toUpperCase();
  const target = type === "SRV" ? known(() => props.data?.target) : undefined;
  return {
    name: normaliseName(String(known(() => props.name) ?? "")),
    type,
    content: typeof content === "string" ? content : undefined,
    proxied: known(() => props.proxied) === true,
    ...(typeof target === "string" ? { srvTarget: normaliseName(target.trim()) } : {}),
  };
}

/** The character strings of a TXT content: `"a" "b"` → [a, b]; unquoted content is one string. */
export function txtStrings(content: string): string[] {
  const quoted = [...content.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]);
  return quoted.length > 0 ? quoted : [content];
}

/** The TXT value as a resolver hands it to SPF/DMARC code: the strings concatenated. */
export const txtValue = (content: string) => txtStrings(content).join("");

export const isSpf = (r: DnsRecordView) => r.type === "TXT" && r.content !== undefined && isSpfValue(txtValue(r.content));
export const isDmarc = (r: DnsRecordView) => r.type === "TXT" && r.content !== undefined && isDmarcValue(txtValue(r.content));
