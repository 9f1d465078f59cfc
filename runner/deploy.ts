// One deploy of the real program (index.ts) into the local world: the mock engine evaluates it, the
// provider applier applies changed resources for real (SSH to the vps, records into the world DNS),
// resources that left the program are removed, and state and outputs are written under .local/.
// Run it once per process (the program is a module, evaluated once), as `pulumi up` would.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as worldDns from "../world/dns";
import { readWorld } from "../world/state";
import { ApplyLog, providerApplier, redact, removeResource, secretStrings } from "./apply";
import { localStackConfig } from "./local-stack";
import { EngineState, MockEngine } from "./mock-engine";

export const ROOT = join(__dirname, "..");
export const LOCAL = join(ROOT, ".local");

export interface DeployOptions {
  stackFile?: string;
  stateFile?: string;
  outputsFile?: string;
  reportFile?: string;
}

export interface DeployReport {
  ok: boolean;
  error?: string;
  durationMs: number;
  /** What a real engine would do per resource: create, update, replace, same, delete. */
  changes: Record<string, string>;
  remoteCommands: string[];
  dnsChanges: string[];
}

function writePrivate(file: string, data: unknown): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

export async function deploy(options: DeployOptions = {}): Promise<DeployReport> {
  const stackFile = options.stackFile ?? join(ROOT, "Pulumi.local.yaml");
  const stateFile = options.stateFile ?? join(LOCAL, "state.json");
  const outputsFile = options.outputsFile ?? join(LOCAL, "outputs.json");
  const reportFile = options.reportFile ?? join(LOCAL, "deploy-report.json");
  const started = Date.now();
  const world = readWorld();
  const config = localStackConfig(stackFile, world);
  const state: EngineState = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) : {};
  const previous = { ...state };
  const log: ApplyLog = { remoteCommands: [], dnsChanges: [] };
  const errors: unknown[] = [];
  const onRejection = (e: unknown) => errors.push(e);
  process.on("unhandledRejection", onRejection);

  const engine = new MockEngine({
    stack: "local",
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    secretKeys: ["mailstack:sshPrivateKey", "cloudflare:apiToken"],
    state,
    apply: providerApplier(worldDns, log),
    // In the world a zone's id is its name.
    invoke: (token, inputs) => token === "cloudflare:index/getZone:getZone"
      ? { id: String((inputs.filter as { name: string }).name), zoneId: String((inputs.filter as { name: string }).name) }
      : undefined,
  });
  let outputs: Record<string, unknown> = {};
  try {
    await engine.start();
    const program: Record<string, unknown> = await import("../index.js");
    await engine.settle();
    for (const [key, value] of Object.entries(program)) {
      outputs[key] = pulumi.Output.isInstance(value) ? await (value as unknown as { promise(): Promise<unknown> }).promise() : value;
    }
    outputs = JSON.parse(JSON.stringify(outputs, (_k, v) => (pulumi.Output.isInstance(v) ? undefined : v)));
  } catch (e) {
    errors.push(e);
  }
  await engine.settle().catch((e) => errors.push(e));

  // Resources in the previous state that this run did not declare: removed, newest first.
  const declared = new Set(engine.registrations.map((r) => `${r.type}::${r.name}`));
  const changes: Record<string, string> = Object.fromEntries(engine.registrations.filter((r) => r.custom).map((r) => [r.name, r.change]));
  if (errors.length === 0) {
    for (const key of Object.keys(previous).reverse()) {
      if (declared.has(key)) continue;
      const [type, name] = key.split("::");
      try {
        await removeResource(type, name, previous[key], worldDns, log);
        delete state[key];
        changes[name] = "delete";
      } catch (e) {
        errors.push(e);
        break;
      }
    }
  }
  process.off("unhandledRejection", onRejection);

  writePrivate(stateFile, state);
  const secrets = [...secretStrings(Object.values(state).map((s) => s.outputs)), ...secretStrings(engine.registrations.map((r) => r.inputs))];
  const error = errors.length > 0 ? redact(errors.map((e) => (e instanceof Error ? e.message : String(e))).join("\n"), secrets) : undefined;
  if (!error) writePrivate(outputsFile, outputs);
  const report: DeployReport = {
    ok: !error, error, durationMs: Date.now() - started, changes, remoteCommands: log.remoteCommands, dnsChanges: log.dnsChanges,
  };
  writePrivate(reportFile, report);
  return report;
}
