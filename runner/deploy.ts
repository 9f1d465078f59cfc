// One deploy of the real program (index.ts) into the local world with the real Pulumi engine:
// `pulumi up` (or `pulumi destroy`) of a stack whose config is the committed stack file plus what
// only the running world knows. The CLI, language host and plugins come from engine/; state, the
// stack files with their secrets, and the engine's event log stay under .local/pulumi.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { parse, stringify } from "yaml";
import { LOCAL_PROJECT, prepareProject, PULUMI_DIR, readyEngine, ROOT, runPulumi } from "../engine/engine";
import { readWorld } from "../world/state";
import { localStackConfig, SECRET_CONFIG_PATHS } from "./local-stack";
import { EngineEvent, summarizeEvents } from "./events";
import { recoveryAdvice, stackLocks, staleLock } from "./recovery";
import { SECRET_SIG } from "../engine/secret-wire";

export { ROOT };
export const LOCAL = join(ROOT, ".local");

export interface DeployOptions {
  /** The committed (or a test's) stack file: Pulumi.<name>.yaml. */
  stackFile?: string;
  /** The stack deployed: <name> of the stack file unless given (a variant of a stack's config). */
  stack?: string;
  outputsFile?: string;
  reportFile?: string;
  /** `pulumi destroy` instead of `pulumi up`. */
  destroy?: boolean;
  /** `pulumi preview --diff` instead of `pulumi up`: changes are the planned ones, nothing is touched. */
  preview?: boolean;
}

export interface DeployReport {
  ok: boolean;
  error?: string;
  durationMs: number;
  stack: string;
  /** What the engine did (or, for a preview, plans) per resource: see `EventSummary` in events.ts. */
  changes: Record<string, string>;
  remoteCommands: string[];
  dnsChanges: string[];
  /** What the CLI printed (for a preview: the preview a reviewer reads, its Diagnostics included). */
  output: string;
}

function writePrivate(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Where a deploy of a local stack leaves its outputs, secrets included (0600, never committed). */
export const outputsFileOf = (stack: string) => join(LOCAL, stack === "local" ? "outputs.json" : `outputs-${stack}.json`);

/** `Pulumi.<name>.yaml` → `<name>`. */
export function stackNameOf(stackFile: string): string {
  const m = /^Pulumi\.([A-Za-z0-9_.-]+)\.yaml$/.exec(basename(stackFile));
  if (!m) throw new Error(`${stackFile}: a stack file is named Pulumi.<stack>.yaml`);
  return m[1];
}

function pulumi(bin: string, args: string[], stdin?: string): { status: number; stdout: string; output: string } {
  const r = runPulumi(bin, args, { cwd: LOCAL_PROJECT, stdin });
  return { status: r.status ?? 1, stdout: r.stdout ?? "", output: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

function must(bin: string, args: string[], stdin?: string): string {
  const r = pulumi(bin, args, stdin);
  if (r.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed:\n${r.output}`);
  return r.output;
}

/**
 * The stack exists and describes this world: a world brought up anew has none of the old
 * resources (a new VPS, a new zone), so its stack starts empty, as the old deploys did.
 */
function ensureStack(bin: string, stack: string, worldStarted: string): void {
  const marker = join(PULUMI_DIR, `world-of-${stack}`);
  const known = pulumi(bin, ["stack", "select", stack]).status === 0;
  if (known && existsSync(marker) && readFileSync(marker, "utf8") === worldStarted) return;
  // The stack of an old world is discarded, and with it the locks its interrupted deploys left
  // (a lock outlives `stack rm`, and would refuse the new stack).
  for (const lock of stackLocks(stack).filter(staleLock)) rmSync(lock.file);
  if (known) {
    console.error(`deploy: the world was rebuilt since stack ${stack} last deployed; starting it anew`);
    must(bin, ["stack", "rm", stack, "--yes", "--force"]);
  }
  rmSync(join(LOCAL_PROJECT, `Pulumi.${stack}.yaml`), { force: true });
  must(bin, ["stack", "init", stack]);
  writeFileSync(marker, worldStarted);
}

/** Writes the stack's plain config into its stack file and sets its secrets through stdin. */
function writeStackConfig(bin: string, stack: string, config: Record<string, unknown>): void {
  const file = join(LOCAL_PROJECT, `Pulumi.${stack}.yaml`);
  const doc = (existsSync(file) ? parse(readFileSync(file, "utf8")) : {}) as { config?: Record<string, unknown> };
  const plain = structuredClone(config);
  const secrets: [string, string][] = [];
  for (const path of SECRET_CONFIG_PATHS) {
    const [key, field] = path.split(".");
    const holder = (field === undefined ? plain : plain[key]) as Record<string, unknown> | undefined;
    const name = field ?? key;
    if (holder === undefined || typeof holder !== "object" || holder[name] === undefined) continue;
    secrets.push([path, String(holder[name])]);
    delete holder[name];
  }
  doc.config = plain;
  writeFileSync(file, stringify(doc), { mode: 0o600 });
  for (const [path, value] of secrets) {
    must(bin, ["config", "set", "--secret", ...(path.includes(".") ? ["--path"] : []), "--stack", stack, path], value);
  }
}

function readEvents(file: string): EngineEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as EngineEvent);
}

/** What a person needs when it failed: the CLI's Diagnostics (every error), else its last lines. */
export function failureText(output: string): string {
  const lines = output.split("\n").filter((l) => !/^\s*(@ |\s*$)/.test(l));
  const start = lines.indexOf("Diagnostics:");
  if (start < 0) return lines.slice(-80).join("\n");
  const end = lines.findIndex((l, i) => i > start && /^[A-Z][A-Za-z ]*:$/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/** A stack's resources with their inputs and outputs, secrets in plain text (tests and benchmarks read them). */
export interface StackResource {
  type: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** `pulumi stack export --show-secrets` writes a secret as `{ <sig>: <secret>, plaintext: "<JSON>" }`. */
export function plainExport(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plainExport);
  if (typeof v !== "object" || v === null) return v;
  const o = v as Record<string, unknown>;
  if (o[SECRET_SIG] !== undefined && typeof o.plaintext === "string") return plainExport(JSON.parse(o.plaintext));
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, plainExport(x)]));
}

/** The stack's custom resources keyed `<type>::<name>`. */
export function stackResources(stack = "local"): Record<string, StackResource> {
  const bin = readyEngine();
  prepareProject();
  const r = pulumi(bin, ["stack", "export", "--stack", stack, "--show-secrets"]);
  if (r.status !== 0) throw new Error(`pulumi stack export --stack ${stack} failed:\n${r.output}`);
  const deployment = (plainExport(JSON.parse(r.stdout)) as { deployment: { resources?: (StackResource & { urn: string; custom?: boolean })[] } }).deployment;
  return Object.fromEntries((deployment.resources ?? []).filter((x) => x.custom && !x.type.startsWith("pulumi:"))
    .map((x) => [`${x.type}::${x.urn.slice(x.urn.lastIndexOf("::") + 2)}`, { type: x.type, inputs: x.inputs ?? {}, outputs: x.outputs ?? {} }]));
}

export async function deploy(options: DeployOptions = {}): Promise<DeployReport> {
  const stackFile = options.stackFile ?? join(ROOT, "Pulumi.local.yaml");
  const stack = options.stack ?? stackNameOf(stackFile);
  const outputsFile = options.outputsFile ?? outputsFileOf(stack);
  const reportFile = options.reportFile ?? join(LOCAL, "deploy-report.json");
  const started = Date.now();
  const world = readWorld();
  const config = localStackConfig(stackFile, world);
  const bin = readyEngine();
  prepareProject();
  ensureStack(bin, stack, world.startedAt ?? "");
  writeStackConfig(bin, stack, config);

  const eventLog = join(PULUMI_DIR, `events-${stack}.jsonl`);
  rmSync(eventLog, { force: true });
  const verb = options.preview ? ["preview", "--diff"] : [options.destroy ? "destroy" : "up", "--yes", "--skip-preview"];
  const run = pulumi(bin, [...verb, "--stack", stack, "--non-interactive", "--event-log", eventLog]);
  const summary = summarizeEvents(readEvents(eventLog), options.preview);
  let error = run.status === 0 ? undefined : failureText(run.output);
  const advice = error === undefined ? undefined : recoveryAdvice(run.output, stack);
  if (advice) error = `${error}\n${advice}`;
  if (!error && !options.destroy && !options.preview) {
    const out = pulumi(bin, ["stack", "output", "--stack", stack, "--json", "--show-secrets"]);
    if (out.status === 0) writePrivate(outputsFile, JSON.parse(out.stdout));
    else error = `pulumi stack output failed:\n${out.output}`;
  }
  // A preview with --diff prints its Diagnostics (warnings, the rotation's phase) on stderr.
  const report: DeployReport = { ok: !error, error, durationMs: Date.now() - started, stack, ...summary, output: options.preview ? run.output : run.stdout };
  writePrivate(reportFile, report);
  return report;
}
