// Where mail to each address of the stack's domains ends up. mailstack sends and forwards; it
// installs no mailbox, so every user and every alias must lead to an address outside the stack's
// domains, or chasquid would try a local delivery (no MDA is installed) and bounce the mail.
import { effectiveAliases } from "../plans/aliases-file";

export interface ForwardingDomain {
  name: string;
  users: string[];
  aliases: Record<string, string[]>;
}

export interface ForwardingProblem {
  /** Config key relative to the domain list, e.g. `domains[1].aliases.*`. */
  key: string;
  problem: string;
  fix: string;
}

type Verdict = { ok: true } | { ok: false; why: string };

export function forwardingProblems(domains: ForwardingDomain[]): ForwardingProblem[] {
  const byName = new Map(domains.map((d) => [d.name, { users: new Set(d.users), aliases: effectiveAliases(d.aliases, d.users) }]));

  const follow = (domain: string, local: string, path: string[]): Verdict => {
    const here = `${local}@${domain}`;
    if (path.includes(here)) return { ok: false, why: `loops back to ${here}` };
    const d = byName.get(domain)!;
    const targets = d.aliases[local] ?? (d.users.has(local) ? undefined : d.aliases["*"]);
    if (!targets) {
      return d.users.has(local)
        ? { ok: false, why: `ends at the user ${here}, who has no forwarding address (mailstack keeps no mailbox)` }
        : { ok: false, why: `ends at ${here}, which is neither a user nor an alias` };
    }
    for (const t of targets) {
      const [tLocal, tDomain = domain] = t.split("@");
      if (!byName.has(tDomain)) continue; // outside the stack: forwarded
      const v = follow(tDomain, tLocal, [...path, here]);
      if (!v.ok) return v;
    }
    return { ok: true };
  };

  const problems: ForwardingProblem[] = [];
  domains.forEach((d, i) => {
    for (const source of Object.keys(d.aliases).sort()) {
      const v = follow(d.name, source === "*" ? "*" : source, []);
      if (!v.ok) {
        problems.push({
          key: `domains[${i}].aliases.${source}`,
          problem: `mail to ${source}@${d.name} ${v.why}`,
          fix: "forward it to an address outside the stack's domains (e.g. you@gmail.com), directly or through another alias that does",
        });
      }
    }
    for (const user of d.users) {
      if (d.aliases[user]) continue; // checked above
      const v = follow(d.name, user, []);
      if (!v.ok) {
        problems.push({
          key: `domains[${i}].users`,
          problem: `mail to ${user}@${d.name} ${v.why}`,
          fix: `add aliases.${user} (or a catch-all "*") with an address outside the stack's domains`,
        });
      }
    }
  });
  return problems;
}
