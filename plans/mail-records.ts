// The values of the mail-authentication TXT records (SPF, DKIM, DMARC), as plain strings.
import { createPublicKey } from "node:crypto";
import type { DmarcConfig, SpfConfig } from "../stacks/schema";

export interface SenderAddresses {
  ipv4: string[];
  ipv6: string[];
}

/** `v=spf1 ip4:… ip6:… include:… ~all`: explicit addresses cost no DNS lookup (the seed's `a mx` cost two). */
export function spfValue(senders: SenderAddresses, spf: SpfConfig): string {
  return ["v=spf1", ...senders.ipv4.map((a) => `ip4:${a}`), ...senders.ipv6.map((a) => `ip6:${a}`),
    ...spf.include.map((d) => `include:${d}`), spf.all].join(" ");
}

export function dmarcValue(dmarc: DmarcConfig): string {
  const tags: string[] = ["v=DMARC1", `p=${dmarc.policy}`];
  if (dmarc.adkim) tags.push(`adkim=${dmarc.adkim}`);
  if (dmarc.aspf) tags.push(`aspf=${dmarc.aspf}`);
  if (dmarc.fo) tags.push(`fo=${dmarc.fo}`);
  if (dmarc.rua.length > 0) tags.push(`rua=${dmarc.rua.map((a) => `mailto:${a}`).join(",")}`);
  if (dmarc.ruf.length > 0) tags.push(`ruf=${dmarc.ruf.map((a) => `mailto:${a}`).join(",")}`);
  return tags.join("; ");
}

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it. */
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/** `v=DKIM1; k=ed25519; p=…` (RFC 8463): the raw 32-byte public key, not its SPKI. */
export function dkimEd25519Value(publicKeyPem: string): string {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`an Ed25519 DKIM key must be Ed25519, got ${key.asymmetricKeyType}`);
  const spki = key.export({ format: "der", type: "spki" });
  if (spki.length !== 44 || !spki.subarray(0, 12).equals(ED25519_SPKI_PREFIX)) throw new Error("unexpected Ed25519 SubjectPublicKeyInfo");
  return `v=DKIM1; k=ed25519; p=${spki.subarray(12).toString("base64")}`;
}

/** The base64 SubjectPublicKeyInfo of an RSA public key PEM: DKIM's `p=` for `k=rsa`. */
export function dkimPublicKeyBase64(publicKeyPem: string): string {
  const key = createPublicKey(publicKeyPem);
  if (key.asymmetricKeyType !== "rsa") throw new Error(`DKIM key must be RSA, got ${key.asymmetricKeyType}`);
  return key.export({ format: "der", type: "spki" }).toString("base64");
}

export function dkimValue(publicKeyPem: string): string {
  return `v=DKIM1; k=rsa; p=${dkimPublicKeyBase64(publicKeyPem)}`;
}
