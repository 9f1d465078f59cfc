// Answers → the text of Pulumi.<stack>.yaml (pure), and the stack validator run over what it says,
// so init never writes a file that `pulumi up` would refuse. Secrets are not in it: init sets them
// with `pulumi config set --secret` afterwards, and they appear as `secure:` values.
import { stringify } from "yaml";
import { StackConfigError, validateStackConfig } from "../stacks/validate";
import { Answers } from "./answers";
import { DEFAULT_CLOUDFLARE_BASE_URL } from "./flags";
import { HostKey } from "./host-key";

export interface StackFileInput {
  answers: Answers;
  hostKey: HostKey;
  /** The Cloudflare zones found for the domain and for the host name. */
  domainZone: string;
  hostZone: string;
}

/** A secret init sets: its key, and whether it sits inside an object (`--path`). */
export interface SecretKey {
  key: string;
  path: boolean;
}

/** The secrets this stack gets, in the order init sets them. */
export function secretKeys(a: Answers): SecretKey[] {
  return [
    { key: "mailstack:sshPrivateKey", path: false },
    { key: "cloudflare:apiToken", path: false },
    ...(a.contabo ? [{ key: "mailstack:contabo.clientSecret", path: true }, { key: "mailstack:contabo.apiPassword", path: true }] : []),
  ];
}

/** The plain (non-secret) config: one host, one domain with its catch-all, the ACME account. */
export function stackConfig(i: StackFileInput): Record<string, unknown> {
  const a = i.answers;
  const host = {
    hostname: a.hostname, ipv4: a.ipv4, ...(a.ipv6 ? { ipv6: a.ipv6 } : {}),
    // The program defaults to the domain's zone when it holds the host name.
    ...(i.hostZone !== i.domainZone ? { zone: i.hostZone } : {}),
    ...(a.sshUser !== "root" ? { sshUser: a.sshUser } : {}),
    ...(a.sshPort !== 22 ? { sshPort: a.sshPort } : {}),
    sshHostKey: i.hostKey.key,
  };
  const domain = {
    name: a.domain, ...(i.domainZone !== a.domain ? { zone: i.domainZone } : {}),
    users: a.users, aliases: { "*": a.forwardTo },
  };
  const acme = {
    email: a.acmeEmail, ...(a.acmeDirectory ? { directory: a.acmeDirectory } : {}), ...(a.acmeCaBundle ? { caBundle: a.acmeCaBundle } : {}),
  };
  return {
    "mailstack:hosts": [host],
    "mailstack:domains": [domain],
    "mailstack:acme": acme,
    ...(a.contabo ? { "mailstack:contabo": { clientId: a.contabo.clientId, apiUser: a.contabo.apiUser } } : {}),
    ...(a.cloudflareBaseUrl !== DEFAULT_CLOUDFLARE_BASE_URL ? { "cloudflare:baseUrl": a.cloudflareBaseUrl } : {}),
  };
}

function header(i: StackFileInput): string[] {
  const a = i.answers;
  const stack = a.stack;
  return [
    `# mailstack stack ${stack}: written by \`npm run init\` (\`npm run init -- --help\` lists its flags).`,
    `# sshHostKey is the ed25519 key ssh-keyscan got from ${a.ipv4} port ${a.sshPort} when init ran, fingerprint`,
    `#   ${i.hostKey.fingerprint} (on the VPS's console: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub).`,
    "# Secrets are set with `pulumi config set --secret` and stored encrypted (the `secure:` values), never in clear:",
    `#   ${secretKeys(a).map((s) => s.key).join(", ")}.`,
    "# The README's \"Config reference\" lists every key.",
    `# Next: pulumi preview --stack ${stack}, then pulumi up --stack ${stack}.`,
  ];
}

/**
 * The file's text. `keep` carries top-level keys of an existing stack file that are not config
 * (`encryptionsalt`, `secretsprovider`, `encryptedkey`): without them the stack's secrets could
 * no longer be decrypted.
 */
export function renderStackFile(i: StackFileInput, keep: Record<string, unknown> = {}): string {
  const body = stringify({ config: stackConfig(i), ...keep }, { lineWidth: 0 });
  return `${header(i).join("\n")}\n${body}`;
}

/** What an existing stack file holds besides its config: the keys renderStackFile must keep. */
export function keptKeys(doc: unknown): Record<string, unknown> {
  if (doc === null || typeof doc !== "object") return {};
  return Object.fromEntries(Object.entries(doc).filter(([k]) => k !== "config"));
}

/** Config key prefix → what the person gave it as (longest prefix first). */
const SOURCE: [string, string][] = [
  ["mailstack:hosts[0].hostname", "--hostname"], ["mailstack:hosts[0].zone", "--hostname"], ["mailstack:hosts[0].ipv4", "--ipv4"],
  ["mailstack:hosts[0].ipv6", "--ipv6"], ["mailstack:hosts[0].sshUser", "--ssh-user"], ["mailstack:hosts[0].sshPort", "--ssh-port"],
  ["mailstack:hosts[0].sshHostKey", "the host key from ssh-keyscan"], ["mailstack:domains[0].name", "--domain"],
  ["mailstack:domains[0].zone", "--domain"], ["mailstack:domains[0].users", "--users"], ["mailstack:domains[0].aliases", "--forward-to"],
  ["mailstack:acme.email", "--acme-email"], ["mailstack:acme.directory", "--acme-directory"], ["mailstack:acme.caBundle", "--acme-ca-bundle"],
  ["mailstack:sshPrivateKey", "--ssh-key"], ["cloudflare:apiToken", "CLOUDFLARE_API_TOKEN"],
  ["mailstack:contabo.clientId", "--contabo-client-id"], ["mailstack:contabo.apiUser", "--contabo-api-user"],
  ["mailstack:contabo.clientSecret", "CONTABO_CLIENT_SECRET"], ["mailstack:contabo.apiPassword", "CONTABO_API_PASSWORD"],
];

function sourceOf(key: string): string {
  return SOURCE.filter(([prefix]) => key === prefix || key.startsWith(`${prefix}.`) || key.startsWith(`${prefix}[`))
    .sort((a, b) => b[0].length - a[0].length)[0]?.[1] ?? key;
}

/**
 * What stacks/validate.ts says about this config with these secrets, one line per problem naming
 * the flag it came from (empty: the stack would load). The map is what the Pulumi runtime passes
 * the program: strings as they are, objects and numbers as JSON.
 */
export function configProblems(config: Record<string, unknown>, secrets: { sshPrivateKey: string; cloudflareToken: string }): string[] {
  const raw: Record<string, string> = {
    "mailstack:sshPrivateKey": secrets.sshPrivateKey, "cloudflare:apiToken": secrets.cloudflareToken,
  };
  for (const [k, v] of Object.entries(config)) raw[k] = typeof v === "string" ? v : JSON.stringify(v);
  // Contabo's secrets are set with `--secret --path` after the file is written: checked as the
  // engine will hold them (present, and the key marked secret), never with their values.
  const contabo = config["mailstack:contabo"];
  if (contabo !== null && typeof contabo === "object" && Object.keys(contabo).length > 0) {
    raw["mailstack:contabo"] = JSON.stringify({ ...contabo, clientSecret: "(secret)", apiPassword: "(secret)" });
  }
  try {
    validateStackConfig(raw, { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["mailstack:sshPrivateKey", "cloudflare:apiToken", "mailstack:contabo"]) });
    return [];
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw e;
    // The validator's fixes are `pulumi config set` commands; for init the fix is the flag.
    return e.problems.map((p) => `${sourceOf(p.key)} (${p.key}): ${p.message}${/pulumi config/.test(p.fix) ? "" : `; ${p.fix}`}`);
  }
}
