// .local/world.json: the contract between the world and the tools that use it.
import * as fs from "node:fs";
import * as path from "node:path";
import { ExecResult, sshExec as sshRun, SshTarget } from "./ssh";
import { ACME_DIR, ACME_DIRECTORY, CLOUDFLARE_BASE_URL, HOST, HostAddr, INBOX_DIR, OsName, PARTIES, PROXY_URL, VpsFlavour, WORLD_FILE, ZONES } from "./config";

type PartyAddr = HostAddr & { netns: string };

export interface World {
  version: 1;
  os: OsName;
  hosts: { host: HostAddr; vps: PartyAddr; dns: PartyAddr; acme: PartyAddr; gmail: PartyAddr };
  vps: {
    /** The stack's host name (the PTR the world's "provider panel" set). */
    hostname: string;
    flavour: VpsFlavour;
    sshUser: string;
    sshPort: number;
    sshPrivateKeyPath: string;
    sshHostKey: string;
  };
  dns: { server: string; zones: string[]; controlSocket: string };
  acme: { directory: string; issuingRootPath: string; serverCaPath: string; intermediatePath?: string };
  receiver: { domain: string; mx: string; inboxPath: string };
  proxy: { url: string };
  /**
   * The world's Cloudflare API: base URL (provider config `cloudflare:baseUrl`), the API token
   * (`cloudflare:apiToken`, new at each `up`) and the one account that holds every world zone.
   */
  cloudflare: { baseUrl: string; token: string; accountId: string };
  /**
   * The world's Contabo API, whose PTR changes go into the world DNS: its endpoints and the
   * account's credentials (new at each `up`), as `mailstack:contabo` takes them.
   */
  contabo: { authUrl: string; apiUrl: string; clientId: string; clientSecret: string; apiUser: string; apiPassword: string };
  startedAt?: string;
}

export interface WorldInputs {
  os: OsName;
  flavour: VpsFlavour;
  hostname: string;
  sshPrivateKeyPath: string;
  sshHostKey: string;
  controlSocket: string;
  serverCaPath: string;
  cloudflareToken: string;
  cloudflareAccountId: string;
  contabo: World["contabo"];
}

/** The world description for given inputs (pure). */
export function buildWorld(i: WorldInputs): World {
  return {
    version: 1,
    os: i.os,
    hosts: { host: { ...HOST }, vps: { ...PARTIES.vps }, dns: { ...PARTIES.dns }, acme: { ...PARTIES.acme }, gmail: { ...PARTIES.gmail } },
    vps: {
      hostname: i.hostname,
      flavour: i.flavour,
      sshUser: "root",
      sshPort: 22,
      sshPrivateKeyPath: i.sshPrivateKeyPath,
      sshHostKey: i.sshHostKey,
    },
    dns: { server: PARTIES.dns.ipv4, zones: [...ZONES], controlSocket: i.controlSocket },
    acme: {
      directory: ACME_DIRECTORY,
      issuingRootPath: path.join(ACME_DIR, "pebble-root.pem"),
      intermediatePath: path.join(ACME_DIR, "pebble-intermediate.pem"),
      serverCaPath: i.serverCaPath,
    },
    receiver: { domain: "gmail.test", mx: "mx.gmail.test", inboxPath: INBOX_DIR },
    proxy: { url: PROXY_URL },
    cloudflare: { baseUrl: CLOUDFLARE_BASE_URL, token: i.cloudflareToken, accountId: i.cloudflareAccountId },
    contabo: { ...i.contabo },
    startedAt: new Date().toISOString(),
  };
}

/** Writes the file atomically (tmp + rename) so readers never see half of it; 0600: it holds the APIs' credentials. */
export function writeWorld(w: World, file = WORLD_FILE): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(w, null, 2)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

export function readWorld(file = WORLD_FILE): World {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(`the local world is not up (no ${file}); run: sudo npm run world -- up`);
  }
  const w = JSON.parse(text) as World;
  if (w.version !== 1) throw new Error(`${file}: unsupported world version ${String(w.version)}`);
  return w;
}

/** The vps as an SSH target: world key only, host key pinned. */
export function vpsTarget(w: World): SshTarget {
  return { host: w.hosts.vps.ipv4, port: w.vps.sshPort, user: w.vps.sshUser, privateKeyPath: w.vps.sshPrivateKeyPath, hostKey: w.vps.sshHostKey };
}

/** Runs a shell command on the vps over ssh (system client, pinned host key). */
export function vpsExec(cmd: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return sshExec(readWorld(), cmd, opts);
}

/** vpsExec for a given world description (used while the world is coming up). */
export function sshExec(w: World, cmd: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return sshRun(vpsTarget(w), cmd, opts);
}
