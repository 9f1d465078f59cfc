// The whole stack from a validated config: DKIM keys and users per domain, the DNS records, and
// the outputs a person needs. index.ts feeds it the stack config; tests feed it directly.
import * as pulumi from "@pulumi/pulumi";
import { DkimKey } from "./components/dkim-key";
import { DnsRecords } from "./components/dns-records";
import { MailHost } from "./components/mail-host";
import { MailUsers } from "./components/mail-users";
import { renderAliasesFile } from "./plans/aliases-file";
import { dkimRecordName, DnsRecordPlan } from "./plans/dns";
import type { StackConfig } from "./stacks/schema";

export interface SmtpSettings {
  /** The full address; also the SMTP username. */
  address: string;
  host: string;
  /** Implicit TLS ("SSL" in Gmail's "Send mail as" dialog). */
  port: 465;
  /** STARTTLS ("TLS" in Gmail's dialog). */
  alternatePort: 587;
  username: string;
}

export interface MailstackStack {
  records: pulumi.Output<DnsRecordPlan[]>;
  smtp: SmtpSettings[];
  /** address → password. Secret. */
  smtpPasswords: pulumi.Output<Record<string, string>>;
  dkim: Record<string, { selector: string; recordName: string; privateKeyPem: pulumi.Output<string> }>;
  users: Record<string, MailUsers>;
  hosts: Record<string, MailHost>;
  warnings: string[];
}

export interface MailstackSecrets {
  /** SSH key for every host (secret). */
  sshPrivateKey: pulumi.Input<string>;
  /** Contabo's client secret and API password, with `config.contabo` (secret). */
  contaboSecrets?: pulumi.Input<{ clientSecret: string; apiPassword: string }>;
}

export function mailstack(config: StackConfig, secrets: MailstackSecrets): MailstackStack {
  const dkim: MailstackStack["dkim"] = {};
  const dkimKeys: Record<string, DkimKey> = {};
  const users: Record<string, MailUsers> = {};
  // Keys and passwords cannot be re-made as they were: a replaced DKIM key breaks mail signed for a
  // published record, a new password breaks every client. The engine refuses unless switched off.
  const secretsOpts = { protect: !config.allowKeyReplacement };
  // Nothing is made or published before each host's claims step has checked that nothing this
  // stack is about to manage belongs to another stack (a refused claim leaves no key or record to
  // clean up). The hosts need the keys, so the keys get the claims as an output resolved below.
  let claimsChecked!: (claims: pulumi.Resource[]) => void;
  const claims = pulumi.output(new Promise<pulumi.Resource[]>((resolve) => { claimsChecked = resolve; }));
  for (const domain of config.domains) {
    const key = new DkimKey(`dkim-${domain.name}`, { domain: domain.name, selector: domain.dkimSelector, createAfter: claims }, secretsOpts);
    dkimKeys[domain.name] = key;
    dkim[domain.name] = { selector: key.selector, recordName: dkimRecordName(key.selector, domain.name), privateKeyPem: key.privateKeyPem };
    users[domain.name] = new MailUsers(`users-${domain.name}`, { domain: domain.name, users: domain.users, createAfter: claims }, secretsOpts);
  }

  const submissionHost = config.hosts[0].hostname;
  const smtp = config.domains.flatMap((d) => d.users.map((u) => `${u}@${d.name}`)).map((address): SmtpSettings => ({
    address, host: submissionHost, port: 465, alternatePort: 587, username: address,
  }));
  const passwordOutputs = config.domains.flatMap((d) => d.users.map((u) => [`${u}@${d.name}`, users[d.name].passwords[u]] as const));
  const smtpPasswords = pulumi.secret(pulumi.all(Object.fromEntries(passwordOutputs)));

  // The certificate waits for the records (HTTP-01 needs the A record). The hosts come first, so
  // they get the records as an output resolved below.
  let recordsDeclared!: (dns: pulumi.Resource[]) => void;
  const dnsReady = pulumi.output(new Promise<pulumi.Resource[]>((resolve) => { recordsDeclared = resolve; }));
  const hosts: Record<string, MailHost> = {};
  for (const host of config.hosts) {
    // Named after the address, not the host name: renaming the host updates its steps in place
    // (a new name is a new certificate and chasquid.conf), where new names would create new steps
    // and delete the old ones, whose delete commands remove the domains from the same machine.
    hosts[host.hostname] = new MailHost(`host-${host.ipv4}`, {
      host,
      sshPrivateKey: secrets.sshPrivateKey,
      acme: config.acme,
      monitoringPort: config.monitoringPort,
      reverseDns: { check: config.reverseDns, contabo: config.contabo, contaboSecrets: secrets.contaboSecrets },
      fail2ban: config.fail2ban,
      logins: smtpPasswords,
      dnsReady,
      domains: config.domains.map((d) => ({
        name: d.name,
        dkimSelector: d.dkimSelector,
        aliasesFile: renderAliasesFile(d.name, d.aliases, d.users),
        dkimPrivateKeyPem: dkimKeys[d.name].privateKeyPem,
        usersFile: users[d.name].usersFile,
      })),
    });
  }

  const dns = new DnsRecords("dns", {
    config,
    dkimValues: Object.fromEntries(Object.entries(dkimKeys).map(([d, k]) => [d, k.dnsValue])),
    publishAfter: claims,
  });
  claimsChecked(Object.values(hosts).map((h) => h.claims));
  recordsDeclared([dns]);

  const warnings: string[] = [];
  for (const h of config.hosts.filter((x) => !x.sshHostKey)) {
    const warning = `${h.hostname}: SSH host key pinned on first use (pulumi stack output hosts shows it); check it against the provider's console and set mailstack:hosts[].sshHostKey (ssh-keyscan -t ed25519 ${h.ipv4})`;
    warnings.push(warning);
    // Also under "Diagnostics" of every preview and up, not only in the stack output.
    pulumi.log.warn(warning, hosts[h.hostname]);
  }

  return { records: dns.records, smtp, smtpPasswords, dkim, users, hosts, warnings };
}
