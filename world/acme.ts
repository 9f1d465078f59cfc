// pebble (ACME test CA) in netns msw-acme, HTTPS listener signed by the world CA.
import * as fs from "node:fs";
import * as https from "node:https";
import * as net from "node:net";
import * as path from "node:path";
import { ACME_DIR, PARTIES, RUN_DIR } from "./config";
import { CA_CERT, issue } from "./pki";
import { startDaemon, stopDaemon, waitFor } from "./proc";

const DIR = path.join(RUN_DIR, "acme");
export const ROOT_PEM = path.join(ACME_DIR, "pebble-root.pem");
export const INTERMEDIATE_PEM = path.join(ACME_DIR, "pebble-intermediate.pem");

/** GET over HTTPS, verified against the world CA. Resolves body and status. */
export function httpsGet(url: string, ca = fs.readFileSync(CA_CERT), timeoutMs = 3000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    // acme.test is not in the host's resolver: dial the address, verify the name.
    const host = u.hostname === "acme.test" ? PARTIES.acme.ipv4 : u.hostname;
    const req = https.get(
      { host, port: u.port, path: u.pathname + u.search, ca, servername: net.isIP(u.hostname) ? undefined : u.hostname, headers: { host: u.host }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
  });
}

export async function acmeUp(): Promise<void> {
  fs.mkdirSync(DIR, { recursive: true });
  fs.mkdirSync(ACME_DIR, { recursive: true });
  const a = PARTIES.acme;
  const { key, cert } = await issue("acme", ["acme.test"], [a.ipv4, a.ipv6]);
  const conf = {
    pebble: {
      listenAddress: "[::]:14000",
      managementListenAddress: "[::]:15000",
      certificate: cert,
      privateKey: key,
      httpPort: 80,
      tlsPort: 443,
      ocspResponderURL: "",
      externalAccountBindingRequired: false,
    },
  };
  fs.writeFileSync(path.join(DIR, "pebble.json"), JSON.stringify(conf, null, 2));
  startDaemon(
    "pebble",
    "ip",
    ["netns", "exec", a.netns, "pebble", "-config", path.join(DIR, "pebble.json"), "-dnsserver", `${PARTIES.dns.ipv4}:53`],
    {
      log: path.join(DIR, "pebble.log"),
      // No sleeps, no fake bad nonces, a fresh challenge every time: fast, repeatable tests.
      env: { ...process.env, PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
    },
  );
  await waitFor("pebble directory", async () => (await httpsGet("https://acme.test:14000/dir")).status === 200, 15_000, 100);
  // pebble makes a new root at every start: export it (and the intermediate) for the tests.
  const root = await httpsGet(`https://${a.ipv4}:15000/roots/0`);
  const inter = await httpsGet(`https://${a.ipv4}:15000/intermediates/0`);
  if (root.status !== 200 || !root.body.includes("BEGIN CERTIFICATE")) throw new Error(`pebble root: HTTP ${root.status}`);
  fs.writeFileSync(ROOT_PEM, root.body);
  if (inter.status === 200) fs.writeFileSync(INTERMEDIATE_PEM, inter.body);
}

export async function acmeDown(): Promise<void> {
  await stopDaemon("pebble", "pebble");
}
