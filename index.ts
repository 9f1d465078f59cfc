// Entry point of the Pulumi program: stack config → validated config → components → outputs.
import { mailstack } from "./program";
import { loadStackConfig } from "./stacks/load";

const { config, sshPrivateKey, contaboSecrets } = loadStackConfig();
const stack = mailstack(config, { sshPrivateKey, contaboSecrets });

/** Every DNS record published in Cloudflare, as planned. */
export const records = stack.records;
/** What to type into Gmail's "Send mail as" (or any mail client), per sending address. */
export const smtp = stack.smtp;
/** Passwords per address (secret): `pulumi stack output smtpPasswords --show-secrets`. */
export const smtpPasswords = stack.smtpPasswords;
/** DKIM selector and record name per domain. */
export const dkim = Object.fromEntries(Object.entries(stack.dkim).map(([d, k]) => [d, { selector: k.selector, recordName: k.recordName }]));
/** Per domain with a DKIM rotation under way: phase, signing selector, and what the next `pulumi up` does. */
export const dkimRotation = stack.dkimRotation;
/** Per host: OS and chasquid found, the SSH host key pinned, its PTR, and the verification report of the last converge. */
export const hosts = Object.fromEntries(Object.entries(stack.hosts).map(([name, h]) =>
  [name, { facts: h.facts, hostKey: h.hostKey, reverseDns: h.reverseDns, verification: h.verification }]));
export const warnings = stack.warnings;
