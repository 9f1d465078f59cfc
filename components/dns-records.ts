import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { dkimKeysOf, DkimValues, DnsRecordPlan, planDnsRecords } from "../plans/dns";
import type { StackConfig } from "../stacks/schema";

export interface DnsRecordsArgs {
  /** The validated stack config the plan is made from. */
  config: StackConfig;
  /**
   * Per DKIM record name (`dkimKeysOf`), its TXT value (`DkimKey.dnsValue`).
   * @example { "mailstack._domainkey.user.tax": dkim.dnsValue }
   */
  dkimValues: Record<string, pulumi.Input<string>>;
  /**
   * What every record waits for: the hosts' claims checks (no record for a domain another stack
   * manages). Children do not inherit a component's `dependsOn`, so it is passed here.
   * @default []
   */
  publishAfter?: pulumi.Input<pulumi.Resource[]>;
}

/** Words of an API that is down or did not answer, rather than one that refused the token. */
const OUTAGE = /\b5\d\d\b|Service (Temporarily )?Unavailable|Bad Gateway|time(d)? ?out|deadline exceeded|connection (refused|reset)|\bEOF\b/i;

/**
 * What a person reads when a zone cannot be looked up: the provider's words, the key and the fix.
 * An outage is not the token's fault: nothing was changed, and the fix is to run again later.
 */
export function zoneLookupError(zone: string, cause: unknown): Error {
  const said = (cause instanceof Error ? cause.message : String(cause)).trim();
  const tokenFix = `give the token Zone:Read and DNS:Edit on ${zone} and set it (pulumi config set --secret cloudflare:apiToken < token-file), ` +
    `or add the zone to the Cloudflare account the token belongs to`;
  const again = "nothing was changed: run pulumi up again once Cloudflare answers (https://www.cloudflarestatus.com)";
  if (OUTAGE.test(said)) return new Error(`Cloudflare's API did not answer the lookup of zone ${zone}: ${said}\n  fix: ${again}`);
  if (said === "") {
    return new Error(`Cloudflare zone ${zone} could not be read with cloudflare:apiToken (the provider gave no reason)\n` +
      `  fix: if Cloudflare is down, ${again}; otherwise ${tokenFix}`);
  }
  return new Error(`Cloudflare zone ${zone} could not be read with cloudflare:apiToken: ${said}\n  fix: ${tokenFix}`);
}

/**
 * What a record holds, as the Cloudflare provider takes it. An SRV record goes as `data` (the
 * provider refuses `content` beside it; Cloudflare returns `content` made from it), and with its
 * priority at the top level too: Cloudflare returns one there, and a record without it would show a
 * change after every refresh (cloudflare/terraform-provider-cloudflare#6684).
 */
export function recordValue(planned: DnsRecordPlan, content: (r: DnsRecordPlan) => pulumi.Input<string> = (r) => r.content):
  Pick<cloudflare.DnsRecordArgs, "content" | "priority" | "data"> {
  if (planned.type === "SRV") {
    if (!planned.srv || planned.priority === undefined) throw new Error(`SRV record ${planned.key} has no priority, weight, port and target`);
    return { priority: planned.priority, data: { priority: planned.priority, ...planned.srv } };
  }
  return { content: content(planned), priority: planned.priority };
}

/**
 * Publishes `planDnsRecords` in Cloudflare, one `DnsRecord` per planned record. The zone ids are
 * looked up by zone name. The Cloudflare provider comes from the resource options, as for any
 * component: `new DnsRecords(name, args, { providers: [cloudflareProvider] })`.
 */
export class DnsRecords extends pulumi.ComponentResource {
  /** The records as planned (what Cloudflare is asked to hold). */
  readonly records: pulumi.Output<DnsRecordPlan[]>;
  /** Per planned record key, when Cloudflare created the record (ISO 8601): a DKIM rotation's first clock. */
  readonly createdOn: Record<string, pulumi.Output<string>> = {};

  constructor(name: string, args: DnsRecordsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("mailstack:index:DnsRecords", name, {}, opts);
    const { config } = args;
    this.records = pulumi.all(args.dkimValues).apply((dkim: DkimValues) => planDnsRecords(config, dkim));

    // Which records exist depends on config only; a DKIM value fills in the content of its own
    // record. So the resource list comes from a plan with placeholder DKIM values, and a record
    // whose content moves when one key's placeholder moves takes that key's real value only:
    // adding a domain or a key (unknown until up) leaves every other record known in preview.
    const keys = config.domains.flatMap((d) => dkimKeysOf(d).map((k) => k.recordName));
    const placeholders = (changed?: string) => Object.fromEntries(keys.map((k) => [k, `v=DKIM1; k=rsa; p=${k === changed ? "B" : "A"}`]));
    const shape = planDnsRecords(config, placeholders());
    const dependsOn = new Map<string, string>();
    for (const key of keys) {
      for (const r of planDnsRecords(config, placeholders(key))) {
        if (shape.find((s) => s.key === r.key)?.content !== r.content) dependsOn.set(r.key, key);
      }
    }
    const content = (planned: DnsRecordPlan): pulumi.Input<string> => {
      const key = dependsOn.get(planned.key);
      if (key === undefined) return planned.content;
      return pulumi.output(args.dkimValues[key]).apply((value) => {
        const r = planDnsRecords(config, { ...placeholders(), [key]: value }).find((x) => x.key === planned.key);
        if (!r) throw new Error(`record ${planned.key} vanished from the plan`);
        return r.content;
      });
    };

    const zoneIds = new Map<string, pulumi.Output<string>>();
    for (const zone of [...new Set(shape.map((r) => r.zone))].sort()) {
      // A refused token or a zone outside the token's reach fails here, first, naming the key to fix.
      const lookup = cloudflare.getZone({ filter: { name: zone } }, { parent: this })
        .then((z) => z.id, (e: unknown) => { throw zoneLookupError(zone, e); });
      zoneIds.set(zone, pulumi.output(lookup));
    }
    for (const planned of shape) {
      this.createdOn[planned.key] = new cloudflare.DnsRecord(`${name}-${planned.key}`, {
        zoneId: zoneIds.get(planned.zone)!,
        name: planned.name,
        type: planned.type,
        ...recordValue(planned, content),
        ttl: planned.ttl,
        proxied: planned.proxied,
        comment: planned.comment,
      }, { parent: this, deleteBeforeReplace: true, dependsOn: args.publishAfter }).createdOn;
    }
    this.registerOutputs({ records: this.records });
  }
}
