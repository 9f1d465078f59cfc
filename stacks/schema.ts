// The typed stack config: what `stacks/validate.ts` returns once every key has been checked.
// Defaults are already applied here, so nothing downstream has to know them.

/** One VPS that runs chasquid. Every host serves every domain (one MX per host). */
export interface HostConfig {
  /** PTR name = chasquid `hostname` = certificate name = MX target, e.g. `mail.user.tax`. */
  hostname: string;
  /** Cloudflare zone that holds the host's A/AAAA records. Default: the longest domain zone that is a suffix of `hostname` (unused when `owner` is false). */
  zone: string;
  ipv4: string;
  ipv6?: string;
  /** @default "root" */
  sshUser: string;
  /** @default 22 */
  sshPort: number;
  /** authorized_keys-style host key line (`ssh-ed25519 AAAA...`); pinned when set. */
  sshHostKey?: string;
  /** Install mailstack's nftables firewall (SSH, 25, 80, 465, 587 open; the rest of input dropped). @default true */
  firewall: boolean;
  /**
   * This stack owns the host: its packages, certificate, chasquid config, firewall and its A, AAAA
   * and HELO SPF records. `false`: another stack owns it, and this one only adds its own domains
   * (users, aliases, DKIM keys, records) to it. Exactly one stack per host is its owner.
   * @default true
   */
  owner: boolean;
}

export type SpfAll = "~all" | "-all";
export type DmarcPolicy = "none" | "quarantine" | "reject";
export type DmarcAlignment = "r" | "s";

export interface SpfConfig {
  /** Extra `include:` domains, e.g. `_spf.google.com` when Gmail also sends as this domain. */
  include: string[];
  /** @default "~all" */
  all: SpfAll;
}

export interface DmarcConfig {
  /** @default "quarantine" */
  policy: DmarcPolicy;
  /** Failure reporting options, e.g. `1` or `d:s`. */
  fo?: string;
  /** Aggregate report addresses (without `mailto:`). */
  rua: string[];
  /** Forensic report addresses (without `mailto:`). */
  ruf: string[];
  adkim?: DmarcAlignment;
  aspf?: DmarcAlignment;
}

export interface DomainConfig {
  name: string;
  /** Cloudflare zone name. @default the domain itself */
  zone: string;
  /** Local parts that may log in and send (unique, in config order: the first is "the first user"). */
  users: string[];
  /** Local part or `*` → list of target addresses (sorted by key). */
  aliases: Record<string, string[]>;
  spf: SpfConfig;
  dmarc: DmarcConfig;
  /** DKIM selector. @default "mailstack" */
  dkimSelector: string;
  /**
   * Selector of a second, Ed25519 signature (RFC 8463) next to the RSA one, on chasquid 1.14+.
   * Receivers that do not check Ed25519 (Gmail) still pass DKIM on the RSA signature.
   * @default none (RSA only)
   */
  ed25519Selector?: string;
  /** A DKIM key rotation under way (see "Rotating a DKIM key" in the README). @default none */
  dkimRotation?: DkimRotationConfig;
}

/** Moves signing from `dkimSelector`'s key to a new one in phases (plans/dkim-rotation.ts). */
export interface DkimRotationConfig {
  /** The selector of the new key. @example "2026b" */
  nextSelector: string;
  /** Seconds the new record is published before chasquid signs with it (at least dnsTtl). @default dnsTtl */
  publishWait: number;
  /** Seconds the old record stays after the switch, then it is revoked. @default 604800 (7 days) */
  keepOld: number;
}

export interface AcmeConfig {
  /** Account e-mail for the ACME CA (expiry notices). */
  email: string;
  /** RFC 8555 directory URL. @default Let's Encrypt production */
  directory: string;
  /** PEM of an extra CA that signs the ACME server's HTTPS endpoint (local world / private CA only). */
  caBundle?: string;
}

/**
 * Contabo's API, for the PTR of each host (Contabo's panel is the only other way). The client secret
 * and API password are secrets read by stacks/load.ts: they never enter this typed config.
 */
export interface ContaboConfig {
  /** "ClientId" of https://my.contabo.com/api/details, e.g. `INT-12345678`. */
  clientId: string;
  /** "API User": the e-mail address of the Contabo account. */
  apiUser: string;
  /** OAuth2 token endpoint (password grant). @default CONTABO_AUTH_URL */
  authUrl: string;
  /** API base URL. @default CONTABO_API_URL */
  apiUrl: string;
}

/** What happens, without `contabo`, when a host's PTR is not its host name. */
export interface ReverseDnsConfig {
  /** `stop`: fail before the certificate step, with the fix; `warn`: say so and go on. @default "stop" */
  check: "stop" | "warn";
  /** The resolver the check asks (an IP address). @default this machine's own resolver */
  resolver?: string;
}

/**
 * fail2ban on each host this stack owns: a jail for chasquid's failed AUTH (wrong user or password),
 * banning the address from 25, 465 and 587 through fail2ban's own nftables table.
 */
export interface Fail2banConfig {
  /** @default false */
  enabled: boolean;
  /** Failed logins from one address within `findTime` that ban it. @default 5 */
  maxRetry: number;
  /** The window failures are counted in, seconds. @default 600 */
  findTime: number;
  /** How long a ban lasts, seconds. @default 3600 */
  banTime: number;
  /** Addresses or networks never banned (fail2ban's `ignoreip`), e.g. your office's. @default [] */
  ignoreIps: string[];
}

export interface StackConfig {
  hosts: HostConfig[];
  domains: DomainConfig[];
  acme: AcmeConfig;
  /** TTL of every published record, seconds. @default 3600 */
  dnsTtl: number;
  /** chasquid monitoring HTTP server port on 127.0.0.1; off when unset. */
  monitoringPort?: number;
  /**
   * Lifts the protection of the DKIM keys and generated passwords (and salts), so the engine may
   * replace or delete them. @default false
   */
  allowKeyReplacement: boolean;
  /** Set each owned host's PTR through Contabo's API. @default none: the PTR is checked instead */
  contabo?: ContaboConfig;
  reverseDns: ReverseDnsConfig;
  fail2ban: Fail2banConfig;
  /**
   * Publish RFC 6186 submission SRV records per domain (`_submissions._tcp` → 465 and
   * `_submission._tcp` → 587 on the first host), so mail clients can find the server. @default false
   */
  submissionSrv: boolean;
}

export const LETSENCRYPT_PRODUCTION = "https://acme-v02.api.letsencrypt.org/directory";
export const DEFAULT_DKIM_SELECTOR = "mailstack";
export const DEFAULT_DNS_TTL = 3600;
export const DEFAULT_FAIL2BAN: Fail2banConfig = { enabled: false, maxRetry: 5, findTime: 600, banTime: 3600, ignoreIps: [] };
export const CONTABO_AUTH_URL = "https://auth.contabo.com/auth/realms/contabo/protocol/openid-connect/token";
export const CONTABO_API_URL = "https://api.contabo.com";
