// Running commands and tracking the world's long-lived processes by PID.
import { execFile, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Server } from "node:http";
import { PID_DIR } from "./config";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a program (no shell); never throws on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { stdin?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { timeout: opts.timeoutMs ?? 0, maxBuffer: 64 * 1024 * 1024, env: opts.env, cwd: opts.cwd },
      (err, stdout, stderr) => {
        const e = err as (NodeJS.ErrnoException & { code?: unknown }) | null;
        let code = 0;
        if (e) code = typeof e.code === "number" ? e.code : 127;
        if (e && child.killed) code = 124;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) || (e && typeof e.code !== "number" ? e.message : "") });
      },
    );
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
    else child.stdin?.end();
  });
}

/** Like run(), but throws with the command's stderr when it fails. */
export async function must(cmd: string, args: string[], opts: Parameters<typeof run>[2] = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Starts a daemon in its own session, output to a log file, and records its PID as
 * PID_DIR/<name>. The command must exec (not fork) so the PID is the daemon's own.
 */
export function startDaemon(
  name: string,
  cmd: string,
  args: string[],
  opts: { log: string; env?: NodeJS.ProcessEnv; cwd?: string },
): number {
  fs.mkdirSync(PID_DIR, { recursive: true });
  const out = fs.openSync(opts.log, "a");
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ["ignore", out, out],
    env: opts.env ?? process.env,
    cwd: opts.cwd,
  });
  fs.closeSync(out);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  child.unref();
  fs.writeFileSync(path.join(PID_DIR, name), `${child.pid}\n`);
  return child.pid;
}

/** Process state letter from ps, or null when the PID no longer exists. */
export function procState(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    // The state follows the ")" that closes the command name.
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return null;
  }
}

/**
 * Alive = exists and is not a zombie. PID 1 here is not systemd and reaps orphans
 * only every few seconds, so kill -0 would report dead daemons as alive.
 */
export function alive(pid: number): boolean {
  const s = procState(pid);
  return s !== null && s !== "Z" && s !== "X";
}

export function readPid(name: string): number | null {
  try {
    const n = Number(fs.readFileSync(path.join(PID_DIR, name), "utf8").trim());
    return Number.isInteger(n) && n > 1 ? n : null;
  } catch {
    return null;
  }
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
  } catch {
    return "";
  }
}

/** Whether the PID recorded for `name` still runs a command matching `marker`. */
export function daemonAlive(name: string, marker: string): number | null {
  const pid = readPid(name);
  if (pid === null || !alive(pid)) return null;
  return cmdline(pid).includes(marker) ? pid : null;
}

export async function waitDead(pid: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  return !alive(pid);
}

/**
 * Stops the daemon recorded as `name` (only if its command line still contains `marker`,
 * so a recycled PID is never hit): SIGTERM, then SIGKILL after graceMs.
 */
export async function stopDaemon(name: string, marker: string, graceMs = 5000): Promise<void> {
  const pid = daemonAlive(name, marker);
  if (pid !== null) {
    try {
      process.kill(pid, "SIGTERM");
    } catch {
      /* already gone */
    }
    if (!(await waitDead(pid, graceMs))) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      await waitDead(pid, 3000);
    }
  }
  fs.rmSync(path.join(PID_DIR, name), { force: true });
}

/** Polls `check` until it returns true or the deadline passes. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, everyMs = 100): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** An API daemon's main: listens, says where, and closes on SIGTERM or SIGINT (world/*-daemon.ts). */
export function serveUntilStopped(server: Server, host: string, port: number, what: string): void {
  server.listen(port, host, () => console.log(`${what}: listening on http://${host}:${port}`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
