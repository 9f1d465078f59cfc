// Guards for tests that need root or real parts of the machine: outside CI they skip with a loud
// banner; inside CI (CI=true) a missing prerequisite fails the test, never skips it.
import { execFileSync } from "node:child_process";
import type { TestContext } from "node:test";
import { join } from "node:path";
import { ROOT } from "./stack-config";
import { builtEngineBin } from "../../engine/engine";

export const IN_CI = process.env.CI === "true";
export const IS_ROOT = process.getuid?.() === 0;

export interface Gate {
  /** Reason to skip (outside CI, not root), else false. */
  skip: string | false;
  /** In CI without root, the reason the suite must fail instead. */
  failInCi: string | false;
}

/** For a whole suite: `describe(name, { skip: gate.skip }, ...)` and fail in `before` on `failInCi`. */
export function rootGate(what: string): Gate {
  if (IS_ROOT) return { skip: false, failInCi: false };
  const why = `${what} needs root (network namespaces, mounts, systemd-nspawn, apt)`;
  if (IN_CI) return { skip: false, failInCi: `${why}, and CI=true: refusing to skip` };
  const bar = "=".repeat(78);
  console.error(`\n${bar}\nSKIPPED: ${why}.\nRun the tests as root (sudo npm test) to exercise it.\n${bar}\n`);
  return { skip: why, failInCi: false };
}

/** For one test: false (after skipping it loudly) when not root outside CI; throws in CI. */
export function requireRoot(t: TestContext, what: string): boolean {
  const gate = rootGate(`${t.name} (${what})`);
  if (gate.failInCi) throw new Error(gate.failInCi);
  if (gate.skip) t.skip(gate.skip);
  return gate.skip === false;
}

/** The built engine (engine/build.sh), else skip loudly outside CI; throws in CI, where .ci/run builds it. */
export function engineGate(): string | false {
  if (builtEngineBin()) return false;
  const why = "the Pulumi engine is not built (bash engine/build.sh: about an hour the first time)";
  if (IN_CI) throw new Error(`${why}, and CI=true: refusing to skip`);
  const bar = "=".repeat(78);
  console.error(`\n${bar}\nSKIPPED: ${why}.\n${bar}\n`);
  return why;
}

let chasquidDir: string | undefined;

/** Folder holding this distribution's real chasquid binaries (usr/bin/chasquid, chasquid-util). */
export function realChasquid(): string {
  chasquidDir ??= execFileSync("bash", [join(ROOT, "setup", "fetch-chasquid.sh")], { encoding: "utf8" }).trim();
  return chasquidDir;
}
