import { createHash } from "node:crypto";
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import {
  baseCommand, chasquidCommand, chasquidDeleteCommand, chasquidStdin, domainCommand, domainDeleteCommand, domainStdin,
  HostDomain, HostPlanInput, preflightCommand, tlsCommand, tlsStdin, verifyCommand, verifyStdin,
} from "../plans/host/steps";
import { parsePreflight } from "../plans/host/preflight";
import type { AcmeConfig, HostConfig } from "../stacks/schema";

export interface MailHostDomain extends HostDomain {
  /** PKCS#8 PEM of the domain's DKIM key (`DkimKey.privateKeyPem`). Secret. */
  dkimPrivateKeyPem: pulumi.Input<string>;
  /** chasquid `users` file content (`MailUsers.usersFile`). Secret. */
  usersFile: pulumi.Input<string>;
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
  /**
   * Resources that must exist before the certificate is requested: the DNS records (HTTP-01 needs
   * the A/AAAA record to resolve).
   */
  dnsReady?: pulumi.Resource[];
}

/**
 * One VPS converged over SSH into a TLS-enabled, DKIM-signing chasquid: preflight → base OS →
 * certificate → users and aliases per domain → chasquid config and DKIM → verification. Each step is
 * a script from remote/, idempotent, and re-runs only when its own inputs change.
 */
export class MailHost extends pulumi.ComponentResource {
  /** What preflight found: OS, chasquid version, DKIM mode. */
  readonly facts: pulumi.Output<{ os: string; chasquid: string; dkim: string }>;
  /** The verification report (one `ok`/`FAIL` line per check). */
  readonly verification: pulumi.Output<string>;

  constructor(name: string, args: MailHostArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailstack:index:MailHost", name, {}, opts);
    const { host } = args;
    const plan: HostPlanInput = {
      host, acme: args.acme, monitoringPort: args.monitoringPort, firewall: host.firewall,
      domains: args.domains.map(({ name: n, dkimSelector, aliasesFile }) => ({ name: n, dkimSelector, aliasesFile })),
    };
    const connection: command.types.input.remote.ConnectionArgs = {
      host: host.ipv4,
      port: host.sshPort,
      user: host.sshUser,
      privateKey: pulumi.secret(args.sshPrivateKey),
      hostKey: host.sshHostKey,
      dialErrorLimit: 20,
      perDialTimeout: 15,
    };
    // Secrets go by stdin only; no `environment` (stock sshd refuses unknown variables) and no
    // previous output in the environment for the same reason.
    // Steps fed secrets on stdin also keep their output out of the logs and secret in state: the
    // scripts print none, but a failing tool might echo its input.
    const stepInputs: pulumi.Input<unknown>[] = [];
    const step = (id: string, args: Omit<command.remote.CommandArgs, "connection">, dependsOn: pulumi.Resource[], secretStdin = false) => {
      stepInputs.push(pulumi.all([args.create, args.stdin ?? "", args.delete ?? ""]));
      return new command.remote.Command(`${name}-${id}`, {
        connection, addPreviousOutputInEnv: false, ...(secretStdin ? { logging: "none" as const } : {}), ...args,
      }, { parent: this, dependsOn, deleteBeforeReplace: true, ...(secretStdin ? { additionalSecretOutputs: ["stdout", "stderr"] } : {}) });
    };

    const preflight = step("preflight", { create: preflightCommand(plan) }, []);
    const facts = preflight.stdout.apply(parsePreflight);
    const base = step("base", { create: facts.apply((f) => baseCommand(plan, f)) }, [preflight]);
    const tls = step("tls", { create: tlsCommand(plan), stdin: tlsStdin(plan) }, [base, ...(args.dnsReady ?? [])]);

    // Domains before chasquid's config: the (re)start that a new domain needs then loads its users.
    const domainSteps = args.domains.map((d) => {
      const planned = plan.domains.find((x) => x.name === d.name)!;
      return step(`domain-${d.name}`, {
        create: domainCommand(plan, d.name),
        delete: domainDeleteCommand(plan, d.name),
        stdin: pulumi.secret(pulumi.output(d.usersFile).apply((users) => domainStdin(planned, users))),
      }, [tls], true);
    });

    const dkimKeys = pulumi.all(Object.fromEntries(args.domains.map((d) => [d.name, d.dkimPrivateKeyPem])));
    const chasquid = step("chasquid", {
      create: facts.apply((f) => chasquidCommand(plan, f)),
      delete: chasquidDeleteCommand(plan),
      stdin: pulumi.secret(dkimKeys.apply((keys) => chasquidStdin(plan, keys))),
    }, [tls, ...domainSteps], true);

    // Verification re-runs whenever any step's inputs changed: its trigger is a digest of them all.
    const digest = pulumi.all(stepInputs).apply((inputs) => createHash("sha256").update(JSON.stringify(inputs)).digest("hex"));
    const verify = step("verify", {
      create: verifyCommand(plan),
      stdin: pulumi.secret(pulumi.output(args.logins).apply(verifyStdin)),
      triggers: [digest],
      logging: "stdout",
    }, [chasquid]);

    this.facts = facts;
    this.verification = verify.stdout;
    this.registerOutputs({ facts: this.facts, verification: this.verification });
  }
}
