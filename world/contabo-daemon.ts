// The world's Contabo API as a daemon whose PTRs are the world DNS's reverse zones (world/dns.ts).
// Started by `up` (world/contabo.ts):  node --import tsx world/contabo-daemon.ts <config.json>
// The config file (mode 0600) carries the credentials, so they never show in the process list.
import * as fs from "node:fs";
import { ContaboCredentials, createContaboApi } from "./contabo-api";
import { listRecords, setPtr } from "./dns";
import { reverseName, reverseZone } from "./dns-records";
import { serveUntilStopped } from "./proc";

export interface ContaboDaemonConfig {
  host: string;
  port: number;
  credentials: ContaboCredentials;
  /** The vps's addresses: the account's only ones. */
  addresses: string[];
}

const cfg = JSON.parse(fs.readFileSync(process.argv[2] ?? "", "utf8")) as ContaboDaemonConfig;
const server = createContaboApi({
  credentials: cfg.credentials,
  addresses: cfg.addresses,
  backend: {
    get: async (ip) => {
      const name = reverseName(ip);
      const ptr = (await listRecords(reverseZone(ip))).find((r) => r.type === "PTR" && r.name === name);
      return ptr ? ptr.content.replace(/\.$/, "") : null;
    },
    set: setPtr,
  },
  log: (line) => console.log(`${new Date().toISOString()} ${line}`),
});
serveUntilStopped(server, cfg.host, cfg.port, "contabo api");
