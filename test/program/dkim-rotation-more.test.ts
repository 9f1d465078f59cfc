// More of the DKIM rotation (plans/dkim-rotation.ts, pure): the exact text a preview shows for each
// phase, the clocks' edges (the moment the wait ends switches, the moment keepOld ends revokes), and
// the revoked record. The program tests in dkim-rotation.test.ts run it under the mock engine, which
// the mutation run leaves out. (Mutation testing showed these could break unnoticed; see README.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { nextKeyPublished, revokedDkimValue, rotationState } from "../../plans/dkim-rotation";
import type { DkimRotationConfig } from "../../stacks/schema";

const rotation: DkimRotationConfig = { nextSelector: "2026b", publishWait: 3600, keepOld: 86400 };
const T0 = Date.parse("2026-11-01T00:00:00Z");
const SECOND = 1000;
const HOUR = 3600 * SECOND;
const state = (clocks: { nextPublishedAt?: string; switchedAt?: string }, now: number) => rotationState("user.tax", "2026a", rotation, clocks, now);
const published = { nextPublishedAt: "2026-11-01T00:00:00Z" };
const switched = { ...published, switchedAt: "2026-11-01T02:00:00Z" };

describe("DKIM rotation: what a preview says", () => {
  test("phase 1 before the record exists: the wait counts from this up", () => {
    assert.deepEqual(state({}, T0), {
      phase: "publish", signingSelector: "2026a", revokeCurrent: false,
      next: "user.tax: DKIM rotation 2026a → 2026b, phase 1 (its record is published by this up); chasquid signs with 2026a. "
        + "The first pulumi up from 3600 s after this one switches signing to 2026b",
    });
  });

  test("phase 1 once published: the publication time and the switch time, in whole seconds", () => {
    assert.deepEqual(state({ nextPublishedAt: "2026-11-01T00:00:00.250Z" }, T0 + SECOND), {
      phase: "publish", signingSelector: "2026a", revokeCurrent: false,
      next: "user.tax: DKIM rotation 2026a → 2026b, phase 1 (published 2026-11-01T00:00:00Z); chasquid signs with 2026a. "
        + "The first pulumi up from 2026-11-01T01:00:00Z switches signing to 2026b",
    });
  });

  test("phase 2 at the up that switches, and at a later one", () => {
    assert.deepEqual(state(published, T0 + HOUR), {
      phase: "switch", signingSelector: "2026b", revokeCurrent: false,
      next: "user.tax: DKIM rotation 2026a → 2026b, phase 2: chasquid signs with 2026b from this up; 2026a's record stays for mail signed before. "
        + "The first pulumi up from 86400 s after this one revokes it",
    });
    assert.deepEqual(state(switched, T0 + 3 * HOUR), {
      phase: "switch", signingSelector: "2026b", revokeCurrent: false,
      next: "user.tax: DKIM rotation 2026a → 2026b, phase 2: chasquid signs with 2026b since 2026-11-01T02:00:00Z; 2026a's record stays for mail signed before. "
        + "The first pulumi up from 2026-11-02T02:00:00Z revokes it",
    });
  });

  test("phase 3: the old record revoked, and how to finish", () => {
    assert.deepEqual(state(switched, T0 + 2 * HOUR + 86400 * SECOND), {
      phase: "retire", signingSelector: "2026b", revokeCurrent: true,
      next: "user.tax: DKIM rotation 2026a → 2026b, phase 3: 2026a's record is revoked (p= empty). "
        + "Finish with dkimSelector: 2026b and no dkimRotation (mailstack:allowKeyReplacement true for that up, to delete the old key)",
    });
  });
});

describe("DKIM rotation: the clocks' edges", () => {
  test("the next key may sign exactly publishWait after its record was made, not a millisecond before", () => {
    assert.equal(nextKeyPublished(rotation, published, T0 + HOUR - 1), false);
    assert.equal(nextKeyPublished(rotation, published, T0 + HOUR), true);
    assert.equal(nextKeyPublished(rotation, {}, T0 + 1000 * HOUR), false, "a record not made yet is never published long enough");
    assert.equal(nextKeyPublished({ ...rotation, publishWait: 0 }, published, T0), true);
    assert.equal(nextKeyPublished(rotation, { nextPublishedAt: "not a date" }, T0 + 1000 * HOUR), false);
    assert.equal(state(published, T0 + HOUR - 1).phase, "publish");
    assert.equal(state(published, T0 + HOUR).phase, "switch");
  });

  test("the old record is revoked exactly keepOld after the switch, counted from the switch, not the publication", () => {
    const switchAt = T0 + 2 * HOUR;
    assert.deepEqual([state(switched, switchAt + 86400 * SECOND - 1).phase, state(switched, switchAt + 86400 * SECOND - 1).revokeCurrent], ["switch", false]);
    assert.deepEqual([state(switched, switchAt + 86400 * SECOND).phase, state(switched, switchAt + 86400 * SECOND).revokeCurrent], ["retire", true]);
    // keepOld after the publication but not after the switch: still phase 2.
    assert.equal(state(switched, T0 + 86400 * SECOND + HOUR).phase, "switch");
  });
});

describe("DKIM rotation: the revoked record", () => {
  test("p= emptied at the end of the value, its other tags kept", () => {
    assert.equal(revokedDkimValue("v=DKIM1; k=rsa; p=MIIBIjANBgkqh+/="), "v=DKIM1; k=rsa; p=");
    // A key as some tools print it, in several pieces.
    assert.equal(revokedDkimValue("v=DKIM1; k=rsa; p=MIIB Ijan/+=\n"), "v=DKIM1; k=rsa; p=");
    assert.equal(revokedDkimValue("v=DKIM1; k=rsa; p="), "v=DKIM1; k=rsa; p=");
  });
});
