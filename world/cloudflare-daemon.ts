// The world's Cloudflare API as a daemon over knot (world/dns.ts). Started by `up` (world/cloudflare.ts):
//   node --import tsx world/cloudflare-daemon.ts <config.json>
// The config file (mode 0600) carries the token, so it never shows in the process list.
import * as fs from "node:fs";
import { ApiFault, createCloudflareApi, fileStore } from "./cloudflare-api";
import { ZONES } from "./config";
import { addRecord, listRecords, removeRecord } from "./dns";
import { serveUntilStopped } from "./proc";

export interface CloudflareDaemonConfig {
  host: string;
  port: number;
  token: string;
  accountId: string;
  /** The side store (JSON) for what knot cannot hold. */
  storePath: string;
  nameServers: string[];
  /** A JSON ApiFault in this file is played until the file goes (world/faults.ts writes it). */
  faultPath: string;
}

const cfg = JSON.parse(fs.readFileSync(process.argv[2] ?? "", "utf8")) as CloudflareDaemonConfig;
const server = createCloudflareApi({
  token: cfg.token,
  accountId: cfg.accountId,
  nameServers: cfg.nameServers,
  store: fileStore(cfg.storePath),
  // The zones knot serves; every one is in the world's single account.
  backend: { listZones: async () => [...ZONES], addRecord, removeRecord, listRecords },
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  fault: () => (fs.existsSync(cfg.faultPath) ? JSON.parse(fs.readFileSync(cfg.faultPath, "utf8")) as ApiFault : undefined),
});
serveUntilStopped(server, cfg.host, cfg.port, "cloudflare api (/client/v4)");
