// Fixed facts of the local world: names, addresses and where its files live.
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..");
export const LOCAL_DIR = path.join(REPO_ROOT, ".local");
/** Runtime state of one world (configs, logs, pids, overlay); removed by `down`. */
export const RUN_DIR = path.join(LOCAL_DIR, "world");
export const PID_DIR = path.join(RUN_DIR, "pids");
export const WORLD_FILE = path.join(LOCAL_DIR, "world.json");
export const SSH_DIR = path.join(LOCAL_DIR, "ssh");
export const ACME_DIR = path.join(LOCAL_DIR, "acme");
export const INBOX_DIR = path.join(LOCAL_DIR, "inbox");
/** Root filesystem cache; outlives `down` on purpose (cold debootstrap takes ~1 min). */
export const CACHE_DIR = "/var/cache/mailstack-world";

export const PREFIX = "msw-";
export const WORLD_NETNS = "msw-world";
export const HOST_IF = "msw-host";
export const BRIDGE = "msw-br0";

export type OsName = "debian13" | "debian12";
export const SUITES: Record<OsName, string> = { debian13: "trixie", debian12: "bookworm" };
export const DEFAULT_OS: OsName = "debian13";
export const DEFAULT_HOSTNAME = "mail.example.test";

/**
 * What the vps looks like when a deploy first logs in. `provider`: a provider's image (cloud-init
 * from a NoCloud seed at every boot, netplan with the IPv6 lines commented out, IPv6 disabled in
 * /etc/sysctl.conf, a first-boot package job holding the dpkg lock for a minute, a provider host
 * name). `bare`: a plain debootstrap with sshd, addresses given from outside.
 */
export type VpsFlavour = "provider" | "bare";
export const FLAVOURS: VpsFlavour[] = ["provider", "bare"];
export const DEFAULT_FLAVOUR: VpsFlavour = "provider";
/** The name a provider gives a new VPS (Contabo: vmiNNNNNN.contaboserver.net). */
export const PROVIDER_HOSTNAME = "vmi123456.contaboserver.net";
/** How long the provider image's first-boot package job holds the dpkg lock. */
export const FIRSTBOOT_LOCK_SECONDS = 60;

export const V4_NET = "10.78.0";
export const V6_NET = "2001:db8:78:";

export type PartyName = "vps" | "dns" | "acme" | "gmail";
export interface HostAddr {
  ipv4: string;
  ipv6: string;
}
export const HOST: HostAddr = { ipv4: "10.78.0.1", ipv6: "2001:db8:78::1" };
/** The provider image's default IPv4 gateway: an address nobody holds, so nothing leaves the world. */
export const ABSENT_GATEWAY = "10.78.0.254";
export const PARTIES: Record<PartyName, HostAddr & { netns: string }> = {
  vps: { ipv4: "10.78.0.10", ipv6: "2001:db8:78::10", netns: "msw-vps" },
  dns: { ipv4: "10.78.0.53", ipv6: "2001:db8:78::53", netns: "msw-dns" },
  acme: { ipv4: "10.78.0.14", ipv6: "2001:db8:78::14", netns: "msw-acme" },
  gmail: { ipv4: "10.78.0.25", ipv6: "2001:db8:78::25", netns: "msw-gmail" },
};

export const PROXY_PORT = 3128;
/** The world's Cloudflare API (world/cloudflare-api.ts), on the host side so pulumi reaches it. */
export const CLOUDFLARE_PORT = 8787;
export const CLOUDFLARE_BASE_URL = `http://${HOST.ipv4}:${CLOUDFLARE_PORT}/client/v4`;
/** The world's Contabo API (world/contabo-api.ts): token endpoint and /v1/dns/ptrs on one port. */
export const CONTABO_PORT = 8788;
export const CONTABO_BASE_URL = `http://${HOST.ipv4}:${CONTABO_PORT}`;
export const PROXY_URL = `http://${HOST.ipv4}:${PROXY_PORT}`;
export const ACME_DIRECTORY = "https://acme.test:14000/dir";
export const MIRROR_HOST = "deb.debian.org";

/** Reverse zones for the world's two prefixes. */
export const REV4_ZONE = "0.78.10.in-addr.arpa";
export const REV6_ZONE = "8.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
export const ZONES = ["example.test", "gmail.test", "acme.test", "world.test", REV4_ZONE, REV6_ZONE];
