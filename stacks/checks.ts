// Small syntax checks shared by the config validator (and by anything else that reads config-shaped data).
import { isIPv4, isIPv6 } from "node:net";

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** A lower-case DNS name with at least two labels, no trailing dot. */
export function isHostname(value: string): boolean {
  if (value.length > 253 || value !== value.toLowerCase()) return false;
  const labels = value.split(".");
  return labels.length >= 2 && labels.every((l) => LABEL.test(l)) && !/^[0-9]+$/.test(labels[labels.length - 1]);
}

/** A DNS name that may start with underscore labels (`_spf.google.com`). */
export function isDnsName(value: string): boolean {
  const labels = value.split(".");
  const rest = labels.slice(labels.findIndex((l) => !l.startsWith("_")));
  const underscored = labels.slice(0, labels.length - rest.length);
  return underscored.every((l) => /^_[a-z0-9-]{1,62}$/.test(l)) && isHostname(rest.join("."));
}

export { isIPv4, isIPv6 };

/**
 * A local part chasquid accepts as a user or alias key: lower case (chasquid normalises, and refuses
 * un-normalised user names), no spaces, `:` `,` `@` or `+` (our suffix separator).
 */
export function isLocalPart(value: string): boolean {
  return /^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$/.test(value) && !value.includes("..");
}

/** A plain address `local@domain` (no display name). */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at < 1) return false;
  const local = value.slice(0, at);
  return /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}$/.test(local) && !local.startsWith(".") && !local.endsWith(".")
    && isHostname(value.slice(at + 1).toLowerCase());
}

/** `ssh-ed25519 AAAA...` style public key line (optional comment allowed). */
export function isSshPublicKeyLine(value: string): boolean {
  return /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,2}( \S.*)?$/.test(value.trim());
}

export function isPrivateKeyPem(value: string): boolean {
  return /-----BEGIN (OPENSSH |RSA |EC |)PRIVATE KEY-----[\s\S]+-----END (OPENSSH |RSA |EC |)PRIVATE KEY-----/.test(value);
}

export function isCertificatePem(value: string): boolean {
  return /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(value);
}

/** True when `name` equals `zone` or sits below it. */
export function inZone(name: string, zone: string): boolean {
  return name === zone || name.endsWith("." + zone);
}
