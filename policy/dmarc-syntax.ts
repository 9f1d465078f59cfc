// DMARC (RFC 7489) syntax, shared by the policy pack (checkDmarc: our records' rules) and the doctor
// (parseDmarc: any record it meets in DNS). Pure, so the pack stays self-contained.
export const DMARC_POLICIES = ["none", "quarantine", "reject"] as const;

export const isDmarc = (txt: string) => /^v\s*=\s*DMARC1\s*(;|$)/i.test(txt.trim());

export interface DmarcRecord {
  tags: Record<string, string>;
  errors: string[];
}

const isPolicy = (p: string) => (DMARC_POLICIES as readonly string[]).includes(p.toLowerCase());

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
    if (i === 0 && (key !== "v" || m[2] !== "DMARC1")) errors.push(`must start with "v=DMARC1", starts with "${part}"`);
    if (key in tags) errors.push(`${key}= appears twice`);
    tags[key] = m[2]!;
  });
  if (parts.length === 0) errors.push("empty");
  if (tags.p === undefined) errors.push(`has no p= tag; add "p=quarantine" (or none/reject)`);
  else if (!isPolicy(tags.p)) errors.push(`p=${tags.p} is not one of ${DMARC_POLICIES.join("|")}`);
  if (tags.sp !== undefined && !isPolicy(tags.sp)) errors.push(`sp=${tags.sp} is not one of ${DMARC_POLICIES.join("|")}`);
  for (const k of ["adkim", "aspf"]) if (tags[k] !== undefined && !/^[rs]$/i.test(tags[k]!)) errors.push(`${k}=${tags[k]} is not r or s`);
  if (tags.pct !== undefined && !(/^\d+$/.test(tags.pct) && Number(tags.pct) <= 100)) errors.push(`pct=${tags.pct} is not 0..100`);
  for (const k of ["rua", "ruf"]) {
    if (tags[k] === undefined) continue;
    for (const uri of tags[k]!.split(",")) if (!/^mailto:[^@\s]+@[^@\s]+$/i.test(uri.trim().replace(/!\d+[kmgt]?$/i, ""))) errors.push(`${k}: not a mailto: URI: ${uri.trim()}`);
  }
  return { tags, errors };
}

/** Problems of a DMARC value we publish: valid, and p= right after v=DMARC1 (RFC 7489 §6.4). */
export function checkDmarc(value: string): string[] {
  const { tags, errors } = parseDmarc(value);
  const second = value.split(";").map((p) => p.trim()).filter(Boolean)[1] ?? "";
  if (tags.p !== undefined && isPolicy(tags.p) && !/^p\s*=/i.test(second)) return [...errors, "p= must directly follow v=DMARC1 (RFC 7489 §6.4)"];
  return errors;
}
