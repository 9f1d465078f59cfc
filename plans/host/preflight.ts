// What the preflight step reports about a host (remote/preflight.sh prints key=value lines).

export type DkimMode = "native" | "hook";

export interface HostFacts {
  /** e.g. `debian-13`. */
  os: string;
  /** Debian version of chasquid, e.g. `1.15.0-1+b4`. */
  chasquid: string;
  /** How DKIM is signed: chasquid itself (1.14+) or the packaged post-data hook with dkimpy. */
  dkim: DkimMode;
}

export function parsePreflight(stdout: string): HostFacts {
  const facts = Object.fromEntries(stdout.split("\n").map((l) => l.trim().split("=", 2)).filter((kv) => kv.length === 2));
  if (!facts.os || !facts.chasquid || (facts.dkim !== "native" && facts.dkim !== "hook")) {
    throw new Error(`preflight printed no usable facts: ${JSON.stringify(stdout)}`);
  }
  return { os: facts.os, chasquid: facts.chasquid, dkim: facts.dkim };
}
