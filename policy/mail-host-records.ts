// Mail must reach the host itself: a proxied ("orange cloud") name resolves to Cloudflare's HTTP
// proxy, which does not carry SMTP; and an MX target must be an address record, not a CNAME
// (RFC 2181 §10.3), as must an SRV target (RFC 2782). Both need the whole stack: a DnsRecord alone
// does not know the MX and SRV targets.
import type { StackValidationPolicy } from "@pulumi/policy";
import { describeRecord, mxTargets, srvTargets, stackDnsRecords } from "./stack-records";

export const mailHostNotProxied: StackValidationPolicy = {
  name: "mail-host-not-proxied",
  description: "No DNS record of a mail host name (an MX or SRV target, or any A/AAAA record) is proxied by Cloudflare.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const records = stackDnsRecords(args.resources);
    const targets = mxTargets(records);
    const submission = srvTargets(records);
    for (const r of records) {
      if (!r.proxied) continue;
      const why = targets.has(r.name) ? `${r.name} is an MX target` : submission.has(r.name) ? `${r.name} is an SRV target (mail clients connect to it)`
        : r.type === "A" || r.type === "AAAA" ? `${r.name} is a mail host address` : undefined;
      if (why) reportViolation(`${describeRecord(r)} is proxied, but ${why}: SMTP cannot pass Cloudflare's proxy. Fix: set proxied: false.`, r.urn);
    }
  },
};

export const mxTargetNotCname: StackValidationPolicy = {
  name: "mx-target-not-cname",
  description: "An MX or SRV target is an A/AAAA name, never a CNAME.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const records = stackDnsRecords(args.resources);
    const targets = mxTargets(records);
    const submission = srvTargets(records);
    for (const r of records) {
      if (r.type !== "CNAME") continue;
      if (targets.has(r.name)) {
        reportViolation(`${describeRecord(r)} is a CNAME at an MX target (RFC 2181 §10.3 forbids it). Fix: publish A/AAAA records for ${r.name} instead, or point the MX at the canonical name.`, r.urn);
      } else if (submission.has(r.name)) {
        reportViolation(`${describeRecord(r)} is a CNAME at an SRV target (RFC 2782 forbids it). Fix: publish A/AAAA records for ${r.name} instead, or point the SRV record at the canonical name.`, r.urn);
      }
    }
  },
};
