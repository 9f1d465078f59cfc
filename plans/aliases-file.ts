// chasquid's per-domain `aliases` file: `user: target, target`, `*` is the catch-all (chasquid 1.10+).

export function renderAliasesFile(domain: string, aliases: Record<string, string[]>): string {
  // Catch-all last, so the file reads from specific to general.
  const sources = Object.keys(aliases).sort((a, b) => (a === "*" ? 1 : b === "*" ? -1 : a.localeCompare(b)));
  return [
    `# chasquid aliases of ${domain}. Managed by mailstack: edit the stack config, not this file.`,
    ...sources.map((s) => `${s}: ${aliases[s].join(", ")}`),
    "",
  ].join("\n");
}
