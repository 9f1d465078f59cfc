// DMARC: every sending domain publishes `_dmarc.<domain>` with a valid p=. A sending domain is a
// name with both SPF and MX, or one that publishes a DKIM key (`<selector>._domainkey.<domain>`).
import type { StackValidationPolicy } from "@pulumi/policy";
import { isDmarc, isSpf, txtValue } from "./dns-record";
import { checkDmarc } from "./dmarc-syntax";
import { describeRecord, stackDnsRecords } from "./stack-records";

const DKIM_NAME = /^.+?\._domainkey\.(.+)$/;

export const dmarcForSendingDomains: StackValidationPolicy = {
  name: "dmarc-for-sending-domains",
  description: "Every sending domain has one _dmarc TXT record starting v=DMARC1 with p=none|quarantine|reject.",
  enforcementLevel: "mandatory",
  validateStack: (args, reportViolation) => {
    const records = stackDnsRecords(args.resources);
    const names = (pick: (r: (typeof records)[number]) => boolean) => new Set(records.filter(pick).map((r) => r.name));
    const spf = names(isSpf);
    const mx = names((r) => r.type === "MX");
    const sending = new Set([...spf].filter((n) => mx.has(n)));
    for (const r of records) {
      const dkim = r.type === "TXT" ? DKIM_NAME.exec(r.name) : null;
      if (dkim) sending.add(dkim[1]);
    }
    // A _dmarc record whose content is unknown (preview) still counts as present.
    const dmarcAt = (domain: string) => records.filter((r) => r.name === `_dmarc.${domain}` && r.type === "TXT" && (r.content === undefined || isDmarc(r)));
    for (const domain of [...sending].sort()) {
      const found = dmarcAt(domain);
      if (found.length === 0) {
        reportViolation(`Sending domain ${domain} has no DMARC record. Fix: publish a TXT at _dmarc.${domain}, e.g. "v=DMARC1; p=quarantine" (mailstack:domains[].dmarc).`);
      } else if (found.length > 1) {
        for (const r of found) reportViolation(`${describeRecord(r)} is one of ${found.length} DMARC records for ${domain}; receivers then ignore DMARC. Fix: keep one.`, r.urn);
      }
    }
    for (const r of records) {
      if (!r.name.startsWith("_dmarc.") || r.type !== "TXT" || r.content === undefined) continue;
      for (const problem of checkDmarc(txtValue(r.content))) {
        reportViolation(`${describeRecord(r)}: DMARC ${problem}. Fix: mailstack:domains[].dmarc.policy = none | quarantine | reject.`, r.urn);
      }
    }
  },
};
