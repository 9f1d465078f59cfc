// One deploy of the real program (index.ts) into the local world: the mock engine evaluates it, the
// provider applier applies changed resources for real (SSH to the vps, records into the world DNS),
// resources that left the program are removed, and state and outputs are written under .local/.
// Run it once per process (the program is a module, evaluated once), as `pulumi up` would.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { readWorld } from "../world/state";
import { ApplyLog, providerApplier, redact, removeResource, secretStrings } from "./apply";
import { CloudflareClient } from "./cloudflare-client";
import { localStackConfig } from "./local-stack";
import { EngineState, MockEngine, outputValue } from "./mock-engine";

export const ROOT = join(__dirname, "..");
export const LOCAL = join(ROOT, ".local");

export interface DeployOptions {
  stackFile?: string;
  stateFile?: string;
  outputsFile?: string;
  reportFile?: string;
  /** `pulumi destroy`: declare nothing, so every resource in the state is removed. */
  destroy?: boolean;
}

interface SavedState {
  /** `startedAt` of the world the resources live in. */
  world: string | undefined;
  resources: EngineState;
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

/** An export with every Output inside it resolved (secrets as plain values: outputs.json is local-only). */
async function plain(value: unknown): Promise<unknown> {
  if (pulumi.Output.isInstance(value)) return plain(await outputValue(value as pulumi.Output<unknown>));
  if (Array.isArray(value)) return Promise.all(value.map(plain));
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await plain(v)])));
  }
  return value;
}

const DESTROY = Symbol("destroy");

export async function deploy(options: DeployOptions = {}): Promise<DeployReport> {
  const stackFile = options.stackFile ?? join(ROOT, "Pulumi.local.yaml");
  const stateFile = options.stateFile ?? join(LOCAL, "state.json");
  const outputsFile = options.outputsFile ?? join(LOCAL, "outputs.json");
  const reportFile = options.reportFile ?? join(LOCAL, "deploy-report.json");
  const started = Date.now();
  const world = readWorld();
  const config = localStackConfig(stackFile, world);
  // State describes one world: a world brought up anew has none of the resources (like a new VPS
  // and a new zone), so its deploy starts from empty state.
  const saved = existsSync(stateFile) ? JSON.parse(readFileSync(stateFile, "utf8")) as SavedState : undefined;
  const state: EngineState = saved && saved.world === world.startedAt ? saved.resources : {};
  if (saved && saved.world !== world.startedAt) console.error("deploy: the world was rebuilt since the last deploy; starting from empty state");
  const previous = { ...state };
  const log: ApplyLog = { remoteCommands: [], dnsChanges: [] };
  const errors: unknown[] = [];
  const onRejection = (e: unknown) => errors.push(e);
  process.on("unhandledRejection", onRejection);
  // A failed resource leaves its dependents' outputs pending forever: stop waiting at the first
  // failure (and keep the event loop alive meanwhile, or node would exit mid-deploy).
  let failed!: (e: unknown) => void;
  const failure = new Promise<never>((_, reject) => { failed = reject; });
  failure.catch(() => undefined);
  const keepAlive = setInterval(() => undefined, 1000);
  // DNS goes through the world's Cloudflare API, as the provider's client would call Cloudflare.
  const dns = new CloudflareClient(world.cloudflare.baseUrl, String(config["cloudflare:apiToken"]));
  const zoneIds = new Map<string, string>();
  const applier = providerApplier(dns, log);

  const engine = new MockEngine({
    stack: "local",
    config: Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    secretKeys: ["mailstack:sshPrivateKey", "cloudflare:apiToken"],
    state,
    apply: async (reg, prev) => {
      try {
        return await applier(reg, prev);
      } catch (e) {
        failed(e);
        throw e;
      }
    },
    // getZone by name: answered from the ids looked up through the API before the program runs.
    invoke: (token, inputs) => {
      if (token !== "cloudflare:index/getZone:getZone") return undefined;
      const name = String((inputs.filter as { name: string }).name);
      const id = zoneIds.get(name);
      if (!id) throw new Error(`zone ${name} is not in the Cloudflare account behind cloudflare:apiToken`);
      return { id, zoneId: id, name };
    },
  });
  let outputs: Record<string, unknown> = {};
  try {
    // Zone lookups first: a refused token stops the deploy here, before anything is touched.
    for (const zone of world.dns.zones) zoneIds.set(zone, await dns.zoneId(zone));
    if (options.destroy) throw DESTROY;
    await engine.start();
    const program: Record<string, unknown> = await import("../index.js");
    const resolved = (async () => {
      await engine.settle();
      for (const [key, value] of Object.entries(program)) outputs[key] = await plain(value);
    })();
    await Promise.race([resolved, failure]);
  } catch (e) {
    if (e !== DESTROY && !errors.includes(e)) errors.push(e);
  }
  clearInterval(keepAlive);

  // Resources in the previous state that this run did not declare: removed, newest first.
  const declared = new Set(engine.registrations.map((r) => `${r.type}::${r.name}`));
  const changes: Record<string, string> = Object.fromEntries(engine.registrations.filter((r) => r.custom).map((r) => [r.name, r.change]));
  if (errors.length === 0) {
    for (const key of Object.keys(previous).reverse()) {
      if (declared.has(key)) continue;
      const [type, name] = key.split("::");
      try {
        await removeResource(type, name, previous[key], dns, log);
        delete state[key];
        changes[name] = "delete";
      } catch (e) {
        errors.push(e);
        break;
      }
    }
  }
  process.off("unhandledRejection", onRejection);

  writePrivate(stateFile, { world: world.startedAt, resources: state } satisfies SavedState);
  // A value inside a resource's name is not a secret (URNs never are): the host address in a step's
  // name stays readable although the connection it is part of is secret.
  const names = engine.registrations.map((r) => r.name);
  const secrets = [...secretStrings(Object.values(state).map((s) => s.outputs)), ...secretStrings(engine.registrations.map((r) => r.inputs))]
    .filter((s) => !names.some((n) => n.includes(s)));
  const error = errors.length > 0 ? redact(errors.map((e) => (e instanceof Error ? e.message : String(e))).join("\n"), secrets) : undefined;
  if (!error) writePrivate(outputsFile, outputs);
  const report: DeployReport = {
    ok: !error, error, durationMs: Date.now() - started, changes, remoteCommands: log.remoteCommands, dnsChanges: log.dnsChanges,
  };
  writePrivate(reportFile, report);
  return report;
}
