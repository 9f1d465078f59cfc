// A deploy in its own process that a test watches step by step and interrupts: the engine's event
// log announces each step as it starts, so a fault lands in the middle of the step it is meant for.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { engineBin, PULUMI_DIR } from "../../engine/engine";
import type { EngineEvent } from "../../runner/events";
import { DeployReport, LOCAL, ROOT } from "../../runner/deploy";
import { sleep } from "./support";

export interface RunningDeploy {
  /** Resolves when the engine starts the step named (the last part of its URN); rejects when the deploy ends first. */
  stepStarted(name: string, timeoutMs?: number): Promise<void>;
  /** Whether the engine has finished the step (done or failed). */
  stepEnded(name: string): boolean;
  /** Resolves when `check` holds (polled every 20 ms); rejects when the deploy ends first. */
  until(what: string, check: () => boolean | Promise<boolean>, timeoutMs?: number): Promise<void>;
  /** Signals the `pulumi` CLI of this deploy; with `tree`, its plugins and the program too. */
  signalPulumi(signal: NodeJS.Signals, tree?: boolean): void;
  /** The deploy's report, once its process ended. */
  done: Promise<DeployReport & { output: string }>;
}

/** Children of a process, forked by any of its threads (the Go CLI starts plugins from several). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim().split(/\s+/))
      .filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const descendants = (pid: number): number[] => childrenOf(pid).flatMap((c) => [c, ...descendants(c)]);

function argvOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/** Whether the event is of the named resource's operation that does its work (a replacement's create, not the delete of the original). */
function running(metadata: { op: string; urn: string } | undefined, name: string): boolean {
  return metadata !== undefined && metadata.urn.endsWith(`::${name}`) && ["create", "update", "create-replacement"].includes(metadata.op);
}

export function startDeploy(stackFile?: string, extra: string[] = []): RunningDeploy {
  const eventLog = join(PULUMI_DIR, "events-local.jsonl");
  const reportFile = join(LOCAL, "deploy-report.json");
  for (const f of [eventLog, reportFile]) rmSync(f, { force: true });
  const child = spawn(join(ROOT, "node_modules", ".bin", "tsx"),
    [join(ROOT, "runner/deploy-cli.ts"), ...(stackFile ? ["--stack-file", stackFile] : []), "--stack", "local", ...extra],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (b: Buffer) => { output += b.toString(); });
  child.stderr.on("data", (b: Buffer) => { output += b.toString(); });
  let ended = false;
  const done = new Promise<DeployReport & { output: string }>((resolve) => {
    child.on("close", (code) => {
      ended = true;
      // A deploy whose engine was killed may not have written its report.
      const report: DeployReport = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, "utf8")) as DeployReport
        : { ok: false, error: `the deploy process ended with ${code} and no report`, durationMs: 0, stack: "local", changes: {}, remoteCommands: [], dnsChanges: [], output: "" };
      resolve({ ...report, ok: report.ok && code === 0, output });
    });
  });
  const events = (): EngineEvent[] => {
    if (!existsSync(eventLog)) return [];
    const lines = readFileSync(eventLog, "utf8").split("\n");
    return lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as EngineEvent];
      } catch {
        return []; // the line being written
      }
    });
  };
  const until = async (what: string, check: () => boolean | Promise<boolean>, timeoutMs = 300_000) => {
    const end = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (ended) throw new Error(`the deploy ended before ${what}:\n${output}`);
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  };
  const pulumiPid = () => descendants(child.pid!).find((p) => {
    const argv = argvOf(p);
    return argv[0] === join(engineBin(), "pulumi") && ["up", "destroy"].includes(argv[1]);
  });
  return {
    done,
    until,
    stepEnded: (name) => events().some((e) => running((e.resOutputsEvent ?? e.resOpFailedEvent)?.metadata, name)),
    stepStarted: (name, timeoutMs) => until(`step ${name}`, () => events().some((e) => running(e.resourcePreEvent?.metadata, name)), timeoutMs),
    signalPulumi(signal, tree = false) {
      const pid = pulumiPid();
      if (pid === undefined) throw new Error("no pulumi process to signal");
      for (const p of tree ? [pid, ...descendants(pid)] : [pid]) {
        try {
          process.kill(p, signal);
        } catch {
          /* gone meanwhile */
        }
      }
    },
  };
}

/** Plugins of this checkout that outlived their engine (none should); returns those it ended. */
export function endOrphanedPlugins(): number[] {
  const orphans = readdirSync("/proc").filter((e) => /^\d+$/.test(e)).map(Number).filter((p) => {
    try {
      return argvOf(p).some((a) => a.endsWith("command-provider/main.ts")) && readlinkSync(`/proc/${p}/cwd`) === ROOT
        && /^PPid:\s+1$/m.test(readFileSync(`/proc/${p}/status`, "utf8"));
    } catch {
      return false;
    }
  });
  for (const p of orphans) process.kill(p, "SIGKILL");
  return orphans;
}
