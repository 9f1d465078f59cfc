// tinyproxy on the host side: the vps's only way out, and only to the Debian mirror.
// The filter denies other hosts before any DNS lookup or connect.
import * as fs from "node:fs";
import * as path from "node:path";
import { HOST, MIRROR_HOST, PROXY_PORT, RUN_DIR, V4_NET } from "./config";
import { startDaemon, stopDaemon, waitFor } from "./proc";
import * as net from "node:net";

const DIR = path.join(RUN_DIR, "proxy");

export function tinyproxyConf(dir: string): string {
  return [
    `Port ${PROXY_PORT}`,
    `Listen ${HOST.ipv4}`,
    `Timeout 120`,
    `MaxClients 50`,
    `Allow ${V4_NET}.0/24`,
    `ConnectPort 443`,
    `Filter "${path.join(dir, "filter")}"`,
    `FilterType ere`,
    `FilterDefaultDeny Yes`,
    `LogLevel Info`,
    `LogFile "${path.join(dir, "tinyproxy.log")}"`,
    ``,
  ].join("\n");
}

export function tcpOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once("connect", () => done(true));
    s.once("timeout", () => done(false));
    s.once("error", () => done(false));
  });
}

export async function proxyUp(): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  fs.writeFileSync(path.join(DIR, "filter"), `^${MIRROR_HOST.replace(/\./g, "\\.")}$\n`);
  fs.writeFileSync(path.join(DIR, "tinyproxy.conf"), tinyproxyConf(DIR));
  startDaemon("tinyproxy", "tinyproxy", ["-d", "-c", path.join(DIR, "tinyproxy.conf")], {
    log: path.join(DIR, "stdout.log"),
  });
  await waitFor("tinyproxy", () => tcpOpen(HOST.ipv4, PROXY_PORT), 5000, 50);
}

export async function proxyDown(): Promise<void> {
  await stopDaemon("tinyproxy", "tinyproxy");
}
