// What to run after a deploy that an interruption left stuck, when Pulumi cannot go on by itself.
// The failed run prints it (runner/deploy-cli.ts) and the README's "When `pulumi up` was
// interrupted" explains it. `alive` and `host` are parameters so the decision is testable.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { PULUMI_DIR } from "../engine/engine";

/** Whether a process of that PID runs on this machine and is a Pulumi CLI. */
export function pulumiAlive(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[0].endsWith("pulumi");
  } catch {
    return false;
  }
}

/**
 * The advice for a failed run's output, or undefined when it needs none.
 * - A stack lock whose `pulumi` was killed (SIGKILL, a closed laptop, a lost CI runner) stays
 *   until removed; a lock of a Pulumi still running is not stale: wait for it.
 * - Pending operations (an engine killed in the middle of a step) that the run could not get past,
 *   such as a record Cloudflare made that the state never learnt of.
 * `recoverCommand` removes a stale lock and settles pending operations (runner/recover.ts).
 */
export function recoveryAdvice(output: string, stack: string, recoverCommand = `npm run recover -- --stack ${stack}`,
  alive: (pid: number) => boolean = pulumiAlive, host = hostname()): string | undefined {
  if (/the stack is currently locked/.test(output)) {
    const owner = /created by (\S+)@(\S+) \(pid (\d+)\)/.exec(output);
    if (!owner) return undefined;
    const [, user, at, pidText] = owner;
    const pid = Number(pidText);
    if (at !== host) {
      return `stack ${stack} is locked by ${user}@${at} (pid ${pid}), another machine: if no deploy runs there any more, ` +
        `remove the lock with\n  pulumi cancel --stack ${stack} --yes\nand deploy again.`;
    }
    if (alive(pid)) return `stack ${stack} is being deployed by pulumi pid ${pid} on this machine: wait for it to end, then deploy again.`;
    return `stack ${stack} is locked by an interrupted deploy (pulumi pid ${pid} on this machine is gone). Recover, then deploy again:\n  ${recoverCommand}`;
  }
  if (/failed to load checkpoint/.test(output)) {
    return `stack ${stack}'s state was being written when pulumi was killed (its checkpoint does not load). Recover, then deploy again:\n  ${recoverCommand}`;
  }
  if (/with \d+ pending operations from previous deployment/.test(output)) {
    return `an interrupted deploy left pending operations that this run could not get past. Recover, then deploy again:\n  ${recoverCommand}`;
  }
  return undefined;
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

/**
 * The sidecars of the stack's checkpoint files (`<stack>.json.attrs`, `.bak.attrs`: the file
 * backend's metadata) that do not parse: a `pulumi` killed while writing one leaves it empty, and
 * every later run fails with "failed to load checkpoint: EOF". Without the sidecar the checkpoint
 * loads (the metadata is optional), so removing it is the repair.
 */
export function brokenCheckpointSidecars(stack: string, stateDir = join(PULUMI_DIR, "state")): string[] {
  const dir = join(stateDir, ".pulumi", "stacks", "mailstack");
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.startsWith(`${stack}.json`) && f.endsWith(".attrs")).map((f) => join(dir, f)).filter((f) => {
    try {
      JSON.parse(readFileSync(f, "utf8"));
      return false;
    } catch {
      return true;
    }
  });
}

/** A lock left by a `pulumi` of this machine that is gone: safe to remove. */
export const staleLock = (lock: { pid: number; host: string }): boolean => lock.host === hostname() && !pulumiAlive(lock.pid);
