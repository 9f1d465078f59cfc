// Faults the end-to-end suite injects into the running world, each one something a real deploy
// meets: a link that drops every packet for a while, a VPS reset by its provider, a process killed
// inside it, a CA it cannot reach, a DNS API that fails (ApiFault). Each has its undo.
import * as fs from "node:fs";
import { CLOUDFLARE_FAULT } from "./cloudflare";
import type { ApiFault } from "./cloudflare-api";
import { BRIDGE, PARTIES, WORLD_NETNS } from "./config";
import { must, readPid, run } from "./proc";
import type { World } from "./state";
import { rebootVps } from "./vps";

/** Every packet to and from the vps is dropped (its port leaves the world's bridge); open TCP connections wait. */
export async function cutVpsLink(): Promise<void> {
  await must("ip", ["-n", WORLD_NETNS, "link", "set", `p-vps`, "nomaster"]);
}

export async function restoreVpsLink(): Promise<void> {
  await must("ip", ["-n", WORLD_NETNS, "link", "set", `p-vps`, "master", BRIDGE]);
}

/** The ACME server's addresses, as routes: IPv4 always there, IPv6 once the vps turned it on. */
const ACME_ROUTES: { family: "-4" | "-6"; prefix: string }[] = [
  { family: "-4", prefix: `${PARTIES.acme.ipv4}/32` },
  { family: "-6", prefix: `${PARTIES.acme.ipv6}/128` },
];

/** The ACME server cannot be reached from the vps ("No route to host" at once), as when the CA is down. */
export async function blockAcme(): Promise<void> {
  for (const { family, prefix } of ACME_ROUTES) {
    const args = ["-n", PARTIES.vps.netns, family, "route", "replace", "unreachable", prefix];
    // IPv6 may still be off on a fresh vps; then there is no IPv6 route to block.
    await (family === "-4" ? must("ip", args) : run("ip", args));
  }
}

export async function unblockAcme(): Promise<void> {
  for (const { family, prefix } of ACME_ROUTES) await run("ip", ["-n", PARTIES.vps.netns, family, "route", "del", "unreachable", prefix]);
}

/** The host PID of the vps's systemd (the child of systemd-nspawn). */
function vpsInit(): number {
  const nspawn = readPid("nspawn");
  if (nspawn === null) throw new Error("the vps is not running");
  const init = fs.readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, "utf8").trim().split(/\s+/)[0];
  if (!init) throw new Error("the vps has no init process");
  return Number(init);
}

const vpsPidNamespace = (): string => fs.readlinkSync(`/proc/${vpsInit()}/ns/pid`);

/** Host PIDs of the vps's processes whose command line (arguments joined by spaces) matches. */
export function vpsPids(match: RegExp): number[] {
  const ns = vpsPidNamespace();
  const pids: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/pid`) !== ns) continue;
      const cmdline = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " ").trim();
      if (match.test(cmdline)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** Signals the vps's processes whose command line matches; returns their host PIDs. */
export function killInVps(match: RegExp, signal: NodeJS.Signals = "SIGKILL"): number[] {
  const pids = vpsPids(match);
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** systemd reboots at once on SIGRTMIN+15: no unit stopped, nothing unmounted (reboot -ff). */
const SIGRTMIN_15 = 34 + 15;

/**
 * A hard reset of the vps by its provider, sent from outside at once (no SSH login first, so it
 * lands inside the moment it is meant for); resolves once the vps has booted again.
 */
export function resetVps(w: World): Promise<string> {
  const init = vpsInit();
  return rebootVps(w, () => process.kill(init, SIGRTMIN_15));
}

/** The world's Cloudflare API plays this fault from its next request on; undefined ends it. */
export function setCloudflareFault(fault: ApiFault | undefined): void {
  if (fault === undefined) fs.rmSync(CLOUDFLARE_FAULT, { force: true });
  else fs.writeFileSync(CLOUDFLARE_FAULT, JSON.stringify(fault));
}
