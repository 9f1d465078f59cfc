// The world's network: a bridge inside its own netns, one netns per party, one veth into the
// root netns. No netns has a default route and the root netns does not forward, so world hosts
// cannot reach anything outside; deleting the netns objects removes everything.
import * as fs from "node:fs";
import { BRIDGE, HOST, HOST_IF, PARTIES, PartyName, PREFIX, WORLD_NETNS } from "./config";
import { must, run } from "./proc";

const ip = (...args: string[]) => must("ip", args);

/**
 * `vpsAddresses: false` leaves the vps's interface unconfigured: a provider image configures its
 * own network (netplan) at boot.
 */
export async function netUp(options: { vpsAddresses: boolean } = { vpsAddresses: true }): Promise<void> {
  await ip("netns", "add", WORLD_NETNS);
  await ip("-n", WORLD_NETNS, "link", "set", "lo", "up");
  await ip("-n", WORLD_NETNS, "link", "add", BRIDGE, "type", "bridge");
  await ip("-n", WORLD_NETNS, "link", "set", BRIDGE, "up");
  await ip("link", "add", HOST_IF, "type", "veth", "peer", "name", "p-host", "netns", WORLD_NETNS);
  await ip("-n", WORLD_NETNS, "link", "set", "p-host", "master", BRIDGE, "up");
  await ip("addr", "add", `${HOST.ipv4}/24`, "dev", HOST_IF);
  // nodad: a tentative v6 address cannot be bound for ~1 s.
  await ip("addr", "add", `${HOST.ipv6}/64`, "dev", HOST_IF, "nodad");
  await ip("link", "set", HOST_IF, "up");
  // Belt and braces: the host side never routes world traffic anywhere.
  fs.writeFileSync(`/proc/sys/net/ipv4/conf/${HOST_IF}/forwarding`, "0");
  for (const name of Object.keys(PARTIES) as PartyName[]) await partyUp(name, name !== "vps" || options.vpsAddresses);
}

async function partyUp(name: PartyName, addresses: boolean): Promise<void> {
  const p = PARTIES[name];
  const port = `p-${name}`;
  await ip("netns", "add", p.netns);
  await ip("-n", p.netns, "link", "set", "lo", "up");
  await ip("link", "add", port, "netns", WORLD_NETNS, "type", "veth", "peer", "name", "eth0", "netns", p.netns);
  await ip("-n", WORLD_NETNS, "link", "set", port, "master", BRIDGE, "up");
  if (!addresses) return;
  await ip("-n", p.netns, "addr", "add", `${p.ipv4}/24`, "dev", "eth0");
  await ip("-n", p.netns, "addr", "add", `${p.ipv6}/64`, "dev", "eth0", "nodad");
  await ip("-n", p.netns, "link", "set", "eth0", "up");
}

/** Lists what the world left in the kernel: msw- netns and root-netns links. */
export async function netLeftovers(): Promise<{ netns: string[]; links: string[] }> {
  const ns = (await run("ip", ["netns", "list"])).stdout
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n.startsWith(PREFIX));
  const links = (await run("ip", ["-o", "link", "show"])).stdout
    .split("\n")
    .map((l) => l.split(":")[1]?.trim().split("@")[0] ?? "")
    .filter((n) => n.startsWith(PREFIX));
  return { netns: ns, links };
}

/** Removes every msw- netns and link; safe to call when nothing exists. */
export async function netDown(): Promise<void> {
  const left = await netLeftovers();
  for (const l of left.links) await run("ip", ["link", "del", l]);
  // Party netns first; the world netns (with the bridge) last.
  for (const n of left.netns.sort((a, b) => Number(a === WORLD_NETNS) - Number(b === WORLD_NETNS))) {
    await run("ip", ["netns", "del", n]);
  }
}

export function netnsExists(name: string): boolean {
  return fs.existsSync(`/run/netns/${name}`);
}
