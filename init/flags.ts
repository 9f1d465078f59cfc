// The flags of `mailstack init` (`npm run init -- --help`): one table gives the parser its names
// and the help text its lines, so a flag cannot exist without being listed.
import { parseArgs } from "../doctor/args";

export const DEFAULT_CLOUDFLARE_BASE_URL = "https://api.cloudflare.com/client/v4";

export interface FlagSpec {
  name: string;
  /** What the value looks like in the help; absent for switches (flags without a value). */
  value?: string;
  help: string;
}

/** Every flag, in the order the help lists them. */
export const FLAGS: readonly FlagSpec[] = [
  { name: "stack", value: "NAME", help: "the Pulumi stack to create or fill (default: prod); writes Pulumi.<NAME>.yaml" },
  { name: "domain", value: "DOMAIN", help: "the domain you send from, e.g. example.com" },
  { name: "hostname", value: "NAME", help: "the mail server's name = its PTR name (default: mail.<domain>)" },
  { name: "ipv4", value: "ADDRESS", help: "the VPS's public IPv4 address" },
  { name: "ipv6", value: "ADDRESS", help: "the VPS's public IPv6 address (optional: without it no AAAA is published)" },
  { name: "forward-to", value: "ADDRESS", help: "where mail to the domain is forwarded (the catch-all), e.g. you@gmail.com" },
  { name: "users", value: "A,B", help: "local parts that log in and send (default: the local part of --forward-to)" },
  { name: "acme-email", value: "ADDRESS", help: "the ACME account's address for expiry notices (default: <first user>@<domain>)" },
  { name: "acme-directory", value: "URL", help: "an RFC 8555 directory (default: Let's Encrypt production)" },
  { name: "acme-ca-bundle", value: "FILE", help: "PEM of a CA that signs the ACME directory's HTTPS (private ACME servers only)" },
  { name: "ssh-key", value: "FILE", help: "private key that logs in to the VPS; its content becomes the secret mailstack:sshPrivateKey" },
  { name: "ssh-user", value: "USER", help: "root, or a user with passwordless sudo (default: root)" },
  { name: "ssh-port", value: "PORT", help: "the port sshd listens on (default: 22)" },
  { name: "host-fingerprint", value: "SHA256:...", help: "the host key fingerprint you expect (from the provider's console): accepted without asking when it matches" },
  { name: "cloudflare-base-url", value: "URL", help: `the Cloudflare API (default: ${DEFAULT_CLOUDFLARE_BASE_URL}); another one is written as cloudflare:baseUrl` },
  { name: "contabo-client-id", value: "ID", help: "Contabo API client id (optional, with --contabo-api-user; secrets from CONTABO_CLIENT_SECRET and CONTABO_API_PASSWORD or prompts)" },
  { name: "contabo-api-user", value: "ADDRESS", help: "Contabo API user (optional, with --contabo-client-id)" },
  { name: "pulumi", value: "FILE", help: "the pulumi binary (default: pulumi on PATH)" },
  { name: "dir", value: "DIR", help: "the project folder, where Pulumi.yaml is (default: the current folder)" },
  { name: "yes", help: "accept the host key that ssh-keyscan shows without asking" },
  { name: "non-interactive", help: "never prompt: every missing value is an error (all of them listed at once)" },
  { name: "force", help: "overwrite an existing Pulumi.<stack>.yaml (its secrets provider is kept)" },
  { name: "help", help: "this text" },
];

export type Switch = "yes" | "non-interactive" | "force" | "help";

export interface ParsedFlags {
  /** Flags given with a value (the last one wins), trimmed. */
  values: Record<string, string>;
  switches: Set<Switch>;
}

export class UsageError extends Error {}

/** argv (after `init`) → values and switches; an unknown flag or a missing value is a UsageError. */
export function parseFlags(argv: string[]): ParsedFlags {
  const valued = FLAGS.filter((f) => f.value !== undefined).map((f) => f.name);
  const switches = FLAGS.filter((f) => f.value === undefined).map((f) => f.name);
  let parsed;
  try {
    parsed = parseArgs(argv, valued, switches);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const values: Record<string, string> = {};
  const on = new Set<Switch>();
  for (const [name, v] of Object.entries(parsed.flags)) {
    if (v === true) on.add(name as Switch);
    else values[name] = v.trim();
  }
  return { values, switches: on };
}

/** The `--help` text: what init does, every flag, and the environment it reads. */
export function helpText(): string {
  const left = (f: FlagSpec) => `--${f.name}${f.value ? ` ${f.value}` : ""}`;
  const width = Math.max(...FLAGS.map((f) => left(f).length)) + 2;
  const line = (l: string, help: string) => `  ${l.padEnd(width)}${help}`;
  return [
    "usage: npm run init -- [flags]",
    "",
    "Writes Pulumi.<stack>.yaml for a new mail server and sets its secrets: asks for what the flags",
    "do not give (unless --non-interactive), checks the Cloudflare token and finds the zone, shows",
    "the VPS's SSH host key to confirm, then prints the next command (pulumi preview, pulumi up).",
    "",
    "flags:",
    ...FLAGS.map((f) => line(left(f), f.help)),
    "",
    "secrets, from the environment or else hidden prompts (never flags: any user of the machine can read a command line):",
    line("CLOUDFLARE_API_TOKEN", "a token with Zone.DNS edit on the zone"),
    line("CONTABO_CLIENT_SECRET", "with --contabo-client-id"),
    line("CONTABO_API_PASSWORD", "with --contabo-client-id"),
    line("PULUMI_CONFIG_PASSPHRASE", "the stack's passphrase on a self-managed backend (or PULUMI_CONFIG_PASSPHRASE_FILE)"),
    "",
  ].join("\n");
}
