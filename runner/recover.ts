// `npm run recover -- --stack <name>`: brings a local-world stack that an interrupted `pulumi up`
// left stuck back to a state the next `pulumi up` converges from, doing what Pulumi will not do
// by itself:
// - a checkpoint sidecar (`<stack>.json.attrs`) cut while being written is removed;
// - a lock whose `pulumi` is gone (killed, a closed laptop) is removed (`pulumi cancel`);
// - a record Cloudflare made while the engine was killed (a pending create: in Cloudflare, not in
//   the state) is removed from Cloudflare, so the next up can make it again (Cloudflare refuses an
//   identical record). It existed for seconds, made by the run that was cut; the next up makes it
//   the same. (Pulumi's `refresh --import-pending-creates` only relabels the pending operation,
//   and the refresh in 3.248 then drops it: the record stayed unknown, tried here.)
// - then every pending create is cleared (`pulumi refresh --clear-pending-creates`): the next up
//   makes them again (host steps are idempotent; keys and passwords never recorded were never used).
// Production stacks: the same commands by hand, README "When `pulumi up` was interrupted".
import { rmSync } from "node:fs";
import { PULUMI_DIR } from "../engine/engine";
import { plainExport } from "./deploy";
import { brokenCheckpointSidecars, stackLocks, staleLock } from "./recovery";

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
 * when no record or several candidates match: then nothing is removed, and the person is told.
 */
export function madeRecord(op: PendingOperation, listed: ListedRecord[]): ListedRecord | undefined {
  const inputs = op.resource.inputs ?? {};
  const unquote = (s: unknown) => String(s ?? "").replace(/^"|"$/g, "").replace(/" "/g, "");
  const same = listed.filter((r) => r.type === inputs.type && r.name.replace(/\.$/, "") === String(inputs.name).replace(/\.$/, ""))
    .filter((r) => (inputs.content === undefined ? (r.comment ?? null) === (inputs.comment ?? null) : unquote(r.content) === unquote(inputs.content)));
  return same.length === 1 ? same[0] : undefined;
}

/** What to do: the records Cloudflare made to remove, the pending creates found in Cloudflare as no single record, and whether any pending create is left to clear. */
export function recoveryPlan(pending: PendingOperation[], found: Map<string, ListedRecord | undefined>):
  { remove: { urn: string; zoneId: string; id: string }[]; clear: boolean; unmatched: string[] } {
  const creates = pending.filter((p) => p.type === "creating");
  const remove: { urn: string; zoneId: string; id: string }[] = [];
  const unmatched: string[] = [];
  for (const op of creates.filter((p) => p.resource.type === DNS_RECORD)) {
    const hit = found.get(op.resource.urn);
    if (hit) remove.push({ urn: op.resource.urn, zoneId: String(op.resource.inputs?.zoneId), id: hit.id });
    else unmatched.push(op.resource.urn);
  }
  return { remove, clear: creates.length > 0, unmatched };
}

interface Cli {
  run(args: string[]): { status: number; stdout: string; output: string };
}

/** One call of Cloudflare's API (v4 envelope); its result. */
async function cloudflare<T>(base: string, token: string, method: string, path: string): Promise<T> {
  const r = await fetch(`${base.replace(/\/$/, "")}${path}`, { method, headers: { Authorization: `Bearer ${token}` } });
  const body = await r.json() as { success: boolean; result?: T; errors?: { message: string }[] };
  if (!body.success) throw new Error(`Cloudflare ${method} ${path}: ${body.errors?.map((e) => e.message).join("; ")}`);
  return body.result as T;
}

export async function recover(cli: Cli, stack: string, log: (s: string) => void): Promise<void> {
  // 0. A checkpoint sidecar the kill left half-written.
  for (const file of brokenCheckpointSidecars(stack)) {
    log(`${file} was cut while being written (pulumi killed): removed, the checkpoint loads without it`);
    rmSync(file);
  }
  // 1. A lock whose pulumi is gone; a lock of a pulumi still running stops here.
  const locks = stackLocks(stack);
  const live = locks.filter((l) => !staleLock(l));
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
    const listed = await cloudflare<ListedRecord[]>(base, token, "GET", `/zones/${i.zoneId}/dns_records?name=${encodeURIComponent(String(i.name))}&type=${i.type}`);
    found.set(op.resource.urn, madeRecord(op, listed));
  }
  const plan = recoveryPlan(pending, found);
  for (const urn of plan.unmatched) log(`not in Cloudflare (or not as one record): ${urn}; the next up makes it`);
  for (const r of plan.remove) {
    log(`removing the record Cloudflare made for ${r.urn} (id ${r.id}): the next up makes it again`);
    await cloudflare(base, token, "DELETE", `/zones/${r.zoneId}/dns_records/${r.id}`);
  }
  if (plan.clear) {
    log("clearing the pending creates: pulumi refresh --clear-pending-creates");
    const r = cli.run(["refresh", "--stack", stack, "--yes", "--skip-preview", "--non-interactive", "--clear-pending-creates"]);
    if (r.status !== 0) throw new Error(`pulumi refresh --clear-pending-creates failed:\n${r.output}`);
  }
  log(`stack ${stack}: recovered; run the deploy again (state: ${PULUMI_DIR})`);
}
