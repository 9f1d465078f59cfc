// `npm run recover -- --stack <name>`: brings a local-world stack that an interrupted `pulumi up`
// left stuck back to a state the next `pulumi up` converges from, doing what Pulumi will not do
// by itself:
// - a lock whose `pulumi` is gone (killed, a closed laptop) is removed (`pulumi cancel`);
// - a record Cloudflare made while the engine was killed (a pending create: in Cloudflare, not in
//   the state) is imported into the state (`pulumi refresh --import-pending-creates <urn> <id>`),
//   so the next up does not make it twice (Cloudflare refuses an identical record);
// - other pending creates are cleared (`--clear-pending-creates`): the next up makes them again
//   (host steps are idempotent; keys and passwords never recorded were never used).
// Production stacks: the same commands by hand, README "When `pulumi up` was interrupted".
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PULUMI_DIR } from "../engine/engine";
import { plainExport } from "./deploy";
import { pulumiAlive } from "./recovery";

/** One pending operation of `pulumi stack export`, secrets in plain text. */
export interface PendingOperation {
  type: string;
  resource: { urn: string; type: string; inputs?: Record<string, unknown> };
}

/** A Cloudflare record as the API lists it. */
export interface ListedRecord {
  id: string;
  name: string;
  type: string;
  content?: string;
  comment?: string | null;
}

export const DNS_RECORD = "cloudflare:index/dnsRecord:DnsRecord";

/**
 * The Cloudflare record that a pending create of a DnsRecord made, among those of its name and
 * type: the one with the same content (or, for data records such as SRV, the same comment). None
 * when no record or several candidates match: then it is not imported, and the person is told.
 */
export function madeRecord(op: PendingOperation, listed: ListedRecord[]): ListedRecord | undefined {
  const inputs = op.resource.inputs ?? {};
  const unquote = (s: unknown) => String(s ?? "").replace(/^"|"$/g, "").replace(/" "/g, "");
  const same = listed.filter((r) => r.type === inputs.type && r.name.replace(/\.$/, "") === String(inputs.name).replace(/\.$/, ""))
    .filter((r) => (inputs.content === undefined ? (r.comment ?? null) === (inputs.comment ?? null) : unquote(r.content) === unquote(inputs.content)));
  return same.length === 1 ? same[0] : undefined;
}

/**
 * The refresh arguments: records to import (URN, id, URN, id, …: each one value of the
 * `--import-pending-creates` flag), and whether other pending creates remain to clear.
 */
export function recoveryPlan(pending: PendingOperation[], found: Map<string, ListedRecord | undefined>): { imports: string[]; clear: boolean; unmatched: string[] } {
  const creates = pending.filter((p) => p.type === "creating");
  const imports: string[] = [];
  const unmatched: string[] = [];
  for (const op of creates.filter((p) => p.resource.type === DNS_RECORD)) {
    const hit = found.get(op.resource.urn);
    if (hit) imports.push(op.resource.urn, hit.id);
    else unmatched.push(op.resource.urn);
  }
  // Pending creates left after the imports (host steps, keys, records not found) are cleared.
  return { imports, clear: creates.length - imports.length / 2 > 0, unmatched };
}

interface Cli {
  run(args: string[]): { status: number; stdout: string; output: string };
}

async function listRecords(base: string, token: string, zoneId: string, name: string, type: string): Promise<ListedRecord[]> {
  const r = await fetch(`${base.replace(/\/$/, "")}/zones/${zoneId}/dns_records?name=${encodeURIComponent(name)}&type=${type}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const body = await r.json() as { success: boolean; result?: ListedRecord[]; errors?: { message: string }[] };
  if (!body.success) throw new Error(`Cloudflare: ${body.errors?.map((e) => e.message).join("; ")}`);
  return body.result ?? [];
}

/** Locks of the stack in the local state (`.pulumi/locks/…/<stack>/*.json`), with their pid and host. */
export function stackLocks(stack: string, stateDir = join(PULUMI_DIR, "state")): { file: string; pid: number; host: string }[] {
  const dir = join(stateDir, ".pulumi", "locks", "organization", "mailstack", stack);
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(".json")).map((f) => {
    const lock = JSON.parse(readFileSync(join(dir, f), "utf8")) as Record<string, unknown>;
    return { file: join(dir, f), pid: Number(lock.pid ?? lock.Pid), host: String(lock.hostname ?? lock.Hostname) };
  });
}

export async function recover(cli: Cli, stack: string, log: (s: string) => void): Promise<void> {
  // 1. A lock whose pulumi is gone; a lock of a pulumi still running stops here.
  const locks = stackLocks(stack);
  const live = locks.filter((l) => l.host !== hostname() || pulumiAlive(l.pid));
  if (live.length > 0) throw new Error(`stack ${stack} is locked by pulumi pid ${live[0].pid} on ${live[0].host}, still running (or on another machine): wait for it`);
  if (locks.length > 0) {
    log(`stack ${stack} is locked by an interrupted deploy (pulumi pid ${locks[0].pid} is gone): pulumi cancel`);
    const c = cli.run(["cancel", "--stack", stack, "--yes"]);
    if (c.status !== 0) throw new Error(`pulumi cancel failed:\n${c.output}`);
  }
  const probe = cli.run(["stack", "export", "--stack", stack, "--show-secrets"]);
  if (probe.status !== 0) throw new Error(`pulumi stack export --stack ${stack} failed:\n${probe.output}`);
  // 2. Pending creates.
  const state = plainExport(JSON.parse(probe.stdout)) as { deployment: { pending_operations?: PendingOperation[] } };
  const pending = state.deployment.pending_operations ?? [];
  if (pending.length === 0) {
    log(`stack ${stack}: no pending operation`);
    return;
  }
  for (const p of pending) log(`pending: ${p.type} ${p.resource.urn}`);
  const config = JSON.parse(cli.run(["config", "--stack", stack, "--show-secrets", "--json"]).stdout) as Record<string, { value: string }>;
  const base = config["cloudflare:baseUrl"]?.value ?? "https://api.cloudflare.com/client/v4";
  const token = config["cloudflare:apiToken"]?.value ?? process.env.CLOUDFLARE_API_TOKEN ?? "";
  const found = new Map<string, ListedRecord | undefined>();
  for (const op of pending.filter((p) => p.type === "creating" && p.resource.type === DNS_RECORD)) {
    const i = op.resource.inputs ?? {};
    found.set(op.resource.urn, madeRecord(op, await listRecords(base, token, String(i.zoneId), String(i.name), String(i.type))));
  }
  const plan = recoveryPlan(pending, found);
  for (const urn of plan.unmatched) log(`not in Cloudflare (or not one record): ${urn}; the next up makes it`);
  if (plan.imports.length > 0) {
    log(`importing ${plan.imports.length / 2} record(s) Cloudflare made: pulumi refresh --import-pending-creates`);
    const r = cli.run(["refresh", "--stack", stack, "--yes", "--skip-preview", "--non-interactive", ...plan.imports.flatMap((v) => ["--import-pending-creates", v])]);
    if (r.status !== 0) throw new Error(`pulumi refresh --import-pending-creates failed:\n${r.output}`);
  }
  if (plan.clear) {
    log("clearing the other pending creates: pulumi refresh --clear-pending-creates");
    const r = cli.run(["refresh", "--stack", stack, "--yes", "--skip-preview", "--non-interactive", "--clear-pending-creates"]);
    if (r.status !== 0) throw new Error(`pulumi refresh --clear-pending-creates failed:\n${r.output}`);
  }
  log(`stack ${stack}: recovered; run the deploy again (state: ${PULUMI_DIR})`);
}
