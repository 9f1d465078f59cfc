// DMARC (RFC 7489): which TXT records are DMARC records, and their tags.
export const isDmarc = (txt: string) => /^v\s*=\s*DMARC1\s*(;|$)/i.test(txt.trim());

export interface DmarcRecord {
  tags: Record<string, string>;
  errors: string[];
}

const POLICIES = ["none", "quarantine", "reject"];

export function parseDmarc(text: string): DmarcRecord {
  const errors: string[] = [];
  const tags: Record<string, string> = {};
  const parts = text.split(";").map((p) => p.trim()).filter((p) => p !== "");
  parts.forEach((part, i) => {
    const m = /^([a-z]+)\s*=\s*(.*)$/i.exec(part);
    if (!m) {
      errors.push(`not a tag: ${part}`);
      return;
    }
    const key = m[1]!.toLowerCase();
    if (i === 0 && (key !== "v" || m[2] !== "DMARC1")) errors.push("must start with v=DMARC1");
    if (key in tags) errors.push(`${key}= appears twice`);
    tags[key] = m[2]!;
  });
  if (parts.length === 0) errors.push("empty");
  if (tags.p === undefined) errors.push("no p= tag");
  else if (!POLICIES.includes(tags.p.toLowerCase())) errors.push(`p=${tags.p} is not none, quarantine or reject`);
  if (tags.sp !== undefined && !POLICIES.includes(tags.sp.toLowerCase())) errors.push(`sp=${tags.sp} is not none, quarantine or reject`);
  for (const k of ["adkim", "aspf"]) if (tags[k] !== undefined && !/^[rs]$/i.test(tags[k]!)) errors.push(`${k}=${tags[k]} is not r or s`);
  if (tags.pct !== undefined && !(/^\d+$/.test(tags.pct) && Number(tags.pct) <= 100)) errors.push(`pct=${tags.pct} is not 0..100`);
  for (const k of ["rua", "ruf"]) {
    if (tags[k] === undefined) continue;
    for (const uri of tags[k]!.split(",")) if (!/^mailto:[^@\s]+@[^@\s]+$/i.test(uri.trim().replace(/!\d+[kmgt]?$/i, ""))) errors.push(`${k}: not a mailto: URI: ${uri.trim()}`);
  }
  return { tags, errors };
}
