// The world's authoritative DNS: knotd in netns msw-dns, zones seeded from files at each `up`.
import { Resolver } from "node:dns/promises";
import * as fs from "node:fs";
import * as path from "node:path";
import { HOST, PARTIES, REV4_ZONE, REV6_ZONE, RUN_DIR, ZONES } from "./config";
import { DnsRecord, reverseName, zoneFile } from "./dns-records";
import { startDaemon, stopDaemon, waitFor } from "./proc";

export const KNOT_DIR = path.join(RUN_DIR, "dns");
export const CONTROL_SOCKET = path.join(KNOT_DIR, "run", "knot.sock");
const CONF = path.join(KNOT_DIR, "knot.conf");

export function knotConf(dir: string): string {
  const d = PARTIES.dns;
  return [
    "server:",
    `  rundir: "${dir}/run"`,
    `  listen: [ ${d.ipv4}@53, ${d.ipv6}@53 ]`,
    "log:",
    "  - target: stderr",
    "    any: info",
    "database:",
    `  storage: "${dir}/db"`,
    "control:",
    `  listen: "${dir}/run/knot.sock"`,
    "template:",
    "  - id: default",
    `    storage: "${dir}/zones"`,
    '    file: "%s.zone"',
    "    zonefile-sync: -1",
    "    zonefile-load: whole",
    "    journal-content: changes",
    "    serial-policy: increment",
    "zone:",
    ...ZONES.map((z) => `  - domain: ${z}`),
    "",
  ].join("\n");
}

type Rec = Omit<DnsRecord, "zone">;
const SOA = "ns.world.test. hostmaster.world.test. 1 3600 600 86400 60";

/** Initial contents of every zone. example.test gets only SOA+NS: the deploy adds the rest. */
export function initialZones(vpsPtr: string): Record<string, Rec[]> {
  const head = (zone: string): Rec[] => [
    { name: zone, type: "SOA", content: SOA, ttl: 3600 },
    { name: zone, type: "NS", content: "ns.world.test", ttl: 3600 },
  ];
  const both = (name: string, p: { ipv4: string; ipv6: string }): Rec[] => [
    { name, type: "A", content: p.ipv4, ttl: 300 },
    { name, type: "AAAA", content: p.ipv6, ttl: 300 },
  ];
  const ptrs: [string, string][] = [
    [HOST.ipv4, "host.world.test"], [HOST.ipv6, "host.world.test"],
    [PARTIES.vps.ipv4, vpsPtr], [PARTIES.vps.ipv6, vpsPtr],
    [PARTIES.dns.ipv4, "ns.world.test"], [PARTIES.dns.ipv6, "ns.world.test"],
    [PARTIES.acme.ipv4, "acme.test"], [PARTIES.acme.ipv6, "acme.test"],
    [PARTIES.gmail.ipv4, "mx.gmail.test"], [PARTIES.gmail.ipv6, "mx.gmail.test"],
  ];
  const rev = (zone: string): Rec[] => [
    ...head(zone),
    ...ptrs
      .map(([ip, h]) => ({ name: reverseName(ip), type: "PTR", content: h, ttl: 300 }))
      .filter((r) => r.name.endsWith(`.${zone}`)),
  ];
  return {
    "example.test": head("example.test"),
    "gmail.test": [
      ...head("gmail.test"),
      { name: "gmail.test", type: "MX", content: "mx.gmail.test", priority: 5, ttl: 300 },
      ...both("mx.gmail.test", PARTIES.gmail),
    ],
    "acme.test": [...head("acme.test"), ...both("acme.test", PARTIES.acme)],
    "world.test": [
      ...head("world.test"),
      ...both("ns.world.test", PARTIES.dns),
      ...both("host.world.test", HOST),
      ...both("vps.world.test", PARTIES.vps),
    ],
    [REV4_ZONE]: rev(REV4_ZONE),
    [REV6_ZONE]: rev(REV6_ZONE),
  };
}

export function worldResolver(): Resolver {
  const r = new Resolver({ timeout: 1000, tries: 2 });
  r.setServers([PARTIES.dns.ipv4]);
  return r;
}

export async function dnsUp(vpsPtr: string): Promise<void> {
  for (const d of ["run", "db", "zones"]) fs.mkdirSync(path.join(KNOT_DIR, d), { recursive: true });
  fs.writeFileSync(CONF, knotConf(KNOT_DIR));
  for (const [zone, recs] of Object.entries(initialZones(vpsPtr))) {
    fs.writeFileSync(path.join(KNOT_DIR, "zones", `${zone}.zone`), zoneFile(zone, recs));
  }
  startDaemon("knotd", "ip", ["netns", "exec", PARTIES.dns.netns, "knotd", "-c", CONF], {
    log: path.join(KNOT_DIR, "knotd.log"),
  });
  const r = worldResolver();
  await waitFor("knotd to answer", async () => (await r.resolveSoa("example.test")).serial > 0, 10_000, 50);
  await waitFor("control socket", async () => fs.existsSync(CONTROL_SOCKET), 5000, 50);
}

export async function dnsDown(): Promise<void> {
  await stopDaemon("knotd", "knotd");
}
