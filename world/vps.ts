// The vps: a fresh overlay on the cached Debian base, booted with systemd-nspawn in netns msw-vps.
import * as fs from "node:fs";
import * as path from "node:path";
import { randomUUID } from "node:crypto";
import { OsName, PARTIES, PID_DIR, PROVIDER_HOSTNAME, RUN_DIR, VpsFlavour } from "./config";
import { CA_CERT, SSH_KEY } from "./pki";
import { alive, daemonAlive, must, readPid, run, sleep, startDaemon, stopDaemon, waitDead, waitFor } from "./proc";
import { basePath, resolvConf } from "./rootfs";
import { seedExists, seedPath } from "./seed";
import { sshExec, World } from "./state";

export const VPS_DIR = path.join(RUN_DIR, "vps");
export const VPS_ROOT = path.join(VPS_DIR, "root");
const NSPAWN_PIDFILE = path.join(PID_DIR, "nspawn");

/** Mounts a fresh overlay (empty upper dir) over the base image; returns whether the seed is used. */
export async function mountOverlay(os: OsName, flavour: VpsFlavour, useSeed: boolean): Promise<boolean> {
  for (const d of ["upper", "work", "root"]) fs.mkdirSync(path.join(VPS_DIR, d), { recursive: true });
  // The seed (if any) sits above the base: its apt lists/.debs win over the base's.
  const seeded = useSeed && seedExists(os);
  const lower = seeded ? `${seedPath(os)}:${basePath(os, flavour)}` : basePath(os, flavour);
  await must("mount", [
    "-t", "overlay", "overlay",
    "-o", `lowerdir=${lower},upperdir=${VPS_DIR}/upper,workdir=${VPS_DIR}/work`,
    VPS_ROOT,
  ]);
  return seeded;
}

/** The NoCloud seed a provider hands its image: instance id, host name, the customer's SSH key. */
export function noCloudSeed(instanceId: string, hostname: string, sshPublicKey: string): { "meta-data": string; "user-data": string } {
  return {
    "meta-data": `instance-id: ${instanceId}\nlocal-hostname: ${hostname.split(".")[0]}\n`,
    "user-data": [
      "#cloud-config",
      `hostname: ${hostname.split(".")[0]}`,
      `fqdn: ${hostname}`,
      "disable_root: false",
      // A locale every image has (en_US.UTF-8, cloud-init's default, is not generated in a minimal one).
      "locale: C.UTF-8",
      "ssh_pwauth: false",
      "ssh_authorized_keys:",
      `  - ${sshPublicKey.trim()}`,
      "",
    ].join("\n"),
  };
}

/**
 * Per-world settings written into the overlay; returns the new ed25519 host public key. The bare
 * vps gets its name and the SSH key written directly; the provider one gets them from cloud-init
 * (NoCloud seed) at boot, under the provider's default host name.
 */
export async function personalize(hostname: string, flavour: VpsFlavour): Promise<string> {
  const r = (rel: string) => path.join(VPS_ROOT, rel);
  fs.rmSync(r("etc/resolv.conf"), { force: true });
  fs.writeFileSync(r("etc/resolv.conf"), resolvConf());
  if (flavour === "provider") {
    const seedDir = r("var/lib/cloud/seed/nocloud");
    fs.mkdirSync(seedDir, { recursive: true });
    const seed = noCloudSeed(`world-${randomUUID()}`, PROVIDER_HOSTNAME, fs.readFileSync(`${SSH_KEY}.pub`, "utf8"));
    for (const [name, text] of Object.entries(seed)) fs.writeFileSync(path.join(seedDir, name), text);
  } else {
    const short = hostname.split(".")[0] ?? hostname;
    fs.writeFileSync(r("etc/hostname"), `${short}\n`);
    fs.writeFileSync(
      r("etc/hosts"),
      `127.0.0.1 localhost\n127.0.1.1 ${hostname} ${short}\n::1 localhost ip6-localhost ip6-loopback\n`,
    );
    fs.mkdirSync(r("root/.ssh"), { recursive: true, mode: 0o700 });
    fs.chmodSync(r("root/.ssh"), 0o700);
    fs.copyFileSync(`${SSH_KEY}.pub`, r("root/.ssh/authorized_keys"));
    fs.chmodSync(r("root/.ssh/authorized_keys"), 0o600);
  }
  // Fresh host keys in every world, so each vps has its own identity.
  await must("ssh-keygen", ["-A", "-f", VPS_ROOT]);
  // Trust the world CA (pebble's listener, the receiver) in the system store, nothing else.
  fs.copyFileSync(CA_CERT, r("usr/local/share/ca-certificates/mailstack-world-ca.crt"));
  await must("chroot", [VPS_ROOT, "/usr/sbin/update-ca-certificates"], {
    env: { PATH: "/usr/sbin:/usr/bin:/sbin:/bin" },
  });
  const pub = fs.readFileSync(r("etc/ssh/ssh_host_ed25519_key.pub"), "utf8").trim().split(/\s+/);
  return `${pub[0]} ${pub[1]}`;
}

export function bootContainer(): void {
  startDaemon("vps", "bash", [path.join(__dirname, "vps-run.sh"), VPS_ROOT, PARTIES.vps.netns, NSPAWN_PIDFILE], {
    log: path.join(VPS_DIR, "nspawn.log"),
  });
}

/** Waits until ssh answers and systemd finished booting; returns the system state. */
export async function waitBooted(w: World, timeoutMs = 90_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  await waitFor("ssh on the vps", async () => (await sshExec(w, "true", { timeoutMs: 5000 })).code === 0, timeoutMs, 200);
  const left = Math.max(5000, end - Date.now());
  const r = await sshExec(w, "systemctl is-system-running --wait", { timeoutMs: left });
  return r.stdout.trim() || `unknown (${r.stderr.trim()})`;
}

/** Failed units, for reporting a "degraded" boot. */
export async function failedUnits(w: World): Promise<string> {
  return (await sshExec(w, "systemctl --failed --no-legend --plain", { timeoutMs: 10_000 })).stdout.trim();
}

/** Powers the container off (SIGTERM to the runner); kills its init if it does not stop. */
export async function stopContainer(graceMs = 20_000): Promise<void> {
  const runner = daemonAlive("vps", "vps-run.sh");
  const nspawn = readPid("nspawn");
  if (runner !== null) {
    try {
      process.kill(runner, "SIGTERM");
    } catch {
      /* gone */
    }
    await waitDead(runner, graceMs);
  }
  if (nspawn !== null && alive(nspawn) && fs.readFileSync(`/proc/${nspawn}/cmdline`, "utf8").includes("systemd-nspawn")) {
    // SIGKILL to the container's init takes the whole PID namespace down; nspawn then exits.
    const kids = fs.readFileSync(`/proc/${nspawn}/task/${nspawn}/children`, "utf8").trim().split(/\s+/).filter(Boolean);
    for (const k of kids) {
      try {
        process.kill(Number(k), "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await waitDead(nspawn, 5000);
    if (alive(nspawn)) process.kill(nspawn, "SIGKILL");
  }
  await stopDaemon("vps", "vps-run.sh", 1000);
  fs.rmSync(NSPAWN_PIDFILE, { force: true });
}

/** Mount points under the world's run directory (overlay, and anything nspawn left). */
export function worldMounts(): string[] {
  return fs
    .readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "")
    .map((m) => m.replace(/\\040/g, " "))
    .filter((m) => m.startsWith(RUN_DIR) || m.includes("msw-vps"));
}

export async function unmountOverlay(): Promise<void> {
  for (let i = 0; i < 5; i++) {
    const mounts = worldMounts().sort((a, b) => b.length - a.length);
    if (mounts.length === 0) return;
    for (const m of mounts) await run("umount", [m]);
    if (worldMounts().length > 0) {
      await sleep(300);
      if (i >= 3) for (const m of worldMounts()) await run("umount", ["-l", m]);
    }
  }
}

/**
 * Reboot: the guest reboots itself (or `reset` reboots it at once); the runner boots it again on
 * the same overlay.
 */
export async function rebootVps(w: World, reset?: () => void): Promise<string> {
  const before = readPid("nspawn");
  if (reset) reset();
  else await sshExec(w, "systemctl reboot", { timeoutMs: 10_000 });
  await waitFor("the vps to go down", async () => {
    const now = readPid("nspawn");
    return now !== null && now !== before;
  }, 60_000, 100);
  return waitBooted(w);
}
