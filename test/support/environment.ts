// Guards for tests that need root or real parts of the machine: outside CI they skip with a loud
// banner; inside CI (CI=true) a missing prerequisite fails the test, never skips it.
import { execFileSync } from "node:child_process";
import type { TestContext } from "node:test";
import { join } from "node:path";
import { ROOT } from "./stack-config";

export const IN_CI = process.env.CI === "true";
export const IS_ROOT = process.getuid?.() === 0;

/** Returns false (after skipping the test loudly) when not root outside CI; throws in CI. */
export function requireRoot(t: TestContext, why: string): boolean {
  if (IS_ROOT) return true;
  const message = `needs root: ${why}`;
  if (IN_CI) throw new Error(`${message} (CI must run as root)`);
  console.error(`\n${"!".repeat(72)}\n!! SKIPPED ${t.name}: ${message}\n${"!".repeat(72)}\n`);
  t.skip(message);
  return false;
}

let chasquidDir: string | undefined;

/** Folder holding this distribution's real chasquid binaries (usr/bin/chasquid, chasquid-util). */
export function realChasquid(): string {
  chasquidDir ??= execFileSync("bash", [join(ROOT, "setup", "fetch-chasquid.sh")], { encoding: "utf8" }).trim();
  return chasquidDir;
}
