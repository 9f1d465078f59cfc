import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { DkimValues, DnsRecordPlan, planDnsRecords } from "../plans/dns";
import type { StackConfig } from "../stacks/schema";

export interface DnsRecordsArgs {
  /** The validated stack config the plan is made from. */
  config: StackConfig;
  /**
   * Per mail domain, its DKIM TXT value (`DkimKey.dnsValue`).
   * @example { "user.tax": dkim.dnsValue }
   */
  dkimValues: Record<string, pulumi.Input<string>>;
  /** Provider to publish with. @default the default Cloudflare provider (`cloudflare:apiToken`) */
  provider?: pulumi.ProviderResource;
}

/**
 * Publishes `planDnsRecords` in Cloudflare, one `DnsRecord` per planned record. The zone ids are
 * looked up by zone name.
 */
export class DnsRecords extends pulumi.ComponentResource {
  /** The records as planned (what Cloudflare is asked to hold). */
  readonly records: pulumi.Output<DnsRecordPlan[]>;

  constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailstack:index:DnsRecords", name, {}, opts);
    const invokeOpts = { parent: this, provider: args.provider };
    this.records = pulumi.all(args.dkimValues).apply((dkim: DkimValues) => planDnsRecords(args.config, dkim));

    // Which records exist depends on config only; the DKIM values fill in some contents. So the
    // resource list comes from plans with placeholder DKIM values: a content that differs between
    // two placeholders depends on a key and is read back from the real plan; the rest is known now
    // (so even the first preview shows it).
    const withPlaceholder = (p: string) => planDnsRecords(args.config, Object.fromEntries(args.config.domains.map((d) => [d.name, p])));
    const shape = withPlaceholder("v=DKIM1; k=rsa; p=A");
    const other = new Map(withPlaceholder("v=DKIM1; k=rsa; p=B").map((r) => [r.key, r.content]));
    const zoneIds = new Map<string, pulumi.Output<string>>();
    for (const zone of [...new Set(shape.map((r) => r.zone))].sort()) {
      zoneIds.set(zone, cloudflare.getZoneOutput({ filter: { name: zone } }, invokeOpts).id);
    }
    for (const planned of shape) {
      const field = <K extends keyof DnsRecordPlan>(k: K) => this.records.apply((rs) => {
        const r = rs.find((x) => x.key === planned.key);
        if (!r) throw new Error(`record ${planned.key} vanished from the plan`);
        return r[k];
      });
      new cloudflare.DnsRecord(`${name}-${planned.key}`, {
        zoneId: zoneIds.get(planned.zone)!,
        name: planned.name,
        type: planned.type,
        content: other.get(planned.key) === planned.content ? planned.content : field("content"),
        ttl: planned.ttl,
        priority: planned.priority,
        proxied: planned.proxied,
        comment: planned.comment,
      }, { parent: this, provider: args.provider, deleteBeforeReplace: true });
    }
    this.registerOutputs({ records: this.records });
  }
}
