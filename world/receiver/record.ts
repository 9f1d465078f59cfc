// The inbox record the receiver writes next to each raw message (.eml).
export interface InboxRecord {
  id: string;
  receivedAt: string;
  peer: { ip: string; family: "ipv4" | "ipv6" };
  helo: string;
  tls: { secure: boolean; protocol: string | null; cipher: string | null };
  envelope: { mailFrom: string; rcptTo: string[] };
  headers: { from: string | null; subject: string | null; messageId: string | null };
  auth: {
    spf: { result: string; domain: string | null };
    /** One per signature; `algorithm` as in its `a=` tag, e.g. rsa-sha256 or ed25519-sha256. */
    dkim: { result: string; domain: string | null; selector: string | null; algorithm: string | null }[];
    dmarc: { result: string; policy: string | null };
    header: string;
  };
}

/** "::ffff:10.78.0.1" (v4 on a dual-stack socket) → "10.78.0.1". */
export function normalizePeer(ip: string): { ip: string; family: "ipv4" | "ipv6" } {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (m?.[1]) return { ip: m[1], family: "ipv4" };
  return { ip, family: ip.includes(":") ? "ipv6" : "ipv4" };
}

/** Value of the first header `name` in a raw message's header block (unfolded). */
export function headerValue(raw: Buffer, name: string): string | null {
  const end = raw.indexOf("\r\n\r\n");
  const head = raw.subarray(0, end >= 0 ? end : Math.min(raw.length, 65536)).toString("utf8");
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const re = new RegExp(`^${name}:[ \\t]*(.*)$`, "im");
  return re.exec(unfolded)?.[1]?.trim() ?? null;
}

/** A whole (folded) header field from a header block, without its final line break. */
export function headerField(block: string, name: string): string {
  const lines = block.split(/\r?\n/);
  const i = lines.findIndex((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  if (i < 0) return "";
  let j = i + 1;
  while (j < lines.length && /^[ \t]/.test(lines[j] ?? "")) j++;
  return lines.slice(i, j).join("\r\n");
}
