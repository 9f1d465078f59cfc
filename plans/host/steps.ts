// Every remote step of one host, as plain text: command, delete command, stdin. Pure: the component
// feeds in secrets (as plain strings inside an apply) and publishes the result with remote.Command.
import type { AcmeConfig, HostConfig } from "../../stacks/schema";
import { renderBundle } from "./bundle";
import { renderChasquidConf } from "./chasquid-conf";
import { localCommand, readRemoteScript, stepCommand } from "./step-command";

export interface HostDomain {
  name: string;
  dkimSelector: string;
  aliasesFile: string;
}

export interface HostPlanInput {
  host: HostConfig;
  acme: AcmeConfig;
  domains: HostDomain[];
  monitoringPort?: number;
  /** Install mailstack's nftables table. */
  firewall: boolean;
}

const sudo = (host: HostConfig) => ({ sudo: host.sshUser !== "root" });

export const preflightCommand = (input: HostPlanInput) => stepCommand("preflight", {}, sudo(input.host));

export function baseCommand(input: HostPlanInput): string {
  return stepCommand("base", {
    MS_HOSTNAME: input.host.hostname,
    MS_IPV6: input.host.ipv6 ?? "",
    MS_SSH_PORT: String(input.host.sshPort),
    MS_FIREWALL: input.firewall ? "yes" : "no",
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

export function chasquidCommand(input: HostPlanInput): string {
  return stepCommand("chasquid", { MS_DOMAINS: input.domains.map((d) => d.name).join(" ") }, sudo(input.host));
}

export const chasquidDeleteCommand = (input: HostPlanInput) => stepCommand("chasquid-remove", {}, sudo(input.host));

/** Secret: holds the DKIM private keys (PKCS#8 PEM per domain). */
export function chasquidStdin(input: HostPlanInput, dkimPrivateKeys: Record<string, string>): string {
  const files: Record<string, string> = {
    "chasquid.conf": renderChasquidConf({ hostname: input.host.hostname, monitoringPort: input.monitoringPort }),
  };
  for (const d of input.domains) {
    const pem = dkimPrivateKeys[d.name];
    if (!pem) throw new Error(`no DKIM private key for ${d.name}`);
    files[`dkim/${d.name}/${d.dkimSelector}.pem`] = pem;
  }
  return renderBundle(files);
}

export const domainCommand = (input: HostPlanInput, domain: string) => stepCommand("domain", { MS_DOMAIN: domain }, sudo(input.host));
export const domainDeleteCommand = (input: HostPlanInput, domain: string) => stepCommand("domain-remove", { MS_DOMAIN: domain }, sudo(input.host));

/** Secret: holds the users file (password hashes). */
export function domainStdin(domain: HostDomain, usersFile: string): string {
  return renderBundle({ users: usersFile, aliases: domain.aliasesFile });
}

export function verifyCommand(input: HostPlanInput): string {
  return stepCommand("verify", {
    MS_HOSTNAME: input.host.hostname,
    MS_IPV4: input.host.ipv4,
    MS_IPV6: input.host.ipv6 ?? "",
    MS_DKIM: input.domains.map((d) => `${d.name}:${d.dkimSelector}`).join(" "),
    MS_FIREWALL: input.firewall ? "yes" : "no",
  }, sudo(input.host));
}

/** Secret: `<address> <password>` per line, for the login check. */
export function verifyStdin(logins: Record<string, string>): string {
  return Object.keys(logins).sort().map((address) => `${address} ${logins[address]}\n`).join("");
}

/** Run where `pulumi up` runs: the host's ports probed from outside, at every public address. */
export function reachCommand(input: HostPlanInput): string {
  return localCommand("reach", { MS_ADDRESSES: [input.host.ipv4, ...(input.host.ipv6 ? [input.host.ipv6] : [])].join(" ") });
}
