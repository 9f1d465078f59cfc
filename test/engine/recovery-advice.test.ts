// What a failed deploy prints when an interruption left the stack stuck (runner/recovery.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { recoveryAdvice } from "../../runner/recovery";

const LOCKED = "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n" +
  "  file:///state/.pulumi/locks/organization/mailstack/prod/c242.json: created by root@laptop (pid 8317) at 2026-11-29T20:34:47Z";

test("a lock left by a pulumi that is gone: the exact recovery command for the stack", () => {
  assert.equal(recoveryAdvice(LOCKED, "prod", undefined, () => false, "laptop"),
    "stack prod is locked by an interrupted deploy (pulumi pid 8317 on this machine is gone). Recover, then deploy again:\n  npm run recover -- --stack prod");
});

test("pending operations the run could not get past: the recovery command", () => {
  const out = "warning: Attempting to deploy or update resources with 1 pending operations from previous deployment.\n" +
    "error: An identical record already exists. (81058)";
  assert.match(recoveryAdvice(out, "local", undefined, () => false, "vm") ?? "", /left pending operations.*\n {2}npm run recover -- --stack local$/);
});

test("a lock of a pulumi still running: wait, never cancel", () => {
  const advice = recoveryAdvice(LOCKED, "prod", undefined, (pid) => pid === 8317, "laptop") ?? "";
  assert.match(advice, /being deployed by pulumi pid 8317/);
  assert.doesNotMatch(advice, /cancel|recover/);
});

test("a lock taken on another machine: cancel only if nothing deploys there", () => {
  const advice = recoveryAdvice(LOCKED, "prod", undefined, () => false, "ci-runner") ?? "";
  assert.match(advice, /locked by root@laptop \(pid 8317\), another machine: if no deploy runs there any more/);
  assert.match(advice, /\n {2}pulumi cancel --stack prod --yes\n/);
});

test("other failures need no advice", () => {
  assert.equal(recoveryAdvice("error: update failed", "prod", undefined, () => false, "laptop"), undefined);
});

test("a checkpoint that does not load (pulumi killed while writing it): the recovery command", () => {
  assert.match(recoveryAdvice("error: failed to load checkpoint: EOF", "local", undefined, () => false, "vm") ?? "",
    /state was being written when pulumi was killed.*\n {2}npm run recover -- --stack local$/);
});
