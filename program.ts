// The whole stack from a validated config: DKIM keys and users per domain, the DNS records, and
// the outputs a person needs. index.ts feeds it the stack config; tests feed it directly.
import * as pulumi from "@pulumi/pulumi";
import { DkimKey } from "./components/dkim-key";
import { DkimRotation } from "./components/dkim-rotation";
import { revokedDkimValue, RotationState } from "./plans/dkim-rotation";
import { DnsRecords } from "./components/dns-records";
import { MailHost } from "./components/mail-host";
import { MailUsers } from "./components/mail-users";
import { renderAliasesFile } from "./plans/aliases-file";
import { dkimKeysOf, dkimRecordName, DnsRecordPlan } from "./plans/dns";
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
  /** Per domain with a DKIM rotation under way: its phase, the selector that signs, and what the next up does. */
  dkimRotation: Record<string, pulumi.Output<RotationState>>;
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
  // A DKIM rotation's clock is the next key's record, declared below with the others.
  let dnsDeclared!: (dns: DnsRecords) => void;
  const dnsRecords = pulumi.output(new Promise<DnsRecords>((resolve) => { dnsDeclared = resolve; }));
  const rotations: Record<string, DkimRotation> = {};
  /** Per domain: the selector chasquid signs with and its key (the rotation's choice while one is under way). */
  const signing: Record<string, { selector: pulumi.Output<string>; privateKeyPem: pulumi.Output<string> }> = {};
  for (const domain of config.domains) {
    // Keyed by record name: each record's content depends on its own key only.
    for (const planned of dkimKeysOf(domain)) {
      const name = planned.algorithm === "ed25519" ? `dkim-ed25519-${domain.name}`
        : planned.selector === domain.dkimSelector ? `dkim-${domain.name}` : `dkim-${domain.name}-next`;
      dkimKeys[planned.recordName] = new DkimKey(name, {
        domain: domain.name, selector: planned.selector, algorithm: planned.algorithm, createAfter: claims,
      }, secretsOpts);
    }
    const key = dkimKeys[dkimRecordName(domain.dkimSelector, domain.name)];
    dkim[domain.name] = { selector: key.selector, recordName: dkimRecordName(key.selector, domain.name), privateKeyPem: key.privateKeyPem };
    signing[domain.name] = { selector: pulumi.output(key.selector), privateKeyPem: key.privateKeyPem };
    if (domain.dkimRotation) {
      const next = dkimKeys[dkimRecordName(domain.dkimRotation.nextSelector, domain.name)];
      const rotation = new DkimRotation(`dkim-rotation-${domain.name}`, {
        domain: domain.name, currentSelector: domain.dkimSelector, rotation: domain.dkimRotation,
        nextPublishedAt: dnsRecords.apply((dns) => dns.createdOn[`txt-${dkimRecordName(next.selector, domain.name)}`]),
      });
      rotations[domain.name] = rotation;
      signing[domain.name] = {
        selector: rotation.signingSelector,
        privateKeyPem: pulumi.secret(pulumi.all([rotation.signingSelector, key.privateKeyPem, next.privateKeyPem])
          .apply(([selector, current, nextPem]) => (selector === next.selector ? nextPem : current))),
      };
    }
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
        dkimSelector: signing[d.name].selector,
        aliasesFile: renderAliasesFile(d.name, d.aliases, d.users),
        dkimPrivateKeyPem: signing[d.name].privateKeyPem,
        ed25519Selector: d.ed25519Selector,
        ed25519PrivateKeyPem: d.ed25519Selector ? dkimKeys[dkimRecordName(d.ed25519Selector, d.name)].privateKeyPem : undefined,
        usersFile: users[d.name].usersFile,
      })),
    });
  }

  const dns = new DnsRecords("dns", {
    config,
    dkimValues: Object.fromEntries(Object.entries(dkimKeys).map(([recordName, k]) => {
      // Phase 3 of a rotation revokes the old key's record (p= empty) instead of deleting it.
      const rotation = rotations[k.domain];
      if (!rotation || k.selector !== config.domains.find((d) => d.name === k.domain)!.dkimSelector) return [recordName, k.dnsValue];
      return [recordName, pulumi.all([k.dnsValue, rotation.state]).apply(([value, state]) => (state.revokeCurrent ? revokedDkimValue(value) : value))];
    })),
    publishAfter: claims,
  });
  dnsDeclared(dns);
  claimsChecked(Object.values(hosts).map((h) => h.claims));
  recordsDeclared([dns]);

  const warnings: string[] = [];
  for (const h of config.hosts.filter((x) => !x.sshHostKey)) {
    const warning = `${h.hostname}: SSH host key pinned on first use (pulumi stack output hosts shows it); check it against the provider's console and set mailstack:hosts[].sshHostKey (ssh-keyscan -t ed25519 ${h.ipv4})`;
    warnings.push(warning);
    // Also under "Diagnostics" of every preview and up, not only in the stack output.
    pulumi.log.warn(warning, hosts[h.hostname]);
  }

  const dkimRotation = Object.fromEntries(Object.entries(rotations).map(([d, r]) => [d, r.state]));
  return { records: dns.records, smtp, smtpPasswords, dkim, dkimRotation, users, hosts, warnings };
}
