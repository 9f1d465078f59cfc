// Runs a program and collects its output: how init calls ssh-keyscan and pulumi. Asynchronous, so
// a test's in-process servers keep answering while a child runs.
import { spawn } from "node:child_process";

export interface ExecResult {
  /** Exit status; null when the program could not start, was killed or timed out. */
  status: number | null;
  stdout: string;
  stderr: string;
  /** Why there is no status: the spawn error, or "timed out after N s". */
  failure?: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, then closed: how secrets reach a child (never argv). */
  stdin?: string;
  timeoutMs?: number;
}

/** Runs `file args` (no shell) and resolves when it exits or its time is up; never rejects. */
export function exec(file: string, args: string[], opts: ExecOptions = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let failure: string | undefined;
    let done = false;
    const child = spawn(file, args, { cwd: opts.cwd, env: opts.env, stdio: ["pipe", "pipe", "pipe"] });
    const finish = (status: number | null) => {
      if (done) return;
      done = true;
      if (timer) clearTimeout(timer);
      resolve({ status: failure === undefined ? status : null, stdout, stderr, failure });
    };
    const timer = opts.timeoutMs === undefined ? undefined : setTimeout(() => {
      failure = `timed out after ${Math.round(opts.timeoutMs! / 1000)} s`;
      child.kill("SIGKILL");
      // A grandchild may still hold the pipes open: stop waiting for them.
      child.stdout.destroy();
      child.stderr.destroy();
      finish(null);
    }, opts.timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => { stdout += d; });
    child.stderr.setEncoding("utf8").on("data", (d: string) => { stderr += d; });
    // A child that exits without reading its stdin makes the write fail with EPIPE: not our error.
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? "");
    child.on("error", (e) => {
      failure ??= e.message;
      finish(null);
    });
    child.on("close", (code) => finish(code));
  });
}
