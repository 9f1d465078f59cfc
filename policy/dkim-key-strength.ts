// DKIM keys: RSA of at least 2048 bits (RFC 8301 forbids < 1024; receivers like Gmail expect 2048)
// or ED25519 (RFC 8463). Which tls.PrivateKeys are DKIM keys: those inside the DkimKey component
// (its type is in the URN), or whose name starts with "dkim-" (the program names them
// `dkim-<domain>-key`). Other keys (an ACME account key, say) are left alone.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "./known";
import { DKIM_KEY_COMPONENT, TLS_PRIVATE_KEY } from "./resource-types";

export const MIN_DKIM_RSA_BITS = 2048;
/** The tls provider's default when rsaBits is not set. */
const TLS_DEFAULT_RSA_BITS = 2048;

export const isDkimKey = (urn: string, name: string) => urn.includes(`${DKIM_KEY_COMPONENT}$`) || name.startsWith("dkim-");

export const dkimKeyStrength: ResourceValidationPolicy = {
  name: "dkim-key-strength",
  description: "DKIM private keys are RSA with at least 2048 bits, or ED25519.",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== TLS_PRIVATE_KEY) args.notApplicable(`only applies to ${TLS_PRIVATE_KEY}`);
    if (!isDkimKey(args.urn, args.name)) args.notApplicable("not a DKIM key (outside DkimKey, name without dkim- prefix)");
    const algorithm = String(known(() => args.props.algorithm) ?? "");
    const bits = Number(known(() => args.props.rsaBits) ?? TLS_DEFAULT_RSA_BITS);
    if (algorithm === "ED25519") return;
    if (algorithm === "RSA" && bits >= MIN_DKIM_RSA_BITS) return;
    const what = algorithm === "RSA" ? `RSA ${bits} bits` : `algorithm ${algorithm || "(none)"}`;
    reportViolation(`tls.PrivateKey "${args.name}" is a DKIM key with ${what}. Fix: algorithm "RSA" with rsaBits >= ${MIN_DKIM_RSA_BITS} (or "ED25519").`);
  },
};
