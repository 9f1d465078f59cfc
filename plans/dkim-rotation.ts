// DKIM key rotation without a lost message: which key signs and which records are live, from the
// stack config and two clocks the stack keeps (pure; components/dkim-rotation.ts feeds it).
//   1. publish: the next key's record is published; chasquid still signs with the current key.
//   2. switch: once the next record has been published for `publishWait` seconds (at least its TTL,
//      so every resolver has it), chasquid signs with the next key only; the current record stays.
//   3. retire: `keepOld` seconds after the switch (mail signed before it may still be checked),
//      the current record is revoked (`p=` empty, RFC 6376 §3.6.1). The person then makes the next
//      selector the current one, which removes the old key and record.
// At no moment does a message carry a signature whose key DNS does not publish.

import type { DkimRotationConfig } from "../stacks/schema";

export type RotationPhase = "publish" | "switch" | "retire";

export interface RotationClocks {
  /** When Cloudflare created the next key's record (ISO 8601); undefined while it is being made. */
  nextPublishedAt?: string;
  /** When chasquid started signing with the next key (ISO 8601); undefined before the switch. */
  switchedAt?: string;
}

export interface RotationState {
  phase: RotationPhase;
  /** The selector chasquid signs with. */
  signingSelector: string;
  /** Revoke the current selector's record (`p=` empty). */
  revokeCurrent: boolean;
  /** What the next `pulumi up` does, for a person reading a preview. */
  next: string;
}

const at = (iso: string | undefined) => (iso === undefined ? NaN : Date.parse(iso));
const when = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Whether chasquid may sign with the next key at `now` (ms): its record published long enough. */
export function nextKeyPublished(rotation: DkimRotationConfig, clocks: RotationClocks, now: number): boolean {
  const published = at(clocks.nextPublishedAt);
  return !Number.isNaN(published) && now >= published + rotation.publishWait * 1000;
}

export function rotationState(domain: string, currentSelector: string, rotation: DkimRotationConfig, clocks: RotationClocks, now: number): RotationState {
  const { nextSelector } = rotation;
  const published = at(clocks.nextPublishedAt);
  if (!nextKeyPublished(rotation, clocks, now)) {
    const from = Number.isNaN(published) ? "its record is published by this up" : `published ${when(published)}`;
    return {
      phase: "publish", signingSelector: currentSelector, revokeCurrent: false,
      next: `${domain}: DKIM rotation ${currentSelector} → ${nextSelector}, phase 1 (${from}); chasquid signs with ${currentSelector}. ` +
        `The first pulumi up from ${Number.isNaN(published) ? `${rotation.publishWait} s after this one` : when(published + rotation.publishWait * 1000)} switches signing to ${nextSelector}`,
    };
  }
  const switched = at(clocks.switchedAt);
  if (Number.isNaN(switched) || now < switched + rotation.keepOld * 1000) {
    const since = Number.isNaN(switched) ? "from this up" : `since ${when(switched)}`;
    return {
      phase: "switch", signingSelector: nextSelector, revokeCurrent: false,
      next: `${domain}: DKIM rotation ${currentSelector} → ${nextSelector}, phase 2: chasquid signs with ${nextSelector} ${since}; ` +
        `${currentSelector}'s record stays for mail signed before. The first pulumi up from ${Number.isNaN(switched) ? `${rotation.keepOld} s after this one` : when(switched + rotation.keepOld * 1000)} revokes it`,
    };
  }
  return {
    phase: "retire", signingSelector: nextSelector, revokeCurrent: true,
    next: `${domain}: DKIM rotation ${currentSelector} → ${nextSelector}, phase 3: ${currentSelector}'s record is revoked (p= empty). ` +
      `Finish with dkimSelector: ${nextSelector} and no dkimRotation (mailstack:allowKeyReplacement true for that up, to delete the old key)`,
  };
}

/** The record value of a revoked key: its tags kept, `p=` empty. */
export function revokedDkimValue(value: string): string {
  return value.replace(/p=[A-Za-z0-9+/=\s]*$/, "p=");
}
