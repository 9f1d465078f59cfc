// up / down / status / reboot of the whole world.
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { acmeDown, acmeUp, httpsGet } from "./acme";
import { WORLD_ACCOUNT_ID } from "./cloudflare-api";
import { cloudflareDown, cloudflareUp, newToken } from "./cloudflare";
import { CONTABO_AUTH_URL, contaboDown, contaboUp, newContaboCredentials } from "./contabo";
import {
  ACME_DIR, CLOUDFLARE_BASE_URL, CLOUDFLARE_PORT, CONTABO_BASE_URL, CONTABO_PORT, HOST, INBOX_DIR, OsName, PARTIES, PROVIDER_HOSTNAME, PROXY_PORT,
  RUN_DIR, SSH_DIR, VpsFlavour, WORLD_FILE,
} from "./config";
import { CONTROL_SOCKET, dnsDown, dnsUp, worldResolver } from "./knot";
import { receiverDown, receiverUp } from "./mx";
import { netDown, netLeftovers, netUp } from "./net";
import { CA_CERT, makeCa, makeSshKey, SSH_KEY } from "./pki";
import { alive, sleep } from "./proc";
import { proxyDown, proxyUp, tcpOpen } from "./proxy";
import { ensureBase } from "./rootfs";
import { missingHostProgramsMessage } from "./host-programs";
import { harvestSeed } from "./seed";
import { buildWorld, readWorld, sshExec, World, writeWorld } from "./state";
import { bootContainer, failedUnits, mountOverlay, personalize, rebootVps, stopContainer, unmountOverlay, VPS_DIR, VPS_ROOT, waitBooted, worldMounts } from "./vps";

export type Log = (s: string) => void;
const secs = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

export interface UpOptions {
  os: OsName;
  /** What the vps looks like at first login (see VpsFlavour). */
  flavour: VpsFlavour;
  hostname: string;
  /** Mount the apt seed layer when one exists (default true). */
  seed?: boolean;
  log: Log;
}

/** Brings the world up. When it is already up and healthy, reports that and does nothing. */
export async function up(o: UpOptions): Promise<World> {
  const t0 = Date.now();
  const missing = missingHostProgramsMessage();
  if (missing) throw new Error(missing);
  if (fs.existsSync(WORLD_FILE)) {
    const w = readWorld();
    const st = await status();
    if (st.every((s) => s.ok)) {
      if (w.os !== o.os) throw new Error(`the world is already up with ${w.os}; run \`down\` first to switch to ${o.os}`);
      if (w.vps.flavour !== o.flavour) {
        throw new Error(`the world's vps is the ${w.vps.flavour} one; run \`down\` first to switch to ${o.flavour}`);
      }
      o.log(`world: already up (${w.os}), nothing to do`);
      printStatus(st, o.log);
      return w;
    }
    o.log("world: a previous world is unhealthy; tearing it down first");
  }
  await down(() => undefined); // clears any half-failed earlier attempt
  try {
    fs.mkdirSync(RUN_DIR, { recursive: true });
    // debootstrap (cold only) runs while the rest of the world comes up.
    const base = ensureBase(o.os, o.flavour, o.log);
    base.catch(() => undefined);
    await Promise.all([makeCa(), makeSshKey()]);
    await netUp({ vpsAddresses: o.flavour === "bare" });
    o.log(`world: network up (${secs(t0)})`);
    const cloudflareToken = newToken();
    const contabo = newContaboCredentials();
    // A provider's new VPS answers to the provider's name in reverse DNS until someone sets its PTR.
    const ptrName = o.flavour === "provider" ? PROVIDER_HOSTNAME : o.hostname;
    await Promise.all([proxyUp(), dnsUp(ptrName), acmeUp(), receiverUp(), cloudflareUp(cloudflareToken), contaboUp(contabo)]);
    o.log(`world: proxy, dns, acme, receiver, cloudflare and contabo apis up (${secs(t0)})`);
    await base;
    const seeded = await mountOverlay(o.os, o.flavour, o.seed !== false);
    o.log(`world: vps overlay on the ${o.os} ${o.flavour} image${seeded ? " + apt seed layer" : ""}`);
    const hostKey = await personalize(o.hostname, o.flavour);
    bootContainer();
    const w = buildWorld({
      os: o.os,
      flavour: o.flavour,
      hostname: o.hostname,
      sshPrivateKeyPath: SSH_KEY,
      sshHostKey: hostKey,
      controlSocket: CONTROL_SOCKET,
      serverCaPath: CA_CERT,
      cloudflareToken,
      cloudflareAccountId: WORLD_ACCOUNT_ID,
      contabo: { ...contabo, authUrl: CONTABO_AUTH_URL, apiUrl: CONTABO_BASE_URL },
    });
    const state = await waitBooted(w);
    o.log(`world: vps booted, systemd says "${state}" (${secs(t0)})`);
    if (state !== "running") o.log(`world: failed units on the vps:\n${await failedUnits(w)}`);
    writeWorld(w);
    o.log(`world: up in ${secs(t0)}; ${WORLD_FILE}`);
    return w;
  } catch (e) {
    o.log(`world: up failed: ${(e as Error).message}`);
    for (const log of logFiles()) {
      const tail = fs.readFileSync(log, "utf8").split("\n").slice(-15).join("\n");
      o.log(`--- ${log}\n${tail}`);
    }
    await down(o.log);
    throw e;
  }
}

function logFiles(): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }) : []) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== "root" && e.name !== "upper") walk(p);
      else if (e.isFile() && e.name.endsWith(".log")) out.push(p);
    }
  };
  walk(RUN_DIR);
  return out;
}

/** Processes that belong to the world: started from its run dir, or living in one of its netns. */
export async function worldProcesses(): Promise<number[]> {
  const pids = new Set<number>();
  const nsInodes = new Set<string>();
  for (const n of (await netLeftovers()).netns) {
    try {
      nsInodes.add(String(fs.statSync(`/run/netns/${n}`).ino));
    } catch {
      /* racing a delete */
    }
  }
  for (const d of fs.readdirSync("/proc")) {
    const pid = Number(d);
    if (!Number.isInteger(pid) || pid === process.pid || !alive(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
      if (cmd.includes(RUN_DIR)) pids.add(pid);
      else if (nsInodes.size > 0) {
        const link = fs.readlinkSync(`/proc/${pid}/ns/net`); // "net:[4026532]"
        if (nsInodes.has(link.replace(/\D/g, ""))) pids.add(pid);
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return [...pids];
}

/** Keeps the vps's apt lists and .debs for the next world (see seed.ts); best effort. */
function harvest(log: Log): () => void {
  let w: World;
  try {
    w = readWorld();
  } catch {
    return () => undefined; // half-made world: nothing worth keeping
  }
  try {
    const h = harvestSeed(w.os, path.join(VPS_DIR, "upper"), VPS_ROOT);
    if (h.lists + h.debs > 0) log(`world: apt seed: keeping ${h.lists} list files, ${h.debs} .debs`);
    return h.commit;
  } catch (e) {
    log(`world: apt seed not updated: ${(e as Error).message}`);
    return () => undefined;
  }
}

/** Removes everything the world made except the rootfs cache (and apt seed). Safe to repeat. */
export async function down(log: Log): Promise<void> {
  const t0 = Date.now();
  await stopContainer();
  const commitSeed = harvest(log);
  await Promise.all([cloudflareDown(), contaboDown(), receiverDown(), acmeDown(), dnsDown(), proxyDown()]);
  // Anything left (lost PID files, a stuck container): kill by PID, then wait out the zombies.
  for (let i = 0; i < 3; i++) {
    const left = await worldProcesses();
    if (left.length === 0) break;
    for (const p of left) {
      try {
        process.kill(p, i === 0 ? "SIGTERM" : "SIGKILL");
      } catch {
        /* gone */
      }
    }
    await sleep(1000);
  }
  await unmountOverlay();
  if (worldMounts().length === 0) commitSeed();
  await netDown();
  for (const p of [RUN_DIR, WORLD_FILE, ACME_DIR, INBOX_DIR, SSH_DIR]) fs.rmSync(p, { recursive: true, force: true });
  log(`world: down (${secs(t0)})`);
}

export interface PartyStatus {
  party: string;
  address: string;
  check: string;
  ok: boolean;
  detail: string;
}

async function probe(party: string, address: string, check: string, f: () => Promise<string>): Promise<PartyStatus> {
  try {
    return { party, address, check, ok: true, detail: await f() };
  } catch (e) {
    return { party, address, check, ok: false, detail: (e as Error).message };
  }
}

function smtpBanner(host: string, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, timeout: 2000 });
    s.once("data", (b: Buffer) => {
      s.end("QUIT\r\n");
      const line = b.toString().split("\r\n")[0] ?? "";
      if (line.startsWith("220")) resolve(line);
      else reject(new Error(line));
    });
    s.once("timeout", () => {
      s.destroy();
      reject(new Error("timeout"));
    });
    s.once("error", reject);
  });
}

export async function status(): Promise<PartyStatus[]> {
  let w: World | null = null;
  try {
    w = readWorld();
  } catch {
    /* not up: probe anyway */
  }
  const addr = (p: { ipv4: string; ipv6: string }) => `${p.ipv4} ${p.ipv6}`;
  return Promise.all([
    probe("proxy", `${HOST.ipv4}:${PROXY_PORT}`, "tcp connect", async () => {
      if (!(await tcpOpen(HOST.ipv4, PROXY_PORT))) throw new Error("closed");
      return "open";
    }),
    probe("dns", addr(PARTIES.dns), "SOA example.test", async () => {
      const soa = await worldResolver().resolveSoa("example.test");
      return `serial ${soa.serial}`;
    }),
    probe("acme", addr(PARTIES.acme), "GET /dir", async () => {
      const r = await httpsGet("https://acme.test:14000/dir");
      if (r.status !== 200) throw new Error(`HTTP ${r.status}`);
      return "HTTP 200";
    }),
    probe("gmail", addr(PARTIES.gmail), "SMTP banner :25", () => smtpBanner(PARTIES.gmail.ipv4, 25)),
    probe("cloudflare", `${HOST.ipv4}:${CLOUDFLARE_PORT}`, "GET tokens/verify", async () => {
      // With the world's token when there is one; without, a 403 still shows the API answers.
      const token = w?.cloudflare?.token;
      const r = await fetch(`${CLOUDFLARE_BASE_URL}/user/tokens/verify`, {
        headers: token ? { Authorization: `Bearer ${token}` } : {},
        signal: AbortSignal.timeout(2000),
      });
      if (token ? r.status !== 200 : r.status !== 403) throw new Error(`HTTP ${r.status}`);
      return token ? "HTTP 200, token valid" : "HTTP 403 (no token in world.json)";
    }),
    probe("contabo", `${HOST.ipv4}:${CONTABO_PORT}`, "GET /v1/dns/ptrs", async () => {
      // Without a token the API answers 401: it is up.
      const r = await fetch(`${CONTABO_BASE_URL}/v1/dns/ptrs`, { signal: AbortSignal.timeout(2000) });
      if (r.status !== 401) throw new Error(`HTTP ${r.status}`);
      return "HTTP 401 (no token)";
    }),
    probe("vps", addr(PARTIES.vps), "ssh + systemctl", async () => {
      if (!w) throw new Error(`no ${WORLD_FILE}`);
      const r = await sshExec(w, "systemctl is-system-running", { timeoutMs: 8000 });
      if (r.code === 255) throw new Error(`ssh: ${r.stderr.trim()}`);
      return `ssh ok, ${r.stdout.trim()}`;
    }),
  ]);
}

export function printStatus(st: PartyStatus[], log: Log): void {
  for (const s of st) {
    log(`${s.ok ? "ok  " : "DOWN"} ${s.party.padEnd(6)} ${s.address.padEnd(32)} ${s.check.padEnd(18)} ${s.detail}`);
  }
}

export async function reboot(log: Log): Promise<string> {
  const t0 = Date.now();
  const w = readWorld();
  const state = await rebootVps(w);
  log(`world: vps rebooted, systemd says "${state}" (${secs(t0)})`);
  if (state !== "running") log(`world: failed units:\n${await failedUnits(w)}`);
  return state;
}

/** What `down` must leave behind: nothing (used by tests and status). */
export async function leftovers(): Promise<{ netns: string[]; links: string[]; mounts: string[]; pids: number[] }> {
  const n = await netLeftovers();
  const mounts = worldMounts();
  const pids = await worldProcesses();
  return { ...n, mounts, pids };
}
