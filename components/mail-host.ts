import { createHash } from "node:crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  baseCommand, chasquidCommand, claimsCommand, chasquidDeleteCommand, chasquidStdin, domainCommand, domainDeleteCommand, domainStdin,
  HostDomain, HostPlanInput, preflightCommand, ptrCheckCommand, ptrContaboCommand, ptrContaboStdin, reachCommand, tlsCommand, tlsStdin,
  verifyCommand, verifyStdin,
} from "../plans/host/steps";
import { HostFacts, parseBaseReport, parsePreflight } from "../plans/host/preflight";
import type { AcmeConfig, ContaboConfig, Fail2banConfig, HostConfig, ReverseDnsConfig } from "../stacks/schema";

export interface MailHostDomain extends Omit<HostDomain, "dkimSelector"> {
  /** The selector chasquid signs with (an output while a DKIM rotation decides it). */
  dkimSelector: pulumi.Input<string>;
  /** PKCS#8 PEM of the key `dkimSelector` publishes (`DkimKey.privateKeyPem`). Secret. */
  dkimPrivateKeyPem: pulumi.Input<string>;
  /** chasquid `users` file content (`MailUsers.usersFile`). Secret. */
  usersFile: pulumi.Input<string>;
  /** PKCS#8 PEM of the domain's Ed25519 DKIM key, with `ed25519Selector`. Secret. */
  ed25519PrivateKeyPem?: pulumi.Input<string>;
}

/** How the host's PTR gets to be its host name (owner only): set through Contabo's API, or checked. */
export interface MailHostReverseDns {
  /** What a wrong PTR does when nothing sets it (`stop` or `warn`), and the resolver asked. */
  check: ReverseDnsConfig;
  /** Contabo's API: when set, the PTR is set, not checked. */
  contabo?: ContaboConfig;
  /** Contabo's client secret and API password (secret). Required with `contabo`. */
  contaboSecrets?: pulumi.Input<{ clientSecret: string; apiPassword: string }>;
}

export interface MailHostArgs {
  /** The host from the stack config (name, addresses, SSH). */
  host: HostConfig;
  /**
   * The SSH private key for `host.sshUser`. Secret.
   * @example config.requireSecret("sshPrivateKey")
   */
  sshPrivateKey: pulumi.Input<string>;
  /** ACME account and directory for the host's certificate. */
  acme: AcmeConfig;
  /** Every mail domain this host serves. */
  domains: MailHostDomain[];
  /** address → password of every user, for the login check at the end (secret). */
  logins: pulumi.Input<Record<string, string>>;
  /** chasquid monitoring port on 127.0.0.1. @default off */
  monitoringPort?: number;
  /** The PTR of the host's addresses, before its certificate. @default checked with this machine's resolver, `stop` on a mismatch */
  reverseDns?: MailHostReverseDns;
  /** fail2ban's jail for chasquid's failed logins (set up when this stack owns the host). @default off */
  fail2ban?: Fail2banConfig;
  /**
   * Resources that must exist before the certificate is requested and the verification runs: the
   * DNS records (HTTP-01 needs the A/AAAA record; DKIM is checked against DNS). An output, because
   * the records are declared after the hosts (they wait for `claims`).
   */
  dnsReady?: pulumi.Input<pulumi.Resource[]>;
}

/**
 * One VPS converged over SSH into a TLS-enabled, DKIM-signing chasquid: preflight → base OS →
 * certificate → users, aliases and DKIM key per domain → chasquid config → verification. Each step
 * is a script from remote/, idempotent, and re-runs only when its own inputs change. On a host
 * another stack owns (`host.owner: false`): preflight → this stack's domains → verification.
 */
export class MailHost extends pulumi.ComponentResource {
  /** OS (preflight), the chasquid installed and its DKIM mode (base step). */
  readonly facts: pulumi.Output<HostFacts>;
  /** The SSH host key every step after preflight pins: `host.sshHostKey`, or the one seen first. */
  readonly hostKey: pulumi.Output<string>;
  /** The verification report (one `ok`/`FAIL` line per check). */
  readonly verification: pulumi.Output<string>;
  /** What the PTR step found or set, one line per address (empty on a host another stack owns). */
  readonly reverseDns: pulumi.Output<string>;
  /** The check that nothing this stack manages on the host belongs to another stack: records wait for it. */
  readonly claims: command.remote.Command;

  constructor(name: string, args: MailHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailstack:index:MailHost", name, {}, opts);
    const { host } = args;
    const plan: HostPlanInput = {
      host, acme: args.acme, monitoringPort: args.monitoringPort, firewall: host.firewall, fail2ban: args.fail2ban,
      stack: `${pulumi.getProject()}/${pulumi.getStack()}`,
      // The steps that need no DKIM selector (claims, chasquid) read the names only.
      domains: args.domains.map(({ name: n, ed25519Selector, aliasesFile }) => ({ name: n, dkimSelector: "", ed25519Selector, aliasesFile })),
    };
    const firstContact: command.types.input.remote.ConnectionArgs = {
      host: host.ipv4,
      port: host.sshPort,
      user: host.sshUser,
      privateKey: pulumi.secret(args.sshPrivateKey),
      hostKey: host.sshHostKey,
      // Bounded: a VPS that no longer exists fails the step in about a minute (README: what to do),
      // where the provider's defaults keep a deploy waiting for minutes.
      dialErrorLimit: 6,
      perDialTimeout: 10,
    };
    // Secrets go by stdin only; no `environment` (stock sshd refuses unknown variables) and no
    // previous output in the environment for the same reason.
    // Steps fed secrets on stdin also keep their output out of the logs and secret in state: the
    // scripts print none, but a failing tool might echo its input.
    const stepInputs: pulumi.Input<unknown>[] = [];
    let connection: pulumi.Input<command.types.input.remote.ConnectionArgs> = firstContact;
    const step = (id: string, args: Omit<command.remote.CommandArgs, "connection">, dependsOn: pulumi.Input<pulumi.Resource[]>, secretStdin = false) => {
      stepInputs.push(pulumi.all([args.create, args.stdin ?? "", args.delete ?? ""]));
      return new command.remote.Command(`${name}-${id}`, {
        connection, addPreviousOutputInEnv: false, ...(secretStdin ? { logging: "none" as const } : {}), ...args,
      }, { parent: this, dependsOn, deleteBeforeReplace: true, ...(secretStdin ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}) });
    };

    // Preflight sends nothing secret. Without a configured host key, the key it connected to is
    // pinned from then on (trust on first use): every later step, and every later deploy (the
    // preflight output stays in state), refuses another key.
    const preflight = step("preflight", { create: preflightCommand(plan) }, []);
    const seen = preflight.stdout.apply(parsePreflight);
    this.hostKey = host.sshHostKey ? pulumi.output(host.sshHostKey) : seen.hostKey;
    connection = { ...firstContact, hostKey: this.hostKey };
    this.claims = step("claims", { create: claimsCommand(plan) }, [preflight]);
    const dnsReady = pulumi.output(args.dnsReady ?? []);
    // The host's owner sets it up; a stack that only adds domains starts from what the owner made.
    const base = host.owner ? step("base", { create: baseCommand(plan) }, [this.claims]) : undefined;
    // Run where `pulumi up` runs, before the certificate: the PTR set through the provider's API, or checked.
    const ptr = host.owner ? this.reverseDnsStep(name, host, args.reverseDns ?? { check: { check: "stop" } }) : undefined;
    const tls = base ? step("tls", { create: tlsCommand(plan), stdin: tlsStdin(plan) }, dnsReady.apply((dns) => [base, ptr!, ...dns])) : undefined;

    // Domains before chasquid's config: the (re)start that a new domain needs then loads its users.
    const signingDomains = args.domains.map((d) => pulumi.output(d.dkimSelector)
      .apply((dkimSelector): HostDomain => ({ ...plan.domains.find((x) => x.name === d.name)!, dkimSelector })));
    const domainSteps = args.domains.map((d, i) => {
      const planned = signingDomains[i];
      return step(`domain-${d.name}`, {
        create: planned.apply((p) => domainCommand(plan, p)),
        delete: domainDeleteCommand(plan, d.name),
        stdin: pulumi.secret(pulumi.all([planned, d.usersFile, d.dkimPrivateKeyPem, d.ed25519PrivateKeyPem])
          .apply(([p, users, key, ed25519]) => domainStdin(p, users, key, ed25519))),
      }, [tls ?? this.claims], true);
    });

    const chasquid = host.owner ? step("chasquid", {
      create: chasquidCommand(plan),
      delete: chasquidDeleteCommand(plan),
      stdin: chasquidStdin(plan),
    }, [tls!, ...domainSteps]) : undefined;

    // Verification re-runs whenever any step's inputs changed: its trigger is a digest of them all.
    const digest = pulumi.all(stepInputs).apply((inputs) => createHash("sha256").update(JSON.stringify(inputs)).digest("hex"));
    const verify = step("verify", {
      create: pulumi.all(signingDomains).apply((domains) => verifyCommand({ ...plan, domains })),
      stdin: pulumi.secret(pulumi.output(args.logins).apply(verifyStdin)),
      triggers: [digest],
      logging: "stdout",
    }, dnsReady.apply((dns) => [...(chasquid ? [chasquid] : domainSteps), ...dns]));

    // From outside: what the host cannot see about itself (a provider firewall, a blocked port).
    new command.local.Command(`${name}-reach`, {
      create: reachCommand(plan),
      triggers: [digest],
      logging: "stdout",
    }, { parent: this, dependsOn: [verify] });

    this.reverseDns = ptr?.stdout ?? pulumi.output("");
    this.facts = pulumi.all([seen.os, (base ?? preflight).stdout]).apply(([os, report]) => parseBaseReport(os, report));
    this.verification = verify.stdout;
    this.registerOutputs({ facts: this.facts, hostKey: this.hostKey, verification: this.verification, reverseDns: this.reverseDns });
  }

  private reverseDnsStep(name: string, host: HostConfig, reverseDns: MailHostReverseDns): command.local.Command {
    const opts = { parent: this, dependsOn: [this.claims] };
    if (!reverseDns.contabo) return new command.local.Command(`${name}-ptr`, { create: ptrCheckCommand(host, reverseDns.check), logging: "stdout" }, opts);
    if (!reverseDns.contaboSecrets) throw new Error(`${name}: reverseDns.contabo needs contaboSecrets`);
    return new command.local.Command(`${name}-ptr`, {
      create: ptrContaboCommand(host, reverseDns.contabo),
      stdin: pulumi.secret(pulumi.output(reverseDns.contaboSecrets).apply(ptrContaboStdin)),
      logging: "stdout",
    }, opts);
  }
}
