import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { nextKeyPublished, rotationState, RotationState } from "../plans/dkim-rotation";
import type { DkimRotationConfig } from "../stacks/schema";

export interface DkimRotationArgs {
  /** The mail domain. @example "user.tax" */
  domain: string;
  /** The selector chasquid signs with before the rotation (`dkimSelector`). */
  currentSelector: string;
  /** The next selector and the waits (`domains[].dkimRotation`). */
  rotation: DkimRotationConfig;
  /**
   * When Cloudflare created the next key's record (`DnsRecord.createdOn`): the first clock. An
   * output, because the records are declared after the hosts that need this rotation's state.
   */
  nextPublishedAt: pulumi.Input<string>;
}

/**
 * The state of one domain's DKIM rotation (see plans/dkim-rotation.ts), from two clocks the stack
 * keeps: the next record's creation time (Cloudflare's), and the switch clock, a local command
 * whose output is the time it last ran, re-run (replaced) when signing moves to the next key.
 */
export class DkimRotation extends pulumi.ComponentResource {
  /** Phase, signing selector, whether the current record is revoked, and what the next up does. */
  readonly state: pulumi.Output<RotationState>;
  /** The selector chasquid signs with: from the first clock only, so a preview knows it. */
  readonly signingSelector: pulumi.Output<string>;

  constructor(name: string, args: DkimRotationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailstack:index:DkimRotation", name, {}, opts);
    // One clock reading per run: preview and up decide with the time they started.
    const now = Date.now();
    const published = pulumi.output(args.nextPublishedAt);
    const signingNext = published.apply((at) => nextKeyPublished(args.rotation, { nextPublishedAt: at }, now));
    const switchClock = new command.local.Command(`${name}-switched`, {
      create: "date -u +%Y-%m-%dT%H:%M:%SZ",
      triggers: [signingNext.apply((next) => (next ? `signing ${args.rotation.nextSelector}` : `signing ${args.currentSelector}`))],
    }, { parent: this });
    this.signingSelector = signingNext.apply((next) => (next ? args.rotation.nextSelector : args.currentSelector));
    this.state = pulumi.all([published, signingNext, switchClock.stdout]).apply(([at, next, clock]) =>
      rotationState(args.domain, args.currentSelector, args.rotation, { nextPublishedAt: at, switchedAt: next ? clock.trim() : undefined }, now));
    // Under "Diagnostics" of every preview and up while a rotation is under way.
    this.state.apply((s) => pulumi.log.info(s.next, this));
    this.registerOutputs({ state: this.state, signingSelector: this.signingSelector });
  }
}
