// The DNS records of a whole stack, for rules that need more than one resource (MX targets, SPF per name).
import type { PolicyResource } from "@pulumi/policy";
import { dnsRecordView, DnsRecordView } from "./dns-record";
import { DNS_RECORD } from "./resource-types";

export interface StackDnsRecord extends DnsRecordView {
  /** Pulumi resource name, to name the resource in a message. */
  resource: string;
  urn: string;
}

export function stackDnsRecords(resources: PolicyResource[]): StackDnsRecord[] {
  return resources.filter((r) => r.type === DNS_RECORD).map((r) => ({ ...dnsRecordView(r.props), resource: r.name, urn: r.urn }));
}

/** `DnsRecord "dns-mx-user.tax" (MX user.tax)`: how messages name a record. */
export const describeRecord = (r: { resource: string; type: string; name: string }) => `DnsRecord "${r.resource}" (${r.type} ${r.name})`;

/** Names that receive mail: every MX target. */
export const mxTargets = (records: StackDnsRecord[]) =>
  new Set(records.filter((r) => r.type === "MX" && r.content !== undefined).map((r) => r.content!.trim().toLowerCase().replace(/\.$/, "")));

/** Names mail clients are sent to: every SRV target (the submission records, RFC 6186). */
export const srvTargets = (records: StackDnsRecord[]) =>
  new Set(records.filter((r) => r.type === "SRV" && r.srvTarget !== undefined).map((r) => r.srvTarget!));
