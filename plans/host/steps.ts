// Every remote step of one host, as plain text: command, delete command, stdin. Pure: the component
// feeds in secrets (as plain strings inside an apply) and publishes the result with remote.Command.
import type { AcmeConfig, ContaboConfig, Fail2banConfig, HostConfig, ReverseDnsConfig } from "../../stacks/schema";
import { renderBundle } from "./bundle";
import { renderChasquidConf } from "./chasquid-conf";
import { localCommand, localNodeCommand, readRemoteScript, stepCommand } from "./step-command";

export interface HostDomain {
  name: string;
  dkimSelector: string;
  /** Selector of the domain's Ed25519 key, when it has one (signs on chasquid 1.14+ only). */
  ed25519Selector?: string;
  aliasesFile: string;
}

export interface HostPlanInput {
  host: HostConfig;
  /** `<project>/<stack>`: written into the markers of what this stack owns on the host. */
  stack: string;
  acme: AcmeConfig;
  domains: HostDomain[];
  monitoringPort?: number;
  /** Install mailstack's nftables table. */
  firewall: boolean;
  /** fail2ban's jail for chasquid's failed logins (the owner's base step); off when unset. */
  fail2ban?: Fail2banConfig;
}

const sudo = (host: HostConfig) => ({ sudo: host.sshUser !== "root" });
const addressesOf = (host: HostConfig) => [host.ipv4, ...(host.ipv6 ? [host.ipv6] : [])].join(" ");

/** A stack that does not own the host checks that its owner set it up, and reads the chasquid it installed. */
export const preflightCommand = (input: HostPlanInput) =>
  stepCommand("preflight", input.host.owner ? {} : { MS_GUEST_OF: input.host.hostname }, sudo(input.host));

/** Before any record or file: the host (for its owner) and each domain are free or this stack's. */
export function claimsCommand(input: HostPlanInput): string {
  return stepCommand("claims", {
    MS_STACK: input.stack,
    MS_HOSTNAME: input.host.hostname,
    MS_OWNER: input.host.owner ? "yes" : "no",
    MS_DOMAINS: input.domains.map((d) => d.name).join(" "),
  }, sudo(input.host));
}

/**
 * The jail's parameters (remote/fail2ban.sh); its numbers only when it is on, so tuning an unused
 * jail changes nothing. The host's own addresses are never banned: the verification's wrong-password
 * check comes from them, and fail2ban's `ignoreself` finds them by the host name, which Debian 12's
 * fail2ban does not map to the public addresses.
 */
function fail2banParams(f2b: Fail2banConfig | undefined, host: HostConfig): Record<string, string> {
  if (!f2b?.enabled) return { MS_F2B_ENABLED: "no" };
  return {
    MS_F2B_ENABLED: "yes",
    MS_F2B_MAXRETRY: String(f2b.maxRetry),
    MS_F2B_FINDTIME: String(f2b.findTime),
    MS_F2B_BANTIME: String(f2b.banTime),
    MS_F2B_IGNOREIP: [...addressesOf(host).split(" "), ...f2b.ignoreIps].join(" "),
  };
}

export function baseCommand(input: HostPlanInput): string {
  return stepCommand("base", {
    MS_HOSTNAME: input.host.hostname,
    MS_IPV6: input.host.ipv6 ?? "",
    MS_SSH_PORT: String(input.host.sshPort),
    MS_FIREWALL: input.firewall ? "yes" : "no",
    MS_STACK: input.stack,
    ...fail2banParams(input.fail2ban, input.host),
  }, sudo(input.host));
}

export function tlsCommand(input: HostPlanInput): string {
  return stepCommand("tls", {
    MS_HOSTNAME: input.host.hostname,
    MS_ACME_EMAIL: input.acme.email,
    MS_ACME_DIRECTORY: input.acme.directory,
  }, sudo(input.host));
}

/** Not secret: the deploy hook, and the ACME server's CA when it has a private one. */
export function tlsStdin(input: HostPlanInput): string {
  return renderBundle({
    "deploy-hook": readRemoteScript("certbot-deploy-hook"),
    ...(input.acme.caBundle ? { "acme-ca.pem": input.acme.caBundle } : {}),
  });
}

/** The host's chasquid config (owner only). MS_DOMAINS: this stack's domains, to remove any it made and no longer lists. */
export function chasquidCommand(input: HostPlanInput): string {
  return stepCommand("chasquid", { MS_DOMAINS: input.domains.map((d) => d.name).join(" "), MS_STACK: input.stack }, sudo(input.host));
}

export const chasquidDeleteCommand = (input: HostPlanInput) => stepCommand("chasquid-remove", { MS_STACK: input.stack }, sudo(input.host));

/** Not secret: chasquid.conf. */
export function chasquidStdin(input: HostPlanInput): string {
  return renderBundle({ "chasquid.conf": renderChasquidConf({ hostname: input.host.hostname, monitoringPort: input.monitoringPort }) });
}

// Parameters a feature adds are there only when it is on: a deployed stack's steps stay the same.
export const domainCommand = (input: HostPlanInput, domain: HostDomain) => stepCommand("domain", {
  MS_DOMAIN: domain.name, MS_SELECTOR: domain.dkimSelector, MS_STACK: input.stack,
  ...(domain.ed25519Selector ? { MS_ED25519_SELECTOR: domain.ed25519Selector } : {}),
}, sudo(input.host));
export const domainDeleteCommand = (input: HostPlanInput, domain: string) =>
  stepCommand("domain-remove", { MS_DOMAIN: domain, MS_STACK: input.stack }, sudo(input.host));

/** Secret: holds the users file (password hashes) and the DKIM private keys (PKCS#8 PEM). */
export function domainStdin(domain: HostDomain, usersFile: string, dkimPrivateKeyPem: string, ed25519PrivateKeyPem?: string): string {
  if (!dkimPrivateKeyPem) throw new Error(`no DKIM private key for ${domain.name}`);
  if (domain.ed25519Selector && !ed25519PrivateKeyPem) throw new Error(`no Ed25519 DKIM private key for ${domain.name}`);
  return renderBundle({
    users: usersFile, aliases: domain.aliasesFile, "dkim.pem": dkimPrivateKeyPem,
    ...(domain.ed25519Selector ? { "dkim-ed25519.pem": ed25519PrivateKeyPem! } : {}),
  });
}

export function verifyCommand(input: HostPlanInput): string {
  return stepCommand("verify", {
    MS_HOSTNAME: input.host.hostname,
    MS_IPV4: input.host.ipv4,
    MS_IPV6: input.host.ipv6 ?? "",
    MS_DKIM: input.domains.map((d) => `${d.name}:${d.dkimSelector}`).join(" "),
    // Checked where chasquid signs natively (1.14+); the post-data hook signs with RSA only.
    ...(input.domains.some((d) => d.ed25519Selector)
      ? { MS_DKIM_ED25519: input.domains.filter((d) => d.ed25519Selector).map((d) => `${d.name}:${d.ed25519Selector}`).join(" ") } : {}),
    // The firewall and fail2ban are the owner's: a stack that only adds domains does not check them.
    MS_FIREWALL: !input.host.owner ? "owner" : input.firewall ? "yes" : "no",
    MS_FAIL2BAN: !input.host.owner ? "owner" : input.fail2ban?.enabled ? "yes" : "no",
  }, sudo(input.host));
}

/** Secret: `<address> <password>` per line, for the login check. */
export function verifyStdin(logins: Record<string, string>): string {
  return Object.keys(logins).sort().map((address) => `${address} ${logins[address]}\n`).join("");
}

/** Run where `pulumi up` runs: the host's ports probed from outside, at every public address. */
export function reachCommand(input: HostPlanInput): string {
  return localCommand("reach", { MS_ADDRESSES: addressesOf(input.host) });
}


/**
 * Run where `pulumi up` runs: sets each address's PTR to the host name through Contabo's API. The
 * text changes (so the step runs again) only when the host's name or addresses or the account do.
 */
export function ptrContaboCommand(host: HostConfig, contabo: ContaboConfig): string {
  return localNodeCommand("ptr-contabo", {
    MS_HOSTNAME: host.hostname,
    MS_ADDRESSES: addressesOf(host),
    MS_AUTH_URL: contabo.authUrl,
    MS_API_URL: contabo.apiUrl,
    MS_CLIENT_ID: contabo.clientId,
    MS_API_USER: contabo.apiUser,
  });
}

/** Secret: Contabo's client secret and API password, as the script reads them from stdin. */
export function ptrContaboStdin(secrets: { clientSecret: string; apiPassword: string }): string {
  return JSON.stringify({ clientSecret: secrets.clientSecret, apiPassword: secrets.apiPassword });
}

/** Run where `pulumi up` runs, when nothing sets the PTR: checks it, and stops (or warns) when it is not the host name. */
export function ptrCheckCommand(host: HostConfig, reverseDns: ReverseDnsConfig): string {
  return localNodeCommand("ptr-check", {
    MS_HOSTNAME: host.hostname,
    MS_ADDRESSES: addressesOf(host),
    MS_RESOLVER: reverseDns.resolver ?? "",
    MS_ON_MISMATCH: reverseDns.check,
  });
}
