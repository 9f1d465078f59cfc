// What the host reports about itself: preflight (OS, SSH host key) and the base step (the chasquid
// it installed, and so how DKIM is signed). Both print key=value lines.

export type DkimMode = "native" | "hook";

export interface PreflightFacts {
  /** e.g. `debian-13`. */
  os: string;
  /** The host's ed25519 key (`ssh-ed25519 AAAA...`) as seen on the first connection. */
  hostKey: string;
}

export interface HostFacts {
  /** e.g. `debian-13`. */
  os: string;
  /** Debian version of the chasquid installed, e.g. `1.15.0-1+b4`. */
  chasquid: string;
  /** How DKIM is signed: chasquid itself (1.14+) or the packaged post-data hook with dkimpy. */
  dkim: DkimMode;
}

function keyValues(stdout: string): Record<string, string> {
  return Object.fromEntries(stdout.split("\n").map((l) => {
    const i = l.indexOf("=");
    return i > 0 ? [l.slice(0, i).trim(), l.slice(i + 1).trim()] : [];
  }).filter((kv) => kv.length === 2));
}

export function parsePreflight(stdout: string): PreflightFacts {
  const facts = keyValues(stdout);
  if (!facts.os || !/^ssh-ed25519 AAAA[0-9A-Za-z+/=]+$/.test(facts.hostkey ?? "")) {
    throw new Error(`preflight printed no usable facts: ${JSON.stringify(stdout)}`);
  }
  return { os: facts.os, hostKey: facts.hostkey };
}

/** The base step's report: the chasquid it installed and the DKIM mode that follows. */
export function parseBaseReport(os: string, stdout: string): HostFacts {
  const facts = keyValues(stdout);
  if (!facts.chasquid || (facts.dkim !== "native" && facts.dkim !== "hook")) {
    throw new Error(`the base step reported no chasquid version: ${JSON.stringify(stdout)}`);
  }
  return { os, chasquid: facts.chasquid, dkim: facts.dkim };
}
