// The vps root filesystem: a debootstrapped Debian cached outside the repo, shared by all worlds.
// Only generic settings live here; per-world bits (keys, CA, hostname) go into each fresh overlay.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  ABSENT_GATEWAY, CACHE_DIR, FIRSTBOOT_LOCK_SECONDS, MIRROR_HOST, OsName, PARTIES, PROXY_URL, SUITES, VpsFlavour,
} from "./config";
import { must } from "./proc";

/** Packages of a bare image: init, sshd, dbus, CA bundle, ip, curl. */
export const INCLUDE = ["systemd-sysv", "dbus", "openssh-server", "ca-certificates", "iproute2", "curl"];
/** What a provider's image adds: cloud-init, netplan (networkd renders it), unattended-upgrades, sudo. */
// python3-cffi-backend by name: debootstrap does not resolve the virtual packages python3-cryptography needs.
export const PROVIDER_INCLUDE = [
  ...INCLUDE, "cloud-init", "netplan.io", "unattended-upgrades", "python3", "python3-cffi-backend", "sudo", "procps",
];

/** Bumped whenever the provider image's recipe changes, so a cached image is never stale. */
const PROVIDER_IMAGE_REVISION = 2;

export function basePath(os: OsName, flavour: VpsFlavour = "bare"): string {
  return path.join(CACHE_DIR, SUITES[os], flavour === "bare" ? "base" : `provider-r${PROVIDER_IMAGE_REVISION}`);
}

export function resolvConf(): string {
  return `nameserver ${PARTIES.dns.ipv4}\nnameserver ${PARTIES.dns.ipv6}\n`;
}

function sourcesList(suite: string): string {
  const mirror = `http://${MIRROR_HOST}`;
  return [
    `deb ${mirror}/debian ${suite} main`,
    `deb ${mirror}/debian ${suite}-updates main`,
    `deb ${mirror}/debian-security ${suite}-security main`,
    "",
  ].join("\n");
}

/** Builds the base image when missing. Returns true when it had to build it. */
export async function ensureBase(os: OsName, flavour: VpsFlavour, log: (s: string) => void): Promise<boolean> {
  const base = basePath(os, flavour);
  if (fs.existsSync(path.join(base, "etc/os-release"))) return false;
  const suite = SUITES[os];
  const tmp = `${base}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(base), { recursive: true });
  log(`rootfs: debootstrap ${suite}, ${flavour} image (cold, a minute or two)…`);
  const t0 = Date.now();
  const include = flavour === "bare" ? INCLUDE : PROVIDER_INCLUDE;
  await must(
    "debootstrap",
    ["--variant=minbase", `--include=${include.join(",")}`, suite, tmp, `http://${MIRROR_HOST}/debian`],
    { timeoutMs: 15 * 60_000 },
  );
  prepare(tmp, suite);
  if (flavour === "provider") prepareProvider(tmp);
  fs.renameSync(tmp, base); // the rename marks the cache complete
  log(`rootfs: ${suite} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

/** Generic, world-independent settings of the base image. */
/** Writes a file into an image, replacing what is there (resolv.conf may be a symlink to the host's). */
function writeInto(root: string, rel: string, text: string, mode = 0o644): void {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.rmSync(f, { force: true });
  fs.writeFileSync(f, text, { mode });
}

/** Makes `rel` in the image a symlink to `target`, replacing what is there. */
function linkInto(root: string, rel: string, target: string): void {
  const f = path.join(root, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.rmSync(f, { force: true });
  fs.symlinkSync(target, f);
}

function prepare(root: string, suite: string): void {
  const w = (rel: string, text: string, mode?: number) => writeInto(root, rel, text, mode);
  w("etc/resolv.conf", resolvConf());
  w("etc/apt/sources.list", sourcesList(suite));
  // apt is the vps's only way out: through the filtering proxy on the host side.
  w("etc/apt/apt.conf.d/01world-proxy", `Acquire::http::Proxy "${PROXY_URL}";\nAcquire::https::Proxy "${PROXY_URL}";\n`);
  // Empty machine-id: systemd makes a fresh one at each first boot, like a new VPS.
  w("etc/machine-id", "");
  fs.rmSync(path.join(root, "var/lib/dbus/machine-id"), { force: true });
  // Host keys are made per world, in the overlay.
  for (const f of fs.readdirSync(path.join(root, "etc/ssh"))) {
    if (f.startsWith("ssh_host_")) fs.rmSync(path.join(root, "etc/ssh", f));
  }
  for (const f of fs.readdirSync(path.join(root, "var/cache/apt/archives"))) {
    if (f.endsWith(".deb")) fs.rmSync(path.join(root, "var/cache/apt/archives", f));
  }
  w("etc/hosts", `127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n`);
}

/** The provider's network file, as Contabo ships it: IPv4 only, the IPv6 lines commented out. */
export function providerNetplan(): string {
  const v = PARTIES.vps;
  return [
    "# Provider network configuration (IPv6 is available: uncomment the lines below to enable it).",
    "network:",
    "  version: 2",
    "  renderer: networkd",
    "  ethernets:",
    "    eth0:",
    "      addresses:",
    `        - ${v.ipv4}/24`,
    `        #- ${v.ipv6}/64`,
    "      routes:",
    "        - to: default",
    `          via: ${ABSENT_GATEWAY}`,
    "        #- to: default",
    "        #  via: fe80::1",
    "        #  on-link: true",
    "      nameservers:",
    `        addresses: [${PARTIES.dns.ipv4}]`,
    "",
  ].join("\n");
}

/** What a provider image adds on top of the generic settings (per-world bits: see vps.ts). */
function prepareProvider(root: string): void {
  const w = (rel: string, text: string, mode?: number) => writeInto(root, rel, text, mode);
  w("etc/netplan/01-netcfg.yaml", providerNetplan(), 0o600);
  // The provider turns IPv6 off in the classic file, which systemd-sysctl reads last (99-sysctl.conf).
  w("etc/sysctl.conf", [
    "# Provider defaults",
    "net.ipv6.conf.all.disable_ipv6 = 1",
    "net.ipv6.conf.default.disable_ipv6 = 1",
    "net.ipv6.conf.lo.disable_ipv6 = 1",
    "",
  ].join("\n"));
  linkInto(root, "etc/sysctl.d/99-sysctl.conf", "../sysctl.conf");
  // cloud-init from the NoCloud seed written per world (vps.ts); the network is the provider's file.
  w("etc/cloud/cloud.cfg.d/90-provider.cfg", [
    "datasource_list: [NoCloud, None]",
    "network: {config: disabled}",
    "preserve_hostname: false",
    "manage_etc_hosts: true",
    "ssh_deletekeys: false",
    "",
  ].join("\n"));
  // systemd-networkd renders netplan; resolv.conf stays the static file the world writes.
  const wants = "etc/systemd/system/multi-user.target.wants";
  linkInto(root, `${wants}/systemd-networkd.service`, "/lib/systemd/system/systemd-networkd.service");
  // The first boot's package job (like unattended-upgrades after a new VPS boots): holds apt's and
  // dpkg's locks (fcntl locks, as apt takes them) for a minute, without delaying the boot itself.
  w("usr/local/sbin/provider-firstboot-apt", [
    "#!/usr/bin/python3",
    "# Holds the locks apt and dpkg use, as a package job right after the first boot does.",
    "import fcntl, time",
    "held = []",
    "for path in ('/var/lib/dpkg/lock-frontend', '/var/lib/dpkg/lock', '/var/lib/apt/lists/lock', '/var/cache/apt/archives/lock'):",
    "    f = open(path, 'a')",
    "    fcntl.lockf(f, fcntl.LOCK_EX)",
    "    held.append(f)",
    `time.sleep(${FIRSTBOOT_LOCK_SECONDS})`,
    "",
  ].join("\n"), 0o755);
  w("etc/systemd/system/provider-firstboot-apt.service", [
    "[Unit]",
    "Description=Provider first-boot package job (holds the dpkg lock)",
    // nspawn hands the guest a machine id, so ConditionFirstBoot never holds: a marker instead.
    "ConditionPathExists=!/var/lib/provider/firstboot-done",
    "After=local-fs.target",
    "",
    "[Service]",
    "Type=exec",
    "ExecStart=/usr/local/sbin/provider-firstboot-apt",
    "ExecStartPost=/usr/bin/mkdir -p /var/lib/provider",
    "ExecStartPost=/usr/bin/touch /var/lib/provider/firstboot-done",
    "",
    "[Install]",
    "WantedBy=multi-user.target",
    "",
  ].join("\n"));
  linkInto(root, `${wants}/provider-firstboot-apt.service`, "/etc/systemd/system/provider-firstboot-apt.service");
}
