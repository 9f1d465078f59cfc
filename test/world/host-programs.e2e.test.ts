// Root-only (named *.e2e.test.ts): world up runs as root. A machine without the world's host programs: `world up` stops at once with one line that names
// what is missing and the command to run, and creates nothing.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { HOST_PROGRAMS, missingHostPrograms, missingHostProgramsMessage } from "../../world/host-programs";
import { requireRoot } from "../support/environment";

const REPO = path.join(__dirname, "..", "..");

/** A PATH of links to this machine's programs, without `left`. */
function pathWithout(left: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msw-path-"));
  for (const p of [...Object.keys(HOST_PROGRAMS), "node", "bash", "sh", "env"]) {
    if (p === left) continue;
    const found = spawnSync("bash", ["-c", `command -v ${p}`], { encoding: "utf8" }).stdout.trim();
    if (found) fs.symlinkSync(found, path.join(dir, p));
  }
  return dir;
}

test("the check names each missing program with its package", () => {
  assert.deepEqual(missingHostPrograms("/nonexistent").map((m) => m.program).sort(), Object.keys(HOST_PROGRAMS).sort());
  // (On a machine with the host packages installed, as CI installs them.)
  assert.equal(missingHostProgramsMessage(pathWithout("tinyproxy")),
    "this machine lacks what the local world runs: tinyproxy (package tinyproxy); install them with: sudo bash setup/install-host-deps.sh");
});

test("world up without tinyproxy: exit 1, one line, no namespace or file made", (t) => {
  if (!requireRoot(t, "world up")) return;
  const before = spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout;
  const r = spawnSync(process.execPath, ["--import", "tsx", "world/cli.ts", "up"], {
    cwd: REPO, encoding: "utf8", env: { ...process.env, PATH: pathWithout("tinyproxy") }, timeout: 60_000,
  });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  assert.match(r.stderr, /^world: this machine lacks what the local world runs: tinyproxy \(package tinyproxy\); install them with: sudo bash setup\/install-host-deps\.sh$/m);
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at /, "no stack trace");
  assert.equal(spawnSync("ip", ["netns", "list"], { encoding: "utf8" }).stdout, before);
});
