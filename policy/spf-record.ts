// SPF: one record per name (two make every SPF check a permerror), each one well formed.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { dnsRecordView, isSpf, txtValue } from "./dns-record";
import { DNS_RECORD } from "./resource-types";
import { checkSpf } from "./spf-syntax";
import { describeRecord, stackDnsRecords } from "./stack-records";

export const spfRecordValid: ResourceValidationPolicy = {
  name: "spf-record-valid",
  description: "Every SPF record uses known mechanisms and modifiers, ends in ~all or -all, and needs at most 10 DNS lookups.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== DNS_RECORD) args.notApplicable(`only applies to ${DNS_RECORD}`);
    const r = dnsRecordView(args.props);
    if (!isSpf(r)) return;
    const { problems } = checkSpf(txtValue(r.content!));
    for (const problem of problems) {
      reportViolation(`${describeRecord({ resource: args.name, ...r })}: SPF ${problem}. Fix: correct mailstack:domains[].spf (include, all) or the record content.`);
    }
  },
};

export const oneSpfPerName: StackValidationPolicy = {
  name: "one-spf-per-name",
  description: "Exactly one SPF (v=spf1) TXT record per name.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const byName = new Map<string, ReturnType<typeof stackDnsRecords>>();
    for (const r of stackDnsRecords(args.resources).filter(isSpf)) byName.set(r.name, [...(byName.get(r.name) ?? []), r]);
    for (const [name, records] of byName) {
      if (records.length < 2) continue;
      for (const r of records) {
        reportViolation(`${describeRecord(r)} is one of ${records.length} SPF records at ${name} (${records.map((x) => x.resource).join(", ")}); receivers then fail SPF (permerror). Fix: merge them into one v=spf1 record.`, r.urn);
      }
    }
  },
};
