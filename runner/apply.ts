// Applies the program's resources the way their providers would, against real hosts and a DNS
// server with Cloudflare's record semantics: remote.Command over SSH, cloudflare.DnsRecord into DNS.
// Keys and random values come from the mock engine itself (runner/mock-engine.ts).
import type { Applier, Registration, StateEntry } from "./mock-engine";
import { isSecretWire, unwrapSecrets } from "./mock-engine";
import { spawn } from "node:child_process";
import { sshExec, SshTarget } from "../world/ssh";
import { CloudflareApiError, CloudflareClient, CloudflareRecordInput } from "./cloudflare-client";

export interface ApplyLog {
  /** Remote commands run (create, update and delete texts), by resource name. */
  remoteCommands: string[];
  dnsChanges: string[];
}

export class CommandFailed extends Error {}

type Inputs = Record<string, unknown>;

/** Replaces every secret value by `[secret]` (messages may quote command output). */
export function redact(text: string, secrets: string[]): string {
  return secrets.filter((s) => s.length >= 8).reduce((t, s) => t.split(s).join("[secret]"), text);
}

/** Plain strings that the engine holds as secrets anywhere in `v`. */
export function secretStrings(v: unknown, inSecret = false, out: string[] = []): string[] {
  if (isSecretWire(v)) return secretStrings(v.value, true, out);
  if (typeof v === "string") {
    if (inSecret) out.push(v, ...v.split("\n").filter((l) => l.length >= 16));
  } else if (Array.isArray(v)) v.forEach((x) => secretStrings(x, inSecret, out));
  else if (typeof v === "object" && v !== null) Object.values(v).forEach((x) => secretStrings(x, inSecret, out));
  return out;
}

function dnsInput(inputs: Inputs): CloudflareRecordInput {
  const i = unwrapSecrets(inputs) as Inputs;
  return {
    zoneId: String(i.zoneId), name: String(i.name), type: String(i.type), content: String(i.content), ttl: Number(i.ttl),
    ...(i.priority !== undefined ? { priority: Number(i.priority) } : {}),
    ...(typeof i.proxied === "boolean" ? { proxied: i.proxied } : {}),
    ...(typeof i.comment === "string" ? { comment: i.comment } : {}),
  };
}

async function runCommand(name: string, inputs: Inputs, text: string, log: ApplyLog, what: string): Promise<{ stdout: string; stderr: string }> {
  const plain = unwrapSecrets(inputs) as Inputs;
  const c = plain.connection as SshTarget;
  if (plain.environment && Object.keys(plain.environment as object).length > 0) {
    throw new CommandFailed(`${name}: environment is not supported here (stock sshd refuses unknown variables)`);
  }
  log.remoteCommands.push(`${what} ${name}`);
  const started = Date.now();
  process.stderr.write(`  ${what.padEnd(7)} ${name} ...\n`);
  const result = await sshExec(c, text, { stdin: typeof plain.stdin === "string" ? plain.stdin : "" });
  process.stderr.write(`  ${what.padEnd(7)} ${name}: exit ${result.code} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  if (result.code !== 0) {
    const output = `${result.stdout}${result.stderr}`;
    // The provider's own format: the command text, then the combined output.
    // The resource name is not secret (a URN never is), even where it holds a value that is.
    const detail = `${what} exited ${result.code}: running ${JSON.stringify(text.split("\n")[1] ?? text)}...:\n${output}`;
    throw new CommandFailed(`${name}: ${redact(detail, secretStrings(inputs))}`);
  }
  return { stdout: result.stdout.replace(/\n$/, ""), stderr: result.stderr.replace(/\n$/, "") };
}

/** Undoes a resource that left the program (or before it is replaced). */
export async function removeResource(type: string, name: string, previous: StateEntry, dns: CloudflareClient, log: ApplyLog): Promise<void> {
  if (type === "command:remote:Command") {
    const del = (unwrapSecrets(previous.inputs) as Inputs).delete;
    if (typeof del === "string") await runCommand(name, { ...previous.inputs, stdin: undefined }, del, log, "delete");
  } else if (type === "cloudflare:index/dnsRecord:DnsRecord") {
    const r = dnsInput(previous.inputs);
    await dns.deleteRecord(r.zoneId, String(previous.outputs.id));
    log.dnsChanges.push(`- ${r.type} ${r.name} ${r.content}`);
  }
}

/** command.local.Command: the text run by bash on this machine (the one deploying). */
async function runLocal(name: string, text: string, log: ApplyLog, what: string): Promise<{ stdout: string; stderr: string }> {
  log.remoteCommands.push(`${what} ${name} (local)`);
  process.stderr.write(`  ${what.padEnd(7)} ${name} (here) ...\n`);
  const child = spawn("bash", ["-c", text], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => { stdout += b.toString(); });
  child.stderr.on("data", (b: Buffer) => { stderr += b.toString(); });
  const code = await new Promise<number>((resolve) => child.on("close", (c) => resolve(c ?? 1)));
  if (code !== 0) throw new CommandFailed(`${name}: ${what} exited ${code}:\n${stdout}${stderr}`);
  return { stdout: stdout.replace(/\n$/, ""), stderr: stderr.replace(/\n$/, "") };
}

export function providerApplier(dns: CloudflareClient, log: ApplyLog): Applier {
  return async (reg: Omit<Registration, "outputs">, previous) => {
    if (reg.type === "command:local:Command") {
      const text = (unwrapSecrets(reg.inputs) as Inputs).create;
      return typeof text === "string" ? runLocal(reg.name, text, log, reg.change) : { stdout: "", stderr: "" };
    }
    if (reg.type === "command:remote:Command") {
      if (reg.change === "replace" && previous) await removeResource(reg.type, reg.name, previous, dns, log);
      const i = unwrapSecrets(reg.inputs) as Inputs;
      const text = reg.change === "update" && typeof i.update === "string" ? i.update : i.create;
      if (typeof text !== "string") return { stdout: "", stderr: "" };
      return runCommand(reg.name, reg.inputs, text, log, reg.change);
    }
    if (reg.type === "cloudflare:index/dnsRecord:DnsRecord") {
      // As the provider: an update is a PUT of the record (same id); a replace deletes, then creates.
      const r = dnsInput(reg.inputs);
      if (reg.change === "update" && previous?.outputs.id) {
        await dns.updateRecord(String(previous.outputs.id), r);
        log.dnsChanges.push(`~ ${r.type} ${r.name} ${r.content}`);
        return { ...reg.inputs, id: previous.outputs.id };
      }
      if (previous) await removeResource(reg.type, reg.name, previous, dns, log);
      let id: string;
      try {
        id = await dns.createRecord(r);
      } catch (e) {
        // A deploy that died before saving its state left the record behind: adopt it (81058).
        if (!(e instanceof CloudflareApiError && e.codes.includes(81058))) throw e;
        id = await dns.findRecord(r);
      }
      log.dnsChanges.push(`+ ${r.type} ${r.name} ${r.content}`);
      return { ...reg.inputs, id };
    }
    return {};
  };
}
