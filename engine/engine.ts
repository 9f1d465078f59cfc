// The real Pulumi engine, as every tool around the program runs it: the CLI, language host and
// provider plugins that engine/build.sh builds (cached outside the repository), the plugins
// registered under the exact versions the npm SDKs ask for, and one environment for every call.
// Never imported by the program.
import { spawnSync, SpawnSyncReturns } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { parse, stringify } from "yaml";
import { join } from "node:path";

export const ROOT = join(__dirname, "..");
/** PULUMI_HOME (plugins, login), the local state backend and its passphrase: this checkout's own. */
export const PULUMI_DIR = join(ROOT, ".local", "pulumi");
/** The project the CLI runs from: the repository's Pulumi.yaml and index.ts, stack files of its own
 * (the local world's stacks hold values and secrets that are never committed). */
export const LOCAL_PROJECT = join(PULUMI_DIR, "project");
export const VERSIONS = JSON.parse(readFileSync(join(__dirname, "versions.json"), "utf8")) as Record<string, string>;

/** The bridged plugins built from Go, and the command plugin (engine/command-provider). */
const BUILT_PLUGINS = ["random", "tls", "cloudflare"] as const;

/** Builds the engine if its cache has no build of this tree (cold: about 25 min) and returns its bin folder. */
export function engineBin(): string {
  const r = spawnSync("bash", [join(__dirname, "build.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  if (r.status !== 0) throw new Error(`engine/build.sh failed (exit ${r.status}): see its output above`);
  return r.stdout.trim().split("\n").pop() as string;
}

/** The bin folder of a finished build of this tree, without building (undefined when there is none). */
export function builtEngineBin(): string | undefined {
  const r = spawnSync("bash", [join(__dirname, "build.sh"), "--check"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

function passphraseFile(): string {
  const file = join(PULUMI_DIR, "passphrase");
  if (!existsSync(file)) {
    mkdirSync(PULUMI_DIR, { recursive: true, mode: 0o700 });
    writeFileSync(file, randomBytes(24).toString("base64url"), { mode: 0o600 });
  }
  return file;
}

/** The environment of every CLI call: no update check, no download, this checkout's home and passphrase. */
export function engineEnv(bin: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    PULUMI_HOME: join(PULUMI_DIR, "home"),
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    // Unlocks --event-log (the engine's events as JSON lines), as Pulumi's Automation API does.
    PULUMI_DEBUG_COMMANDS: "true",
    // The caller's passphrase wins; else this checkout's own, in a 0600 file.
    ...(process.env.PULUMI_CONFIG_PASSPHRASE || process.env.PULUMI_CONFIG_PASSPHRASE_FILE ? {} : { PULUMI_CONFIG_PASSPHRASE_FILE: passphraseFile() }),
    ...extra,
  };
}

export interface RunOptions {
  cwd?: string;
  /** Given on stdin (how secrets reach `pulumi config set`). */
  stdin?: string;
  /** Stream the CLI's output to this process's (it is still returned when not shown). */
  show?: boolean;
  env?: NodeJS.ProcessEnv;
}

export function runPulumi(bin: string, args: string[], opts: RunOptions = {}): SpawnSyncReturns<string> {
  return spawnSync(join(bin, "pulumi"), args, {
    cwd: opts.cwd ?? ROOT, env: engineEnv(bin, opts.env), encoding: "utf8", input: opts.stdin,
    stdio: [opts.stdin === undefined ? "ignore" : "pipe", opts.show ? "inherit" : "pipe", opts.show ? "inherit" : "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
}

/** The command plugin: a script that starts engine/command-provider with this checkout's node_modules. */
export function commandPluginScript(root = ROOT): string {
  return [
    "#!/bin/sh",
    "# The command provider plugin (engine/command-provider/main.ts), started by the Pulumi engine.",
    `cd '${root}' || exit 1`,
    "exec node --import tsx engine/command-provider/main.ts \"$@\"",
    "",
  ].join("\n");
}

function fingerprint(files: string[]): string {
  const h = createHash("sha256");
  for (const f of files) h.update(f).update(readFileSync(f));
  return h.digest("hex");
}

/**
 * Registers each plugin under the version its SDK asks for (`pulumi plugin install --file`), so the
 * engine never looks on PATH or the network. Re-registers when a binary changed.
 */
export function installPlugins(bin: string): void {
  const scriptFile = join(PULUMI_DIR, "pulumi-resource-command");
  mkdirSync(PULUMI_DIR, { recursive: true, mode: 0o700 });
  writeFileSync(scriptFile, commandPluginScript());
  chmodSync(scriptFile, 0o755);
  const built = join(bin, "..", "plugins");
  const plugins: [string, string][] = [...BUILT_PLUGINS.map((p) => [p, join(built, `pulumi-resource-${p}`)] as [string, string]), ["command", scriptFile]];
  const marker = join(PULUMI_DIR, "plugins.sha256");
  const want = fingerprint(plugins.map(([, f]) => f));
  if (existsSync(marker) && readFileSync(marker, "utf8") === want) return;
  for (const [name, file] of plugins) {
    const r = runPulumi(bin, ["plugin", "install", "resource", name, VERSIONS[name], "--file", file, "--reinstall"]);
    if (r.status !== 0) throw new Error(`registering the ${name} plugin failed: ${r.stderr}`);
  }
  writeFileSync(marker, want);
}

/** The built engine, its plugins registered, logged in to this checkout's state folder unless a login exists. */
export function readyEngine(): string {
  const bin = engineBin();
  installPlugins(bin);
  if (runPulumi(bin, ["whoami"]).status !== 0) {
    const state = join(PULUMI_DIR, "state");
    mkdirSync(state, { recursive: true, mode: 0o700 });
    const r = runPulumi(bin, ["login", `file://${state}`]);
    if (r.status !== 0) throw new Error(`pulumi login file://${state} failed: ${r.stderr}`);
  }
  return bin;
}

/** The local project: Pulumi.yaml with `main` pointing at the repository's index.ts, and its node_modules. */
export function prepareProject(): void {
  mkdirSync(LOCAL_PROJECT, { recursive: true, mode: 0o700 });
  const project = parse(readFileSync(join(ROOT, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
  project.main = join(ROOT, String(project.main ?? "index.ts"));
  writeFileSync(join(LOCAL_PROJECT, "Pulumi.yaml"), stringify(project));
  // The program's packages, and its package.json (without it the language host warns in every run).
  for (const entry of ["node_modules", "package.json"]) {
    if (!existsSync(join(LOCAL_PROJECT, entry))) symlinkSync(join(ROOT, entry), join(LOCAL_PROJECT, entry));
  }
}
