// Stack config → typed StackConfig, or one error that lists every problem (key, what is wrong, the fix).
// Runs before any resource is declared, so bad input never half-applies.
import { forwardingProblems } from "./forwarding";
import {
  inZone, isCertificatePem, isDnsName, isEmail, isHostname, isIPv4, isIPv6, isLocalPart, isPrivateKeyPem,
  isSshPublicKeyLine,
} from "./checks";
import {
  AcmeConfig, CONTABO_API_URL, CONTABO_AUTH_URL, ContaboConfig, DEFAULT_DKIM_SELECTOR, DEFAULT_DNS_TTL, DmarcConfig, DomainConfig,
  DEFAULT_FAIL2BAN, Fail2banConfig, HostConfig, LETSENCRYPT_PRODUCTION, ReverseDnsConfig, SpfConfig, StackConfig,
} from "./schema";

export const NAMESPACE = "mailstack";

/** Every key of the `mailstack:` namespace, documented in Pulumi.yaml and the README. */
export const KNOWN_KEYS = [
  "hosts", "domains", "acme", "sshPrivateKey", "dnsTtl", "monitoringPort", "allowKeyReplacement", "contabo", "reverseDns",
  "fail2ban", "submissionSrv",
] as const;
const REQUIRED_KEYS = ["hosts", "domains", "acme", "sshPrivateKey"] as const;

export interface Problem {
  key: string;
  message: string;
  fix: string;
}

export class StackConfigError extends Error {
  constructor(readonly problems: Problem[]) {
    super(
      `mailstack: the stack config has ${problems.length} problem${problems.length === 1 ? "" : "s"}; nothing was changed.\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}\n      fix: ${p.fix}`).join("\n"),
    );
    this.name = "StackConfigError";
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

class Reader {
  readonly problems: Problem[] = [];

  add(key: string, message: string, fix: string): void {
    this.problems.push({ key, message, fix });
  }

  /** The object at `key`, after reporting fields it does not know. */
  object(key: string, value: Json | undefined, known: readonly string[], example: string): Obj | undefined {
    if (value === undefined) return undefined;
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      this.add(key, `must be an object, got ${describe(value)}`, example);
      return undefined;
    }
    for (const field of Object.keys(value)) {
      if (!known.includes(field)) {
        this.add(`${key}.${field}`, "unknown key", `remove it, or use one of: ${known.join(", ")}`);
      }
    }
    return value;
  }

  list(key: string, value: Json | undefined, fix: string): Json[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.add(key, `must be a list, got ${describe(value)}`, fix);
      return undefined;
    }
    return value;
  }

  /**
   * A string. A whole number stands for its digits: `pulumi config set --path` and YAML store `1` or
   * `2026` as numbers, and a DMARC `fo` of 1 or a selector 2026 is meant as text.
   */
  string(key: string, value: Json | undefined, check: (s: string) => boolean, what: string, fix: string): string | undefined {
    if (value === undefined) return undefined;
    const text = typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? String(value) : value;
    if (typeof text !== "string" || !check(text)) {
      this.add(key, `${describe(value)} is not ${what}`, fix);
      return undefined;
    }
    return text;
  }

  boolean(key: string, value: Json | undefined, fallback: boolean, fix: string): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      this.add(key, `${describe(value)} is not true or false`, fix);
      return fallback;
    }
    return value;
  }

  integer(key: string, value: Json | undefined, min: number, max: number, fix: string): number | undefined {
    if (value === undefined) return undefined;
    const n = typeof value === "string" && /^[0-9]+$/.test(value) ? Number(value) : value;
    if (typeof n !== "number" || !Number.isInteger(n) || n < min || n > max) {
      this.add(key, `${describe(value)} is not a whole number from ${min} to ${max}`, fix);
      return undefined;
    }
    return n;
  }

  oneOf<T extends string>(key: string, value: Json | undefined, allowed: readonly T[], fix: string): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !(allowed as readonly string[]).includes(value)) {
      this.add(key, `${describe(value)} is not one of ${allowed.map((a) => `"${a}"`).join(", ")}`, fix);
      return undefined;
    }
    return value as T;
  }

  /** A list of strings, each checked; duplicates reported. */
  strings(key: string, value: Json | undefined, check: (s: string) => boolean, what: string, fix: string): string[] {
    const items = this.list(key, value, fix) ?? [];
    const out: string[] = [];
    items.forEach((item, i) => {
      const s = this.string(`${key}[${i}]`, item, check, what, fix);
      if (s === undefined) return;
      if (out.includes(s)) this.add(`${key}[${i}]`, `"${s}" is listed twice`, "list it once");
      else out.push(s);
    });
    return out;
  }
}

function describe(value: Json | undefined): string {
  if (value === undefined) return "nothing";
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function parseValue(raw: string): Json {
  try {
    return JSON.parse(raw) as Json;
  } catch {
    return raw;
  }
}

const HOST_KEYS = ["hostname", "zone", "ipv4", "ipv6", "sshUser", "sshPort", "sshHostKey", "firewall", "owner"];
const DOMAIN_KEYS = ["name", "zone", "users", "aliases", "spf", "dmarc", "dkimSelector", "ed25519Selector", "dkimRotation"];
const ROTATION_KEYS = ["nextSelector", "publishWait", "keepOld"];
const DEFAULT_KEEP_OLD_SECONDS = 7 * 86400;
const SPF_KEYS = ["include", "all"];
const DMARC_KEYS = ["policy", "fo", "rua", "ruf", "adkim", "aspf"];
const ACME_KEYS = ["email", "directory", "caBundle"];
const CONTABO_KEYS = ["clientId", "clientSecret", "apiUser", "apiPassword", "authUrl", "apiUrl"];
const REVERSE_DNS_KEYS = ["check", "resolver"];
const FAIL2BAN_KEYS = ["enabled", "maxRetry", "findTime", "banTime", "ignoreIps"];

const setPath = (path: string, example: string) => `pulumi config set --path '${NAMESPACE}:${path}' ${example}`;

/** RFC 5952 form (lower case, zeros compressed): what `ip` prints and what the scripts compare with. */
export const canonicalIPv6 = (ip: string) => new URL(`http://[${ip}]`).hostname.slice(1, -1);

function readHost(r: Reader, key: string, value: Json): Omit<HostConfig, "zone"> & { zone?: string } | undefined {
  const o = r.object(key, value, HOST_KEYS, `each host is { hostname, ipv4, ipv6?, sshUser?, sshPort?, sshHostKey?, firewall?, owner? }`);
  if (!o) return undefined;
  const hostname = r.string(`${key}.hostname`, o.hostname ?? "", isHostname, "a lower-case host name like mail.example.com",
    `set it to the PTR name of the VPS: ${setPath(`${key.slice(NAMESPACE.length + 1)}.hostname`, "mail.example.com")}`);
  const ipv4 = r.string(`${key}.ipv4`, o.ipv4 ?? "", isIPv4, "an IPv4 address",
    `set the VPS's public IPv4: ${setPath(`${key.slice(NAMESPACE.length + 1)}.ipv4`, "203.0.113.10")}`);
  const ipv6 = r.string(`${key}.ipv6`, o.ipv6, (s) => isIPv6(s) && !s.includes("%"), "an IPv6 address",
    "set the VPS's public IPv6 (Contabo shows it in the panel), or remove the key to publish no AAAA");
  const zone = r.string(`${key}.zone`, o.zone, isHostname, "a zone name like example.com", "set it to the Cloudflare zone that holds the host name");
  const sshUser = r.string(`${key}.sshUser`, o.sshUser ?? "root", (s) => /^[a-z_][a-z0-9_-]{0,31}$/.test(s), "a Unix user name",
    "use root, or a user with passwordless sudo");
  const sshPort = r.integer(`${key}.sshPort`, o.sshPort ?? 22, 1, 65535, "use the port sshd listens on (22 by default)");
  const sshHostKey = r.string(`${key}.sshHostKey`, o.sshHostKey, isSshPublicKeyLine, "a host key line like 'ssh-ed25519 AAAA...'",
    "copy it from `ssh-keyscan -t ed25519 <ip>` (drop the leading host name), after checking it against the provider's console");
  const firewall = r.boolean(`${key}.firewall`, o.firewall, true, "use true (default) or false");
  const owner = r.boolean(`${key}.owner`, o.owner, true,
    "use true (default: this stack sets the host up) or false (another stack owns the host; this one adds its domains)");
  if (hostname === undefined || ipv4 === undefined || sshUser === undefined || sshPort === undefined) return undefined;
  return {
    hostname, ipv4, ipv6: ipv6 === undefined ? undefined : canonicalIPv6(ipv6), zone, sshUser, sshPort, firewall, owner,
    sshHostKey: sshHostKey?.trim().split(/\s+/).slice(0, 2).join(" "),
  };
}

function readSpf(r: Reader, key: string, value: Json | undefined): SpfConfig {
  const o = r.object(key, value, SPF_KEYS, "spf is { include?: [domain...], all?: \"~all\" | \"-all\" }") ?? {};
  const include = r.strings(`${key}.include`, o.include, isDnsName, "a domain name", "list domains like _spf.google.com");
  const all = r.oneOf(`${key}.all`, o.all ?? "~all", ["~all", "-all"] as const,
    "use \"~all\" (soft fail) or \"-all\" (hard fail); never +all or ?all") ?? "~all";
  return { include, all };
}

function mailbox(s: string): string {
  return s.startsWith("mailto:") ? s.slice("mailto:".length) : s;
}

function readDmarc(r: Reader, key: string, value: Json | undefined): DmarcConfig {
  const o = r.object(key, value, DMARC_KEYS, "dmarc is { policy, fo?, rua?: [address], ruf?: [address], adkim?, aspf? }") ?? {};
  const policy = r.oneOf(`${key}.policy`, o.policy ?? "quarantine", ["none", "quarantine", "reject"] as const,
    "use none (monitor only), quarantine (spam folder) or reject") ?? "quarantine";
  const fo = r.string(`${key}.fo`, o.fo, (s) => /^[01ds](:[01ds])*$/.test(s), "a DMARC fo value (0, 1, d, s joined by ':')",
    "use 1 (report any failure), 0 (report when all fail), d or s");
  const report = (field: "rua" | "ruf") =>
    r.strings(`${key}.${field}`, o[field], (s) => isEmail(mailbox(s)), "an e-mail address", `list addresses like ${field}@example.com`)
      .map(mailbox);
  const adkim = r.oneOf(`${key}.adkim`, o.adkim, ["r", "s"] as const, "use r (relaxed) or s (strict)");
  const aspf = r.oneOf(`${key}.aspf`, o.aspf, ["r", "s"] as const, "use r (relaxed) or s (strict)");
  return { policy, fo, rua: report("rua"), ruf: report("ruf"), adkim, aspf };
}

function readAliases(r: Reader, key: string, value: Json | undefined, domain: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (value === undefined) return out;
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    r.add(key, `must be an object, got ${describe(value)}`, `aliases is { "<local part or *>": "<address>[, <address>...]" }`);
    return out;
  }
  for (const source of Object.keys(value).sort()) {
    const k = `${key}.${source}`;
    if (source !== "*" && !isLocalPart(source)) {
      r.add(k, `"${source}" is not a local part or "*"`, "use a lower-case local part (no @domain) or * for catch-all");
      continue;
    }
    const target = value[source];
    const raw = typeof target === "string" ? target.split(",") : Array.isArray(target) ? target : [];
    const targets = raw.map((t) => (typeof t === "string" ? t.trim() : "")).filter((t) => t !== "");
    if (targets.length === 0) {
      r.add(k, `${describe(target)} has no target address`, "give one or more addresses separated by commas");
      continue;
    }
    const bad = targets.filter((t) => !(isEmail(t) || isLocalPart(t)));
    if (bad.length > 0) {
      r.add(k, `${bad.map((b) => `"${b}"`).join(", ")} is not an address`, "use full addresses like someone@gmail.com");
      continue;
    }
    const self = targets.filter((t) => t === source || t === `${source}@${domain}`);
    if (self.length > 0) {
      r.add(k, "forwards to itself", "point it at another address");
      continue;
    }
    out[source] = targets;
  }
  return out;
}

const isSelector = (s: string) => /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(s);

function readDomain(r: Reader, key: string, value: Json): DomainConfig | undefined {
  const o = r.object(key, value, DOMAIN_KEYS, "each domain is { name, zone?, users, aliases?, spf?, dmarc?, dkimSelector? }");
  if (!o) return undefined;
  const name = r.string(`${key}.name`, o.name ?? "", isHostname, "a lower-case domain name", "set it to the domain you send from, e.g. example.com");
  // Without a usable name (already reported) and no zone of its own, there is no zone to check.
  const zone = r.string(`${key}.zone`, o.zone ?? name, isHostname, "a zone name", "set it to the Cloudflare zone that holds the domain");
  if (name !== undefined && zone !== undefined && !inZone(name, zone)) {
    r.add(`${key}.zone`, `"${name}" is not inside zone "${zone}"`, "set zone to the domain itself or one of its parents");
  }
  const users = r.strings(`${key}.users`, o.users ?? [], isLocalPart, "a local part (lower case, no @domain)",
    "list local parts like [\"i\", \"billing\"]");
  const aliases = readAliases(r, `${key}.aliases`, o.aliases, name ?? "");
  const spf = readSpf(r, `${key}.spf`, o.spf);
  const dmarc = readDmarc(r, `${key}.dmarc`, o.dmarc);
  const dkimSelector = r.string(`${key}.dkimSelector`, o.dkimSelector ?? DEFAULT_DKIM_SELECTOR, isSelector,
    "a DNS label", "use letters, digits and hyphens, e.g. mailstack or 2026a");
  const ed25519Selector = r.string(`${key}.ed25519Selector`, o.ed25519Selector, isSelector, "a DNS label", "use letters, digits and hyphens, e.g. mailstack-ed");
  if (ed25519Selector !== undefined && ed25519Selector === dkimSelector) {
    r.add(`${key}.ed25519Selector`, `"${ed25519Selector}" is also the RSA key's dkimSelector`, "give the Ed25519 key a selector of its own, e.g. mailstack-ed");
  }
  const rotation = r.object(`${key}.dkimRotation`, o.dkimRotation, ROTATION_KEYS, "dkimRotation is { nextSelector, publishWait?, keepOld? }");
  let dkimRotation: DomainConfig["dkimRotation"];
  if (rotation) {
    const rkey = `${key}.dkimRotation`;
    const nextSelector = r.string(`${rkey}.nextSelector`, rotation.nextSelector ?? "", isSelector, "a DNS label",
      "name the new key's selector, e.g. 2026b");
    if (nextSelector !== undefined && (nextSelector === dkimSelector || nextSelector === ed25519Selector)) {
      r.add(`${rkey}.nextSelector`, `"${nextSelector}" is already a selector of this domain`, "give the new key a selector never used before, e.g. 2026b");
    }
    // 0 stands for "dnsTtl", checked against it once the TTL is read.
    const publishWait = r.integer(`${rkey}.publishWait`, rotation.publishWait ?? 0, 0, 31_536_000, "give seconds, at least mailstack:dnsTtl");
    const keepOld = r.integer(`${rkey}.keepOld`, rotation.keepOld ?? DEFAULT_KEEP_OLD_SECONDS, 0, 31_536_000,
      "give seconds (7 days: 604800) for mail signed with the old key to be checked");
    if (nextSelector !== undefined && publishWait !== undefined && keepOld !== undefined) dkimRotation = { nextSelector, publishWait, keepOld };
  }
  if (users.length === 0 && Object.keys(aliases).length === 0) {
    r.add(`${key}.users`, "the domain has no users and no aliases", "add a user who sends, or aliases that forward mail");
  }
  if (name === undefined || zone === undefined || dkimSelector === undefined) return undefined;
  return { name, zone, users, aliases, spf, dmarc, dkimSelector, ...(ed25519Selector ? { ed25519Selector } : {}), ...(dkimRotation ? { dkimRotation } : {}) };
}

function readAcme(r: Reader, value: Json | undefined): AcmeConfig | undefined {
  const key = `${NAMESPACE}:acme`;
  const o = r.object(key, value, ACME_KEYS, "acme is { email, directory?, caBundle? }");
  if (!o) return undefined;
  const email = r.string(`${key}.email`, o.email ?? "", isEmail, "an e-mail address",
    `give the address that gets expiry notices: ${setPath("acme.email", "admin@example.com")}`);
  const directory = r.string(`${key}.directory`, o.directory ?? LETSENCRYPT_PRODUCTION, (s) => /^https:\/\/[^\s/]+(\/\S*)?$/.test(s),
    "an https URL", "use an RFC 8555 directory URL, e.g. https://acme-staging-v02.api.letsencrypt.org/directory");
  const caBundle = r.string(`${key}.caBundle`, o.caBundle, isCertificatePem, "a PEM certificate",
    "paste the PEM of the CA that signs the ACME server's HTTPS endpoint, or remove the key");
  if (email === undefined || directory === undefined) return undefined;
  return { email, directory, caBundle };
}

/**
 * An https URL, or http to a loopback or private address: the credentials it carries would cross
 * the internet in clear text otherwise (the local world's APIs are plain http on a private network).
 */
function isApiUrl(s: string): boolean {
  const m = /^(https?):\/\/([^\s/:]+)(:[0-9]+)?(\/\S*)?$/.exec(s);
  if (!m) return false;
  return m[1] === "https" || /^(127\.|10\.|192\.168\.|172\.(1[6-9]|2[0-9]|3[01])\.)/.test(m[2]) || m[2] === "localhost";
}

function readContabo(r: Reader, value: Json | undefined, secretKeys: string[]): ContaboConfig | undefined {
  const key = `${NAMESPACE}:contabo`;
  // {} is Pulumi.yaml's default: not set.
  if (value !== null && typeof value === "object" && !Array.isArray(value) && Object.keys(value).length === 0) return undefined;
  const o = r.object(key, value, CONTABO_KEYS, "contabo is { clientId, clientSecret, apiUser, apiPassword } from https://my.contabo.com/api/details");
  if (!o) return undefined;
  const clientId = r.string(`${key}.clientId`, o.clientId ?? "", (s) => /^\S+$/.test(s), "a client id",
    `copy "ClientId" from https://my.contabo.com/api/details: ${setPath("contabo.clientId", "INT-12345678")}`);
  const apiUser = r.string(`${key}.apiUser`, o.apiUser ?? "", isEmail, "an e-mail address",
    `copy "API User" (your account's e-mail) from https://my.contabo.com/api/details: ${setPath("contabo.apiUser", "you@example.com")}`);
  for (const [field, label] of [["clientSecret", "Client Secret"], ["apiPassword", "API Password"]] as const) {
    const fix = `pulumi config set --secret --path '${key}.${field}'   (paste the ${label} at the prompt)`;
    if (o[field] === undefined) r.add(`${key}.${field}`, "is missing", fix);
    else if (typeof o[field] !== "string" || o[field] === "") r.add(`${key}.${field}`, `must be text (the ${label})`, fix);
    // The engine marks a key secret when any part of it is; a plain-text password has no such mark.
    else if (!secretKeys.includes(key)) r.add(`${key}.${field}`, "is stored in plain text in the stack file", `remove it there, then: ${fix}`);
  }
  const url = (field: "authUrl" | "apiUrl", fallback: string) => r.string(`${key}.${field}`, o[field] ?? fallback, isApiUrl,
    "an https URL", `remove the key to use ${fallback}`);
  const authUrl = url("authUrl", CONTABO_AUTH_URL);
  const apiUrl = url("apiUrl", CONTABO_API_URL);
  if (clientId === undefined || apiUser === undefined || authUrl === undefined || apiUrl === undefined) return undefined;
  return { clientId, apiUser, authUrl, apiUrl: apiUrl.replace(/\/+$/, "") };
}

function readReverseDns(r: Reader, value: Json | undefined): ReverseDnsConfig {
  const key = `${NAMESPACE}:reverseDns`;
  const o = r.object(key, value, REVERSE_DNS_KEYS, "reverseDns is { check?: stop | warn, resolver?: <IP address> }") ?? {};
  const check = r.oneOf(`${key}.check`, o.check ?? "stop", ["stop", "warn"] as const,
    "use stop (default: no certificate until the PTR is right) or warn (go on, and say so)") ?? "stop";
  const resolver = r.string(`${key}.resolver`, o.resolver, (s) => isIPv4(s) || isIPv6(s), "an IP address",
    "give a resolver's address, e.g. 1.1.1.1, or remove the key to use this machine's");
  return { check, resolver };
}

/** An IPv4 or IPv6 address, or a network in CIDR form (`203.0.113.0/24`, `2001:db8::/48`). */
function isAddressOrNetwork(s: string): boolean {
  const [ip, prefix, extra] = s.split("/");
  if (extra !== undefined || ip === undefined) return false;
  const max = isIPv4(ip) ? 32 : isIPv6(ip) && !ip.includes("%") ? 128 : -1;
  return max > 0 && (prefix === undefined || (/^[0-9]{1,3}$/.test(prefix) && Number(prefix) <= max));
}

function readFail2ban(r: Reader, value: Json | undefined): Fail2banConfig {
  const key = `${NAMESPACE}:fail2ban`;
  const o = r.object(key, value, FAIL2BAN_KEYS, "fail2ban is { enabled?, maxRetry?, findTime?, banTime?, ignoreIps?: [address or network] }") ?? {};
  const d = DEFAULT_FAIL2BAN;
  const enabled = r.boolean(`${key}.enabled`, o.enabled, d.enabled,
    "use true (ban addresses that fail to log in) or false (default: no jail)");
  const maxRetry = r.integer(`${key}.maxRetry`, o.maxRetry ?? d.maxRetry, 1, 100,
    "use how many failed logins from one address ban it, e.g. 5 (default)") ?? d.maxRetry;
  const findTime = r.integer(`${key}.findTime`, o.findTime ?? d.findTime, 60, 604800,
    "use the window failures are counted in, in seconds: 60 to 604800 (a week); default 600") ?? d.findTime;
  const banTime = r.integer(`${key}.banTime`, o.banTime ?? d.banTime, 60, 2592000,
    "use how long a ban lasts, in seconds: 60 to 2592000 (30 days); default 3600") ?? d.banTime;
  const ignoreIps = r.strings(`${key}.ignoreIps`, o.ignoreIps, isAddressOrNetwork, "an IP address or network (CIDR)",
    "list addresses or networks never banned, e.g. [\"203.0.113.7\", \"2001:db8:7::/48\"]");
  return { enabled, maxRetry, findTime, banTime, ignoreIps };
}

/**
 * Validates the whole stack config map (keys like `mailstack:hosts`, values as the engine passes them:
 * strings, JSON for objects). `env` is consulted for CLOUDFLARE_API_TOKEN and for the keys the engine
 * holds as secrets (PULUMI_CONFIG_SECRET_KEYS, set by the Pulumi SDK).
 */
export function validateStackConfig(raw: Record<string, string>, env: Record<string, string | undefined> = {}): StackConfig {
  const r = new Reader();
  const values: Record<string, Json> = {};
  for (const [fullKey, rawValue] of Object.entries(raw)) {
    const [ns, key] = fullKey.split(":", 2);
    if (ns !== NAMESPACE) continue;
    if (!(KNOWN_KEYS as readonly string[]).includes(key)) {
      r.add(fullKey, "unknown key", `remove it (pulumi config rm ${fullKey}), or use one of: ${KNOWN_KEYS.map((k) => `${NAMESPACE}:${k}`).join(", ")}`);
      continue;
    }
    values[key] = parseValue(rawValue);
  }
  for (const key of REQUIRED_KEYS) {
    if (values[key] === undefined) r.add(`${NAMESPACE}:${key}`, "is missing", REQUIRED_FIX[key]);
  }
  if (raw["cloudflare:apiToken"] === undefined && !env.CLOUDFLARE_API_TOKEN) {
    r.add("cloudflare:apiToken", "is missing", "create a token with Zone.DNS edit on the zone, then: pulumi config set --secret cloudflare:apiToken <token>");
  }
  if (values.sshPrivateKey !== undefined && !(typeof values.sshPrivateKey === "string" && isPrivateKeyPem(values.sshPrivateKey))) {
    r.add(`${NAMESPACE}:sshPrivateKey`, "is not a PEM or OpenSSH private key", "pulumi config set --secret mailstack:sshPrivateKey < ~/.ssh/id_ed25519");
  }

  const dnsTtl = r.integer(`${NAMESPACE}:dnsTtl`, values.dnsTtl ?? DEFAULT_DNS_TTL, 60, 86400, "use 60..86400 seconds (Cloudflare's range)") ?? DEFAULT_DNS_TTL;
  const monitoringPort = r.integer(`${NAMESPACE}:monitoringPort`, values.monitoringPort ?? 0, 0, 65535, "use a free port from 1024 to 65535, or 0 for off");
  if (monitoringPort !== undefined && monitoringPort > 0 && monitoringPort < 1024) {
    r.add(`${NAMESPACE}:monitoringPort`, `${monitoringPort} is a privileged port chasquid cannot bind`, "use a free port from 1024 to 65535, or 0 for off");
  }
  const allowKeyReplacement = r.boolean(`${NAMESPACE}:allowKeyReplacement`, values.allowKeyReplacement, false,
    "use false (default: DKIM keys and passwords are protected) or true (only while replacing or removing them, see the README)");

  const domains = (r.list(`${NAMESPACE}:domains`, values.domains, "domains is a list of { name, users, ... }") ?? [])
    .map((d, i) => readDomain(r, `${NAMESPACE}:domains[${i}]`, d))
    .filter((d): d is DomainConfig => d !== undefined);
  if (Array.isArray(values.domains) && values.domains.length === 0) {
    r.add(`${NAMESPACE}:domains`, "is empty", "add at least one domain you send from");
  }
  const seenDomains = new Set<string>();
  domains.forEach((d, i) => {
    // Signing moves to the new key only once every resolver can have its record: after its TTL.
    if (d.dkimRotation) {
      if (d.dkimRotation.publishWait === 0) d.dkimRotation.publishWait = dnsTtl;
      else if (d.dkimRotation.publishWait < dnsTtl) {
        r.add(`${NAMESPACE}:domains[${i}].dkimRotation.publishWait`, `${d.dkimRotation.publishWait} s is shorter than the records' TTL (${dnsTtl} s): resolvers may not have the new key yet`,
          `use at least ${dnsTtl}, or remove the key to wait exactly the TTL`);
      }
    }
    if (seenDomains.has(d.name)) r.add(`${NAMESPACE}:domains[${i}].name`, `"${d.name}" is listed twice`, "list each domain once");
    seenDomains.add(d.name);
    // Our own mechanisms are ip4:/ip6: (no lookup); each include costs at least one. Nested lookups
    // inside the includes are only visible in live DNS: `mailstack doctor` counts those.
    const lookups = d.spf.include.length;
    if (lookups > 10) {
      r.add(`${NAMESPACE}:domains[${i}].spf.include`, `needs at least ${lookups} DNS lookups; receivers stop at 10 (RFC 7208 §4.6.4) and fail SPF`,
        "drop includes, or replace them with the ip4:/ip6: ranges they stand for");
    }
  });

  // Where each address forwards to, for domains that read cleanly: a domain already reported (a
  // refused alias, say) would only repeat its problem as a forwarding one.
  if (domains.length === (Array.isArray(values.domains) ? values.domains.length : -1)) {
    const reported = (key: string) => r.problems.some((p) => p.key === key || p.key.startsWith(`${key}.`));
    for (const p of forwardingProblems(domains)) {
      const domainKey = `${NAMESPACE}:${p.key.split(/\.(users|aliases)/)[0]}`;
      if (!reported(domainKey)) r.add(`${NAMESPACE}:${p.key}`, p.problem, p.fix);
    }
  }

  const zones = [...new Set(domains.map((d) => d.zone))].sort((a, b) => b.length - a.length);
  const hosts = (r.list(`${NAMESPACE}:hosts`, values.hosts, "hosts is a list of { hostname, ipv4, ... }") ?? [])
    .map((h, i) => {
      const key = `${NAMESPACE}:hosts[${i}]`;
      const host = readHost(r, key, h);
      if (!host) return undefined;
      // A stack that does not own the host publishes none of its records: no zone needed.
      const zone = host.zone ?? zones.find((z) => inZone(host.hostname, z)) ?? (host.owner ? undefined : host.hostname.slice(host.hostname.indexOf(".") + 1));
      if (zone === undefined) {
        r.add(`${key}.zone`, `no configured zone contains "${host.hostname}"`,
          `name the Cloudflare zone of the host: ${setPath(`hosts[${i}].zone`, "example.net")}`);
        return undefined;
      }
      if (!inZone(host.hostname, zone)) {
        r.add(`${key}.zone`, `"${host.hostname}" is not inside zone "${zone}"`, "set zone to a parent of the host name");
        return undefined;
      }
      return { ...host, zone } satisfies HostConfig;
    })
    .filter((h): h is HostConfig => h !== undefined);
  if (Array.isArray(values.hosts) && values.hosts.length === 0) {
    r.add(`${NAMESPACE}:hosts`, "is empty", "add the VPS: { hostname, ipv4, ipv6? }");
  }
  const seen = new Map<string, string>();
  hosts.forEach((h, i) => {
    for (const [field, v] of [["hostname", h.hostname], ["ipv4", h.ipv4], ["ipv6", h.ipv6]] as const) {
      if (v === undefined) continue;
      const id = `${field}=${v}`;
      if (seen.has(id)) r.add(`${NAMESPACE}:hosts[${i}].${field}`, `"${v}" is also used by ${seen.get(id)}`, "each host needs its own name and addresses");
      else seen.set(id, `${NAMESPACE}:hosts[${i}]`);
    }
    if (seenDomains.has(h.hostname)) {
      r.add(`${NAMESPACE}:hosts[${i}].hostname`, `"${h.hostname}" is also a mail domain`, "give the host its own name, e.g. mail.<domain>");
    }
  });

  const acme = readAcme(r, values.acme);
  const contabo = readContabo(r, values.contabo, secretKeysOf(env));
  const reverseDns = readReverseDns(r, values.reverseDns);
  const fail2ban = readFail2ban(r, values.fail2ban);
  // The jail is set up by the base step, which only the host's owner runs.
  if (fail2ban.enabled && hosts.length > 0 && hosts.every((h) => !h.owner)) {
    r.add(`${NAMESPACE}:fail2ban.enabled`, "this stack owns none of its hosts, and the jail is set up by the host's owner",
      "set mailstack:fail2ban in the stack that owns the host (owner: true), and remove it here");
  }
  const submissionSrv = r.boolean(`${NAMESPACE}:submissionSrv`, values.submissionSrv, false,
    "use true (publish _submissions._tcp and _submission._tcp SRV records per domain) or false (default)");
  if (r.problems.length > 0 || acme === undefined) throw new StackConfigError(r.problems);
  return {
    hosts, domains, acme, dnsTtl, monitoringPort: monitoringPort || undefined, allowKeyReplacement, contabo, reverseDns, fail2ban, submissionSrv,
  };
}

function secretKeysOf(env: Record<string, string | undefined>): string[] {
  try {
    const keys = JSON.parse(env.PULUMI_CONFIG_SECRET_KEYS ?? "[]") as unknown;
    return Array.isArray(keys) ? keys.map(String) : [];
  } catch {
    return [];
  }
}

const REQUIRED_FIX: Record<(typeof REQUIRED_KEYS)[number], string> = {
  hosts: `${setPath("hosts[0].hostname", "mail.example.com")} && ${setPath("hosts[0].ipv4", "203.0.113.10")}`,
  domains: `${setPath("domains[0].name", "example.com")} && ${setPath("domains[0].users[0]", "i")}`,
  acme: setPath("acme.email", "admin@example.com"),
  sshPrivateKey: "pulumi config set --secret mailstack:sshPrivateKey < ~/.ssh/id_ed25519",
};
