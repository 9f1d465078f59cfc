// The stack outputs the doctor works from (index.ts), and what it derives from them: hosts with
// their planned addresses, mail domains, DKIM records, users.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import type { DnsRecordPlan } from "../plans/dns";
import type { SmtpSettings } from "../program";

export interface StackOutputs {
  records: DnsRecordPlan[];
  smtp: SmtpSettings[];
  /** address → password (secret; never printed). */
  smtpPasswords: Record<string, string>;
  dkim: Record<string, { selector: string; recordName: string }>;
  /** Per domain with a DKIM rotation under way (program.ts): phase, signing selector, what comes next. */
  dkimRotation?: Record<string, DkimRotationTarget>;
  hosts: Record<string, unknown>;
  warnings?: string[];
}

export interface HostTarget {
  name: string;
  ipv4: string[];
  ipv6: string[];
  /** The host's verification report of the last `pulumi up` (verify.sh's ok/FAIL lines), when the outputs have one. */
  verification?: string;
}

export interface DomainTarget {
  name: string;
  dkimSelector: string;
  dkimRecordName: string;
}

export interface DkimRotationTarget {
  phase: string;
  signingSelector: string;
  next: string;
}

export interface Targets {
  hosts: HostTarget[];
  domains: DomainTarget[];
  users: { address: string; password: string }[];
  records: DnsRecordPlan[];
  /** Domain → its DKIM rotation under way. */
  rotations: Record<string, DkimRotationTarget>;
}

export function targetsOf(o: StackOutputs): Targets {
  const records = o.records ?? [];
  const hostNames = Object.keys(o.hosts ?? {});
  const names = hostNames.length > 0 ? hostNames : [...new Set(records.filter((r) => r.type === "A").map((r) => r.name))];
  const hosts = names.map((name): HostTarget => {
    const verification = (o.hosts?.[name] as { verification?: unknown } | undefined)?.verification;
    return {
      name,
      ipv4: records.filter((r) => r.type === "A" && r.name === name).map((r) => r.content),
      ipv6: records.filter((r) => r.type === "AAAA" && r.name === name).map((r) => r.content),
      ...(typeof verification === "string" ? { verification } : {}),
    };
  });
  const domains = Object.entries(o.dkim ?? {}).map(([name, d]) => ({ name, dkimSelector: d.selector, dkimRecordName: d.recordName }));
  const users = (o.smtp ?? []).map((s) => ({ address: s.address, password: o.smtpPasswords?.[s.address] ?? "" }));
  return { hosts, domains, users, records, rotations: o.dkimRotation ?? {} };
}

export function parseOutputs(text: string, source: string): StackOutputs {
  let o: StackOutputs;
  try {
    o = JSON.parse(text) as StackOutputs;
  } catch (e) {
    throw new Error(`${source}: not JSON (${(e as Error).message})`);
  }
  const missing = ["records", "smtp", "smtpPasswords", "dkim", "hosts"].filter((k) => !(k in (o as object)));
  if (missing.length > 0) throw new Error(`${source}: missing stack outputs ${missing.join(", ")}; run pulumi up (or the local deploy) first`);
  return o;
}

export function readOutputsFile(file: string): StackOutputs {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`cannot read ${file} (for --stack local: deploy the local stack first)`);
  }
  return parseOutputs(text, file);
}

/** `pulumi stack output --json --show-secrets --stack NAME` (the passwords stay in memory). */
export function pulumiOutputs(stack: string): StackOutputs {
  const r = spawnSync("pulumi", ["stack", "output", "--json", "--show-secrets", "--stack", stack], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw new Error(`cannot run pulumi (${r.error.message}); install the Pulumi CLI or use --stack local`);
  if (r.status !== 0) throw new Error(`pulumi stack output --stack ${stack} failed: ${r.stderr.trim()}`);
  return parseOutputs(r.stdout, `pulumi stack output --stack ${stack}`);
}
