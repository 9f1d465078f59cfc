// DNS API with Cloudflare record semantics over the world's knot (via its control socket).
// Usable from any process running as root; every failed transaction is aborted.
import {
  DnsRecord, parseZoneLine, reverseName, reverseZone, setArgs, unsetArgs,
} from "./dns-records";
import { must, run, sleep } from "./proc";
import { readWorld } from "./state";

export type { DnsRecord } from "./dns-records";

let chain: Promise<unknown> = Promise.resolve();
/** One knot transaction at a time in this process (knot allows one per zone). */
function serial<T>(f: () => Promise<T>): Promise<T> {
  const p = chain.then(f, f);
  chain = p.catch(() => undefined);
  return p;
}

function socket(): string {
  return readWorld().dns.controlSocket;
}

const knotc = (args: string[]) => run("knotc", ["-s", socket(), ...args], { timeoutMs: 15_000 });

/** Runs `ops` inside zone-begin/zone-commit; aborts the transaction on any failure. */
async function transaction(zone: string, ops: (exec: (args: string[]) => Promise<string>) => Promise<void>): Promise<void> {
  return serial(async () => {
    // Another process may hold the zone's transaction: retry begin for a while, never abort theirs.
    for (let i = 0; ; i++) {
      const r = await knotc(["zone-begin", zone]);
      if (r.code === 0) break;
      if (i >= 50 || !/transaction|busy/i.test(r.stderr + r.stdout)) {
        throw new Error(`knotc zone-begin ${zone}: ${(r.stderr || r.stdout).trim()}`);
      }
      await sleep(100);
    }
    try {
      await ops(async (args) => {
        const r = await knotc(args);
        if (r.code !== 0 || /^error:/m.test(r.stdout + r.stderr)) {
          throw new Error(`knotc ${args.join(" ")}: ${(r.stderr || r.stdout).trim()}`);
        }
        return r.stdout;
      });
      await must("knotc", ["-s", socket(), "zone-commit", zone]);
    } catch (e) {
      await knotc(["zone-abort", zone]);
      throw e;
    }
  });
}

export async function addRecord(r: DnsRecord): Promise<void> {
  await transaction(r.zone, async (exec) => {
    await exec(setArgs(r));
  });
}

export async function removeRecord(r: DnsRecord): Promise<void> {
  await transaction(r.zone, async (exec) => {
    await exec(unsetArgs(r));
  });
}

/** All records of a zone except SOA and the apex NS (Cloudflare does not list those either). */
export async function listRecords(zone: string): Promise<DnsRecord[]> {
  const out = await must("knotc", ["-s", socket(), "zone-read", zone]);
  return out
    .split("\n")
    .map(parseZoneLine)
    .filter((r): r is DnsRecord => r !== null)
    .filter((r) => r.type !== "SOA" && !(r.type === "NS" && r.name === r.zone));
}

/** Sets (or with null removes) the PTR of a world address, as a provider's panel would. */
export async function setPtr(ip: string, hostname: string | null): Promise<void> {
  const zone = reverseZone(ip);
  const name = reverseName(ip);
  const existing = (await listRecords(zone)).filter((r) => r.name === name && r.type === "PTR");
  if (existing.length === 0 && hostname === null) return;
  await transaction(zone, async (exec) => {
    if (existing.length > 0) await exec(["zone-unset", zone, `${name}.`, "PTR"]);
    if (hostname !== null) await exec(["zone-set", zone, `${name}.`, "300", "PTR", `${hostname.replace(/\.$/, "")}.`]);
  });
}
