// Starts/stops the world's Cloudflare API (world/cloudflare-daemon.ts) on the host side of the
// world's bridge, where the machine running pulumi reaches it.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { WORLD_ACCOUNT_ID } from "./cloudflare-api";
import type { CloudflareDaemonConfig } from "./cloudflare-daemon";
import { CLOUDFLARE_PORT, HOST, REPO_ROOT, RUN_DIR } from "./config";
import { startDaemon, stopDaemon, waitFor } from "./proc";
import { tcpOpen } from "./proxy";

export const CLOUDFLARE_DIR = path.join(RUN_DIR, "cloudflare");
/** What knot cannot hold (ids, comments, proxied, tags, settings, timestamps); goes with `down`. */
export const CLOUDFLARE_STORE = path.join(CLOUDFLARE_DIR, "records.json");
/** The failure the API plays while this file exists (see ApiFault). */
export const CLOUDFLARE_FAULT = path.join(CLOUDFLARE_DIR, "fault.json");

/**
 * A new API token: 40 characters of [A-Za-z0-9_-], the shape the Cloudflare provider requires of
 * a token given in config (^[0-9A-Za-z_-]{40,80}$).
 */
export function newToken(): string {
  return randomBytes(30).toString("base64url");
}

export async function cloudflareUp(token: string): Promise<void> {
  fs.mkdirSync(CLOUDFLARE_DIR, { recursive: true });
  fs.rmSync(CLOUDFLARE_FAULT, { force: true });
  const cfg: CloudflareDaemonConfig = {
    host: HOST.ipv4,
    port: CLOUDFLARE_PORT,
    token,
    accountId: WORLD_ACCOUNT_ID,
    storePath: CLOUDFLARE_STORE,
    nameServers: ["ns.world.test"],
    faultPath: CLOUDFLARE_FAULT,
  };
  const cfgFile = path.join(CLOUDFLARE_DIR, "config.json");
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  startDaemon(
    "cloudflare-api",
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "cloudflare-daemon.ts"), cfgFile],
    { log: path.join(CLOUDFLARE_DIR, "cloudflare-api.log"), cwd: REPO_ROOT },
  );
  await waitFor(`Cloudflare API on ${HOST.ipv4}:${CLOUDFLARE_PORT}`, () => tcpOpen(HOST.ipv4, CLOUDFLARE_PORT), 20_000, 100);
}

export async function cloudflareDown(): Promise<void> {
  await stopDaemon("cloudflare-api", "cloudflare-daemon.ts");
}
