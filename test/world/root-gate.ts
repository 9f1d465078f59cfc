// Root-only tests: skipped loudly on a developer machine, but never skipped in CI.
export interface Gate {
  skip: string | false;
  /** In CI without root, the reason the suite must fail instead. */
  failInCi: string | false;
}

export function rootGate(what: string): Gate {
  const root = process.getuid?.() === 0;
  if (root) return { skip: false, failInCi: false };
  const why = `${what} needs root (network namespaces, mounts, systemd-nspawn)`;
  if (process.env.CI === "true") return { skip: false, failInCi: `${why}, and CI=true: refusing to skip` };
  const bar = "=".repeat(78);
  console.error(`\n${bar}\nSKIPPED: ${why}.\nRun the tests as root (sudo npm test) to exercise the local world.\n${bar}\n`);
  return { skip: why, failInCi: false };
}
