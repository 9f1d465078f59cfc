// Mail must reach the host itself: a proxied ("orange cloud") name resolves to Cloudflare's HTTP
// proxy, which does not carry SMTP; and an MX target must be an address record, not a CNAME
// (RFC 2181 §10.3). Both need the whole stack: a DnsRecord alone does not know the MX targets.
import type { StackValidationPolicy } from "@pulumi/policy";
import { describeRecord, mxTargets, stackDnsRecords } from "./stack-records";

export const mailHostNotProxied: StackValidationPolicy = {
  name: "mail-host-not-proxied",
  description: "No DNS record of a mail host name (an MX target, or any A/AAAA record) is proxied by Cloudflare.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const records = stackDnsRecords(args.resources);
    const targets = mxTargets(records);
    for (const r of records) {
      if (!r.proxied) continue;
      const why = targets.has(r.name) ? `${r.name} is an MX target` : r.type === "A" || r.type === "AAAA" ? `${r.name} is a mail host address` : undefined;
      if (why) reportViolation(`${describeRecord(r)} is proxied, but ${why}: SMTP cannot pass Cloudflare's proxy. Fix: set proxied: false.`, r.urn);
    }
  },
};

export const mxTargetNotCname: StackValidationPolicy = {
  name: "mx-target-not-cname",
  description: "An MX target is an A/AAAA name, never a CNAME.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const records = stackDnsRecords(args.resources);
    const targets = mxTargets(records);
    for (const r of records) {
      if (r.type === "CNAME" && targets.has(r.name)) {
        reportViolation(`${describeRecord(r)} is a CNAME at an MX target (RFC 2181 §10.3 forbids it). Fix: publish A/AAAA records for ${r.name} instead, or point the MX at the canonical name.`, r.urn);
      }
    }
  },
};
