// The VPS's SSH host key as ssh-keyscan sees it, with the fingerprint a person compares against
// the provider's console before the stack pins the key (mailstack:hosts[0].sshHostKey).
import { createHash } from "node:crypto";
import { exec } from "./exec";

export interface HostKey {
  /** `ssh-ed25519 AAAA...`: the known_hosts line without its host field, as the stack pins it. */
  key: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
}

/** How init gets the key: ssh-keyscan by default; tests inject their own. */
export type HostKeyFetcher = (host: string, port: number) => Promise<HostKey>;

export class HostKeyError extends Error {
  override name = "HostKeyError";
}

/** The SHA256 fingerprint of a public key line (`type base64 [comment]`): unpadded base64 of the blob's digest. */
export function sshFingerprint(keyLine: string): string {
  const blob = keyLine.trim().split(/\s+/)[1] ?? "";
  return `SHA256:${createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64").replace(/=+$/, "")}`;
}

/** The first ed25519 key in ssh-keyscan's output (`host ssh-ed25519 AAAA...`), without the host. */
export function parseKeyscan(output: string): string | undefined {
  for (const line of output.split("\n")) {
    const [, type, blob] = line.trim().split(/\s+/);
    if (!line.startsWith("#") && type === "ssh-ed25519" && blob) return `${type} ${blob}`;
  }
  return undefined;
}

/** Runs `ssh-keyscan -t ed25519 -p <port> <host>` (bounded in time) and returns the key and its fingerprint. */
export async function scanHostKey(host: string, port: number, opts: { keyscan?: string; timeoutMs?: number } = {}): Promise<HostKey> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const seconds = String(Math.max(1, Math.floor(timeoutMs / 2000)));
  const r = await exec(opts.keyscan ?? "ssh-keyscan", ["-T", seconds, "-t", "ed25519", "-p", String(port), host], { timeoutMs });
  const key = parseKeyscan(r.stdout);
  if (key) return { key, fingerprint: sshFingerprint(key) };
  const said = r.failure ?? r.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("#")).pop() ?? "no key in its answer";
  throw new HostKeyError(`no ed25519 host key from ${host} port ${port} (ssh-keyscan: ${said}): is the VPS up, with sshd on port ${port} and an ed25519 key?`);
}

export const defaultHostKeyFetcher: HostKeyFetcher = (host, port) => scanHostKey(host, port);
