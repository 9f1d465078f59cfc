// Starts/stops the gmail.test receiver (world/receiver/server.ts) in netns msw-gmail.
import * as fs from "node:fs";
import * as path from "node:path";
import { INBOX_DIR, PARTIES, REPO_ROOT, RUN_DIR } from "./config";
import { issue } from "./pki";
import { startDaemon, stopDaemon, waitFor } from "./proc";
import { tcpOpen } from "./proxy";
import type { ReceiverConfig } from "./receiver/server";

const DIR = path.join(RUN_DIR, "gmail");

export async function receiverUp(): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  fs.mkdirSync(INBOX_DIR, { recursive: true });
  const g = PARTIES.gmail;
  const { key, cert } = await issue("mx.gmail.test", ["mx.gmail.test"], [g.ipv4, g.ipv6]);
  const cfg: ReceiverConfig = { key, cert, inbox: INBOX_DIR, dnsServer: PARTIES.dns.ipv4, mta: "mx.gmail.test", port: 25 };
  const cfgFile = path.join(DIR, "receiver.json");
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 2));
  startDaemon(
    "receiver",
    "ip",
    ["netns", "exec", g.netns, process.execPath, "--import", "tsx", path.join(__dirname, "receiver", "server.ts"), cfgFile],
    { log: path.join(DIR, "receiver.log"), cwd: REPO_ROOT },
  );
  await waitFor("receiver on port 25", () => tcpOpen(g.ipv4, 25), 20_000, 100);
}

export async function receiverDown(): Promise<void> {
  await stopDaemon("receiver", "receiver/server.ts");
}
