// A TXT character string holds at most 255 bytes (RFC 1035 §3.3). Longer values must be sent split
// into quoted strings, as Cloudflare stores them; otherwise Cloudflare splits them itself and every
// run shows a diff.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dnsRecordView, txtStrings } from "./dns-record";
import { DNS_RECORD } from "./resource-types";
import { describeRecord } from "./stack-records";

export const TXT_STRING_MAX_BYTES = 255;

export const txtStringLength: ResourceValidationPolicy = {
  name: "txt-string-max-255-bytes",
  description: "Every character string of a TXT record is at most 255 bytes.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== DNS_RECORD) args.notApplicable(`only applies to ${DNS_RECORD}`);
    const r = dnsRecordView(args.props);
    if (r.type !== "TXT" || r.content === undefined) return;
    txtStrings(r.content).forEach((s, i) => {
      const bytes = Buffer.byteLength(s, "utf8");
      if (bytes > TXT_STRING_MAX_BYTES) {
        reportViolation(`${describeRecord({ resource: args.name, ...r })}: string ${i + 1} is ${bytes} bytes (max ${TXT_STRING_MAX_BYTES}). Fix: split the value into quoted strings of at most 255 bytes ("…" "…"), e.g. with plans/txt.ts txtContent.`);
      }
    });
  },
};
