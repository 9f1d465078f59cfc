// The vps root filesystem: a debootstrapped Debian cached outside the repo, shared by all worlds.
// Only generic settings live here; per-world bits (keys, CA, hostname) go into each fresh overlay.
import * as fs from "node:fs";
import * as path from "node:path";
import { CACHE_DIR, MIRROR_HOST, OsName, PARTIES, PROXY_URL, SUITES } from "./config";
import { must } from "./proc";

/** Packages of a bare provider image: init, sshd, dbus, CA bundle, ip, curl. */
export const INCLUDE = ["systemd-sysv", "dbus", "openssh-server", "ca-certificates", "iproute2", "curl"];

export function basePath(os: OsName): string {
  return path.join(CACHE_DIR, SUITES[os], "base");
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
export async function ensureBase(os: OsName, log: (s: string) => void): Promise<boolean> {
  const base = basePath(os);
  if (fs.existsSync(path.join(base, "etc/os-release"))) return false;
  const suite = SUITES[os];
  const tmp = `${base}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(base), { recursive: true });
  log(`rootfs: debootstrap ${suite} (cold, about a minute)…`);
  const t0 = Date.now();
  await must(
    "debootstrap",
    ["--variant=minbase", `--include=${INCLUDE.join(",")}`, suite, tmp, `http://${MIRROR_HOST}/debian`],
    { timeoutMs: 15 * 60_000 },
  );
  prepare(tmp, suite);
  fs.renameSync(tmp, base); // the rename marks the cache complete
  log(`rootfs: ${suite} built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

/** Generic, world-independent settings of the base image. */
function prepare(root: string, suite: string): void {
  const w = (rel: string, text: string, mode = 0o644) => {
    const f = path.join(root, rel);
    fs.mkdirSync(path.dirname(f), { recursive: true });
    fs.rmSync(f, { force: true }); // resolv.conf may be a symlink to the host's
    fs.writeFileSync(f, text, { mode });
  };
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
