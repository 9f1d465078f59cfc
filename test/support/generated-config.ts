// A large stack config made from Pulumi.prod.yaml, for the preview benchmark (bench/preview.ts) and
// for tests that need many users: `domains` domains of `users` users each.
import { clone, ConfigObject, stackFileConfig } from "./stack-config";

/** Where every generated domain forwards (catch-all): a user without an alias needs one. */
export const GENERATED_FORWARD = "someone@gmail.test";

/**
 * Pulumi.prod.yaml's stack with its one domain repeated: the first keeps its name (`user.tax`), the
 * others are `d02.user.tax`, `d03.user.tax`… (in the zone `user.tax`), each with users `u01`…`uNN`, a catch-all to
 * GENERATED_FORWARD, and DMARC reports to its own domain (no cross-domain report authorisations).
 */
export function generatedConfig(domains: number, users: number): ConfigObject {
  const base = stackFileConfig("Pulumi.prod.yaml");
  const [template] = base["mailstack:domains"] as Record<string, unknown>[];
  const pad = (n: number) => String(n).padStart(2, "0");
  const list = Array.from({ length: domains }, (_, d) => {
    const name = d === 0 ? String(template.name) : `d${pad(d + 1)}.${String(template.name)}`;
    const domain = clone(template) as Record<string, unknown> & { dmarc: Record<string, unknown> };
    return {
      ...domain,
      name,
      // Subdomains of the template's zone: one Cloudflare zone, as a real multi-domain setup often is.
      zone: String(template.zone ?? template.name),
      users: Array.from({ length: users }, (_, u) => `u${pad(u + 1)}`),
      aliases: { "*": GENERATED_FORWARD },
      dmarc: { ...domain.dmarc, rua: [`rua@${name}`], ruf: [`ruf@${name}`] },
    };
  });
  return { ...base, "mailstack:domains": list };
}
