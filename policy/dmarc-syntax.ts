// DMARC (RFC 7489) checks on one `_dmarc` record value: v=DMARC1 first, then a valid p=.
export const DMARC_POLICIES = ["none", "quarantine", "reject"] as const;

export function dmarcTags(value: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const part of value.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) tags.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return tags;
}

export function checkDmarc(value: string): string[] {
  const problems: string[] = [];
  const parts = value.split(";").map((p) => p.trim()).filter(Boolean);
  if (parts[0] !== "v=DMARC1") problems.push(`must start with "v=DMARC1", starts with "${parts[0] ?? ""}"`);
  const policy = dmarcTags(value).get("p");
  if (policy === undefined) problems.push(`has no p= tag; add "p=quarantine" (or none/reject)`);
  else if (!(DMARC_POLICIES as readonly string[]).includes(policy)) problems.push(`p=${policy} is not one of ${DMARC_POLICIES.join("|")}`);
  else if (!/^p\s*=/i.test(parts[1] ?? "")) problems.push(`p= must directly follow v=DMARC1 (RFC 7489 §6.4)`);
  return problems;
}
