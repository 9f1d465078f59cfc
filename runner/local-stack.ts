// The local stack's config: Pulumi.local.yaml plus what only the running world knows.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { World } from "../world/state";

export type ConfigMap = Record<string, unknown>;

/** Values held as secrets in the stack (set through stdin, never written in plain text): a key, or `<key>.<field>`. */
export const SECRET_CONFIG_PATHS = [
  "mailstack:sshPrivateKey", "cloudflare:apiToken", "mailstack:contabo.clientSecret", "mailstack:contabo.apiPassword",
];
/** The keys the engine then reports as secret (a key holding a secret field is one). */
export const SECRET_CONFIG_KEYS = [...new Set(SECRET_CONFIG_PATHS.map((p) => p.split(".")[0]))];

export function localStackConfig(stackFile: string, world: World): ConfigMap {
  const doc = parse(readFileSync(stackFile, "utf8")) as { config: ConfigMap };
  const config = structuredClone(doc.config);
  const hosts = config["mailstack:hosts"] as Record<string, unknown>[];
  if (!Array.isArray(hosts) || hosts.length !== 1) throw new Error(`${stackFile}: the local world has exactly one vps: list one host`);
  // Any name in the world's mail zone: the vps can be renamed (its PTR follows with world DNS's setPtr).
  if (typeof hosts[0].hostname !== "string" || !hosts[0].hostname.endsWith(".example.test")) {
    throw new Error(`${stackFile}: host ${String(hosts[0].hostname)} is not a name in the world's zone example.test (e.g. ${world.vps.hostname})`);
  }
  // `sshHostKey: null` in the stack file leaves the key unpinned (trust on first use); otherwise the
  // world's key is pinned, as a person who checked the provider's console would.
  const unpinned = hosts[0].sshHostKey === null;
  Object.assign(hosts[0], {
    ipv4: world.hosts.vps.ipv4, ipv6: world.hosts.vps.ipv6, sshUser: world.vps.sshUser, sshPort: world.vps.sshPort,
    sshHostKey: world.vps.sshHostKey,
  });
  if (unpinned) delete hosts[0].sshHostKey;
  const acme = config["mailstack:acme"] as Record<string, unknown>;
  Object.assign(acme, { directory: world.acme.directory, caBundle: readFileSync(world.acme.serverCaPath, "utf8") });
  config["mailstack:sshPrivateKey"] = readFileSync(world.vps.sshPrivateKeyPath, "utf8");
  // The world's Cloudflare API (backed by its DNS server) and its token, new at each `up`.
  config["cloudflare:apiToken"] = world.cloudflare.token;
  config["cloudflare:baseUrl"] = world.cloudflare.baseUrl;
  // `mailstack:contabo: world`: the world's Contabo API and its account (new at each `up`) set the PTR.
  if (config["mailstack:contabo"] === "world") config["mailstack:contabo"] = { ...world.contabo };
  // The PTR check asks the world's DNS server, never this machine's resolver (the world's names are not on the internet).
  config["mailstack:reverseDns"] = { ...(config["mailstack:reverseDns"] as object | undefined), resolver: world.dns.server };
  return config;
}
