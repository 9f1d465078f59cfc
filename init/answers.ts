// What init needs to know, from flags or prompts: each field's question, default and check, and
// the step from raw text to typed Answers that reports every problem at once, each naming its flag.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve } from "node:path";
import { isCertificatePem, isEmail, isHostname, isIPv4, isIPv6, isLocalPart, isPrivateKeyPem } from "../stacks/checks";
import { DEFAULT_CLOUDFLARE_BASE_URL } from "./flags";

export interface Answers {
  stack: string;
  domain: string;
  hostname: string;
  ipv4: string;
  ipv6?: string;
  forwardTo: string;
  users: string[];
  acmeEmail: string;
  acmeDirectory?: string;
  /** The PEM itself (a public certificate, not a secret). */
  acmeCaBundle?: string;
  /** The file; its content is read again only to be set as a secret. */
  sshKeyFile: string;
  sshUser: string;
  sshPort: number;
  hostFingerprint?: string;
  cloudflareBaseUrl: string;
  contabo?: { clientId: string; apiUser: string };
}

/** Raw text by flag name, as given or typed. */
export type Values = Record<string, string | undefined>;

/** Reads a file for a check (injected, so the checks stay testable without files). */
export type ReadText = (file: string) => string;

interface Field {
  flag: string;
  /** Asked for when interactive and missing; fields without one take their default silently. */
  question?: string;
  required?: boolean;
  /** Offered at the prompt only, never taken silently (a key file of the person's own). */
  suggest?: () => string | undefined;
  /** The default, computed from the values before it in the table. */
  fallback?: (v: Values) => string | undefined;
  /** The flag the default comes from: when that one is missing, only it is reported. */
  from?: string;
  /** `base` is the folder relative paths are read from. */
  normalize?: (s: string, base: string) => string;
  /** What is wrong with the value ("is not an IPv4 address"), or undefined. */
  check?: (value: string, read: ReadText) => string | undefined;
}

const lower = (s: string) => s.toLowerCase().replace(/\.$/, "");
/** `~/x` as a shell would expand it: the prompt and `--flag=~/x` get no shell expansion. */
export const expandHome = (s: string) => (s === "~" || s.startsWith("~/") ? homedir() + s.slice(1) : s);
/** A file the person named: `~` expanded, relative to the folder they ran init from. */
export const filePath = (s: string, base: string) => resolve(base, expandHome(s));
const isHttpsUrl = (s: string) => /^https:\/\/[^\s/]+(\/\S*)?$/.test(s);
const splitList = (s: string) => s.split(",").map((x) => x.trim().toLowerCase()).filter((x) => x !== "");

/** The user a forwarding address suggests: `your.name+tag@gmail.com` → `your.name`. */
function userFrom(address: string | undefined): string | undefined {
  const local = address?.split("@")[0]?.split("+")[0]?.toLowerCase();
  return local !== undefined && isLocalPart(local) ? local : undefined;
}

function readable(file: string, read: ReadText): { text?: string; problem?: string } {
  try {
    return { text: read(file) };
  } catch (e) {
    return { problem: `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
}

/** Why a private key file cannot serve the deploy, or undefined. */
export function privateKeyProblem(text: string): string | undefined {
  if (!isPrivateKeyPem(text)) {
    return /^(ssh-|ecdsa-)/.test(text.trim()) ? "is a public key: give the private half (the file without .pub)" : "is not a private key file (PEM or OpenSSH)";
  }
  if (/ENCRYPTED/.test(text) || openSshCipher(text) !== "none") {
    return "is protected by a passphrase, which the deploy cannot type: use a key without one (ssh-keygen -t ed25519 -N '' -f ~/.ssh/mailstack)";
  }
  return undefined;
}

/** The cipher an OpenSSH-format key is encrypted with ("none" for a plain key or another format). */
function openSshCipher(text: string): string {
  const m = /-----BEGIN OPENSSH PRIVATE KEY-{5}([\s\S]+?)-----END/.exec(text);
  if (!m) return "none";
  const raw = Buffer.from(m[1].replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (raw.subarray(0, magic.length).toString("latin1") !== magic || raw.length < magic.length + 4) return "none";
  const len = raw.readUInt32BE(magic.length);
  return raw.subarray(magic.length + 4, magic.length + 4 + len).toString("latin1");
}

/** The fields in the order they are asked; a default reads only fields above it. */
export const FIELDS: readonly Field[] = [
  { flag: "stack", fallback: () => "prod", check: (s) => (/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+){0,2}$/.test(s) ? undefined : "is not a stack name (letters, digits, - _ .)") },
  { flag: "domain", question: "Domain you send from", required: true, normalize: lower,
    check: (s) => (isHostname(s) ? undefined : "is not a domain name like example.com") },
  { flag: "hostname", question: "Mail server's host name (its PTR name)", fallback: (v) => v.domain && `mail.${v.domain}`, from: "domain", normalize: lower,
    check: (s) => (isHostname(s) ? undefined : "is not a host name like mail.example.com") },
  { flag: "ipv4", question: "VPS's public IPv4", required: true, check: (s) => (isIPv4(s) ? undefined : "is not an IPv4 address") },
  { flag: "ipv6", question: "VPS's public IPv6 (empty: none)", normalize: lower,
    check: (s) => (isIPv6(s) && !s.includes("%") ? undefined : "is not an IPv6 address") },
  { flag: "forward-to", question: "Forward the domain's mail to", required: true,
    check: (s) => (isEmail(s) ? undefined : "is not an address like you@gmail.com") },
  { flag: "users", question: "Users who send (comma-separated local parts)", fallback: (v) => userFrom(v["forward-to"]), from: "forward-to",
    normalize: (s) => splitList(s).join(","),
    check: (s) => {
      const list = splitList(s);
      const bad = list.filter((u) => !isLocalPart(u));
      if (list.length === 0) return "lists no user";
      if (bad.length > 0) return `has ${bad.join(", ")}, not a local part (lower case, no @domain)`;
      return new Set(list).size === list.length ? undefined : "lists a user twice";
    } },
  { flag: "acme-email", question: "ACME (certificate) account address", from: "users",
    fallback: (v) => (v.users && v.domain ? `${splitList(v.users)[0]}@${v.domain}` : undefined),
    check: (s) => (isEmail(s) ? undefined : "is not an e-mail address") },
  { flag: "acme-directory", check: (s) => (isHttpsUrl(s) ? undefined : "is not an https URL") },
  { flag: "acme-ca-bundle", normalize: filePath, check: (f, read) => {
    const r = readable(f, read);
    return r.problem ?? (isCertificatePem(r.text!) ? undefined : "is not a PEM certificate");
  } },
  { flag: "ssh-key", question: "SSH private key file that logs in to the VPS", required: true, normalize: filePath,
    suggest: () => (existsSync(expandHome("~/.ssh/id_ed25519")) ? "~/.ssh/id_ed25519" : undefined),
    check: (f, read) => {
      const r = readable(f, read);
      return r.problem ?? privateKeyProblem(r.text!);
    } },
  { flag: "ssh-user", fallback: () => "root", check: (s) => (/^[a-z_][a-z0-9_-]{0,31}$/.test(s) ? undefined : "is not a Unix user name") },
  { flag: "ssh-port", fallback: () => "22", check: (s) => (/^[0-9]{1,5}$/.test(s) && Number(s) >= 1 && Number(s) <= 65535 ? undefined : "is not a port (1..65535)") },
  { flag: "host-fingerprint", normalize: (s) => (s.startsWith("SHA256:") ? s : `SHA256:${s}`),
    check: (s) => (/^SHA256:[A-Za-z0-9+/]{43}$/.test(s) ? undefined : "is not a SHA256 fingerprint as ssh-keygen -lf prints it") },
  { flag: "cloudflare-base-url", fallback: () => DEFAULT_CLOUDFLARE_BASE_URL, normalize: (s) => s.replace(/\/+$/, ""),
    check: (s) => (/^https?:\/\/[^\s/]+(\/\S*)?$/.test(s) ? undefined : "is not an http(s) URL") },
  { flag: "contabo-client-id", check: (s) => (/^\S+$/.test(s) ? undefined : "is not a client id") },
  { flag: "contabo-api-user", check: (s) => (isEmail(s) ? undefined : "is not the API user's address") },
];

/** The fields init asks for when they are missing and it may prompt, in order. */
export const QUESTIONS = FIELDS.filter((f) => f.question !== undefined).map((f) => ({ flag: f.flag, question: f.question!, required: f.required === true }));

const field = (flag: string) => FIELDS.find((f) => f.flag === flag);

/** The value a prompt offers: the field's default from the values so far, else its suggestion. */
export function defaultOf(flag: string, values: Values): string | undefined {
  const f = field(flag);
  return f?.fallback?.(values) ?? f?.suggest?.();
}

const readUtf8: ReadText = (f) => readFileSync(f, "utf8");

/** One value's problem as a line that names the flag, or undefined when it is fine. */
export function valueProblem(flag: string, value: string, read: ReadText = readUtf8): string | undefined {
  const why = field(flag)?.check?.(value, read);
  return why === undefined ? undefined : `--${flag} ${value} ${why}`;
}

/** The value as it will be used (lower-case names, absolute file paths, ...); other flags just trimmed. */
export function normalized(flag: string, value: string, base = process.cwd()): string {
  return field(flag)?.normalize?.(value.trim(), base) ?? value.trim();
}

export interface Resolved {
  answers?: Answers;
  /** Flags that have neither a value nor a default. */
  missing: string[];
  /** Bad values, one line each, naming the flag. */
  problems: string[];
}

/** Raw values → Answers with defaults applied; every missing flag and every bad value at once. */
export function resolveAnswers(raw: Values, read: ReadText = readUtf8): Resolved {
  const v: Values = {};
  const missing: string[] = [];
  const problems: string[] = [];
  const failed = new Set<string>();
  for (const f of FIELDS) {
    const given = raw[f.flag];
    const value = given !== undefined && given.trim() !== "" ? normalized(f.flag, given) : f.fallback?.(v);
    if (value === undefined) {
      if (f.from !== undefined && failed.has(f.from)) failed.add(f.flag);
      else if (f.required || f.from !== undefined) {
        missing.push(`--${f.flag}`);
        failed.add(f.flag);
      }
      continue;
    }
    const problem = valueProblem(f.flag, value, read);
    if (problem) {
      problems.push(problem);
      failed.add(f.flag);
    } else v[f.flag] = value;
  }
  const [clientId, apiUser] = [raw["contabo-client-id"], raw["contabo-api-user"]];
  if ((clientId === undefined) !== (apiUser === undefined)) {
    problems.push(clientId === undefined ? "--contabo-api-user needs --contabo-client-id too" : "--contabo-client-id needs --contabo-api-user too");
  }
  if (missing.length > 0 || problems.length > 0) return { missing, problems };
  return {
    missing, problems,
    answers: {
      stack: v.stack!, domain: v.domain!, hostname: v.hostname!, ipv4: v.ipv4!, ipv6: v.ipv6, forwardTo: v["forward-to"]!,
      users: splitList(v.users!), acmeEmail: v["acme-email"]!, acmeDirectory: v["acme-directory"],
      acmeCaBundle: v["acme-ca-bundle"] === undefined ? undefined : read(v["acme-ca-bundle"]),
      sshKeyFile: v["ssh-key"]!, sshUser: v["ssh-user"]!, sshPort: Number(v["ssh-port"]), hostFingerprint: v["host-fingerprint"],
      cloudflareBaseUrl: v["cloudflare-base-url"]!,
      contabo: v["contabo-client-id"] && v["contabo-api-user"] ? { clientId: v["contabo-client-id"], apiUser: v["contabo-api-user"] } : undefined,
    },
  };
}
