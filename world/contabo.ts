// Starts/stops the world's Contabo API (world/contabo-daemon.ts) on the host side of the world's
// bridge, where the machine running pulumi reaches it, with credentials new at each `up`.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { ContaboCredentials, TOKEN_PATH } from "./contabo-api";
import type { ContaboDaemonConfig } from "./contabo-daemon";
import { CONTABO_BASE_URL, CONTABO_PORT, HOST, PARTIES, REPO_ROOT, RUN_DIR } from "./config";
import { startDaemon, stopDaemon, waitFor } from "./proc";
import { tcpOpen } from "./proxy";

export const CONTABO_DIR = path.join(RUN_DIR, "contabo");
export const CONTABO_AUTH_URL = `${CONTABO_BASE_URL}${TOKEN_PATH}`;

/** The account's API credentials, as the panel's "API details" page shows them. */
export function newContaboCredentials(): ContaboCredentials {
  return {
    clientId: `INT-${randomBytes(4).readUInt32BE() % 90_000_000 + 10_000_000}`,
    clientSecret: randomBytes(24).toString("base64url"),
    apiUser: "admin@example.test",
    apiPassword: randomBytes(18).toString("base64url"),
  };
}

export async function contaboUp(credentials: ContaboCredentials): Promise<void> {
  fs.mkdirSync(CONTABO_DIR, { recursive: true });
  const cfg: ContaboDaemonConfig = {
    host: HOST.ipv4, port: CONTABO_PORT, credentials, addresses: [PARTIES.vps.ipv4, PARTIES.vps.ipv6],
  };
  const cfgFile = path.join(CONTABO_DIR, "config.json");
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2), { mode: 0o600 });
  startDaemon("contabo-api", process.execPath, ["--import", "tsx", path.join(__dirname, "contabo-daemon.ts"), cfgFile], {
    log: path.join(CONTABO_DIR, "contabo-api.log"), cwd: REPO_ROOT,
  });
  await waitFor(`Contabo API on ${HOST.ipv4}:${CONTABO_PORT}`, () => tcpOpen(HOST.ipv4, CONTABO_PORT), 20_000, 100);
}

export async function contaboDown(): Promise<void> {
  await stopDaemon("contabo-api", "contabo-daemon.ts");
}
