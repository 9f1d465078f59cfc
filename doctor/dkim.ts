// DKIM key records (RFC 6376 §3.6.1): tags, and the public key `p=` compared between what is
// published and what the stack planned (both may come in 255-byte strings).
export interface DkimKeyRecord {
  tags: Record<string, string>;
  /** p= with the whitespace removed; "" is a revoked key; undefined when there is no p=. */
  p: string | undefined;
}

export function parseDkimKey(text: string): DkimKeyRecord {
  const tags: Record<string, string> = {};
  for (const part of text.split(";")) {
    const m = /^\s*([a-z]+)\s*=(.*)$/is.exec(part);
    if (m) tags[m[1]!.toLowerCase()] = m[2]!.trim();
  }
  return { tags, p: tags.p === undefined ? undefined : tags.p.replace(/\s+/g, "") };
}

/** Is a TXT record (its strings) a DKIM key record? v=DKIM1 first, or at least a p= tag. */
export function isDkimKey(text: string): boolean {
  return /^\s*v\s*=\s*DKIM1\s*(;|$)/i.test(text) || parseDkimKey(text).p !== undefined;
}

/** A short, comparable view of a key: its length and its last characters. */
export function keyLabel(p: string | undefined): string {
  if (p === undefined) return "no p=";
  if (p === "") return "p= empty (revoked)";
  return `p=…${p.slice(-12)} (${p.length} chars)`;
}
