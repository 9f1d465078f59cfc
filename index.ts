// Entry point of the Pulumi program: stack config → validated config → components → outputs.
import { mailstack } from "./program";
import { loadStackConfig } from "./stacks/load";

const { config } = loadStackConfig();
const stack = mailstack(config);

/** Every DNS record published in Cloudflare, as planned. */
export const records = stack.records;
/** What to type into Gmail's "Send mail as" (or any mail client), per sending address. */
export const smtp = stack.smtp;
/** Passwords per address (secret): `pulumi stack output smtpPasswords --show-secrets`. */
export const smtpPasswords = stack.smtpPasswords;
/** DKIM selector and record name per domain. */
export const dkim = Object.fromEntries(Object.entries(stack.dkim).map(([d, k]) => [d, { selector: k.selector, recordName: k.recordName }]));
export const warnings = stack.warnings;
