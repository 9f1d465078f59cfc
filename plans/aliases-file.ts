// chasquid's per-domain `aliases` file: `user: target, target`, `*` is the catch-all (chasquid 1.10+).

/**
 * The aliases chasquid gets. chasquid applies the catch-all only to addresses that are not users:
 * mail to a user would be delivered to a local mailbox, and mailstack installs none. So a user
 * without an alias of its own forwards where the catch-all does (validation refuses a user with
 * neither: see stacks/forwarding.ts).
 */
export function effectiveAliases(aliases: Record<string, string[]>, users: string[]): Record<string, string[]> {
  const out = { ...aliases };
  const catchAll = aliases["*"];
  if (catchAll) for (const u of users) out[u] ??= catchAll;
  return out;
}

export function renderAliasesFile(domain: string, aliases: Record<string, string[]>, users: string[] = []): string {
  const all = effectiveAliases(aliases, users);
  // Catch-all last, so the file reads from specific to general.
  const sources = Object.keys(all).sort((a, b) => (a === "*" ? 1 : b === "*" ? -1 : a.localeCompare(b)));
  return [
    `# chasquid aliases of ${domain}. Managed by mailstack: edit the stack config, not this file.`,
    ...sources.map((s) => `${s}: ${all[s].join(", ")}`),
    "",
  ].join("\n");
}
