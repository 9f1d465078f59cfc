// What the init tests share: the world's Cloudflare API in-process on 127.0.0.1, a throwaway SSH
// key pair, a fake `pulumi` that records each call, a scripted Prompter, and init's output.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCloudflareApi, memoryBackend, memoryStore } from "../../world/cloudflare-api";
import { sshFingerprint, HostKey } from "../../init/host-key";
import { Prompter } from "../../init/prompt";
import { InitDeps } from "../../init/run";

export const ROOT = join(__dirname, "..", "..");
export const TOKEN = "init-test-token_0123456789abcdefghijklmnop";
/** The local world's zones. */
export const WORLD_ZONES = ["example.test", "gmail.test", "acme.test", "world.test"];

export const tempDir = (prefix: string) => mkdtempSync(join(tmpdir(), `mailstack-init-${prefix}-`));

/** The world's Cloudflare API over an in-memory DNS backend, on 127.0.0.1 (a free port). */
export async function startCloudflare(zones = WORLD_ZONES, token = TOKEN): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = createCloudflareApi({ token, backend: memoryBackend(zones), store: memoryStore() });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export interface KeyPair {
  privateKeyFile: string;
  privateKey: string;
  /** `ssh-ed25519 AAAA...` (no comment). */
  publicKey: string;
}

/** An ed25519 key pair made by ssh-keygen in `dir` (`passphrase` encrypts the private key). */
export function sshKeyPair(dir: string, name = "id_ed25519", passphrase = ""): KeyPair {
  const file = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", passphrase, "-C", "init-test", "-f", file]);
  const publicKey = readFileSync(`${file}.pub`, "utf8").trim().split(" ").slice(0, 2).join(" ");
  return { privateKeyFile: file, privateKey: readFileSync(file, "utf8"), publicKey };
}

/** A host key fetcher that answers with `key`, recording where it was asked to look. */
export function fixedHostKey(key: string, calls: [string, number][] = []): (host: string, port: number) => Promise<HostKey> {
  return async (host, port) => {
    calls.push([host, port]);
    return { key, fingerprint: sshFingerprint(key) };
  };
}

/** One call of the fake pulumi: its argv, what it read on stdin, its PULUMI_CONFIG_PASSPHRASE. */
export interface PulumiCall {
  argv: string[];
  stdin: string;
  passphrase: string;
}

/**
 * A fake `pulumi` (a shell script) that records each call's argv (NUL-separated) and stdin, answers
 * `whoami --json` with a file backend, and on `stack select --create` writes a new stack file with
 * an encryption salt, as the real one does. FAKE_PULUMI_FAIL=<word> makes a call containing it fail.
 */
export function fakePulumi(dir: string): { bin: string; calls(): PulumiCall[] } {
  const log = join(dir, "calls");
  const bin = join(dir, "pulumi");
  writeFileSync(bin, `#!/bin/sh
mkdir -p '${log}'
n=$(ls '${log}' | grep -c 'argv$')
printf '%s\\0' "$@" > '${log}'/$n.argv
cat > '${log}'/$n.stdin
printf '%s' "\${PULUMI_CONFIG_PASSPHRASE-(unset)}" > '${log}'/$n.passphrase
case " $* " in *" \${FAKE_PULUMI_FAIL:-never-fails} "*) echo "error: fake failure of $1" >&2; exit 1;; esac
case "$1 $2" in
  "whoami --json") echo '{"user":"test","url":"file:///tmp/fake-state"}';;
  "stack select") stack=$(eval echo "\\\${$#}"); f="Pulumi.\${stack##*/}.yaml"; [ -f "$f" ] || echo 'encryptionsalt: v1:fakesalt' > "$f";;
esac
exit 0
`);
  chmodSync(bin, 0o755);
  return {
    bin,
    calls: () => {
      if (!existsSync(log)) return [];
      const n = readdirSync(log).filter((f) => f.endsWith(".argv")).length;
      return Array.from({ length: n }, (_, i) => ({
        argv: readFileSync(join(log, `${i}.argv`), "utf8").split("\0").slice(0, -1),
        stdin: readFileSync(join(log, `${i}.stdin`), "utf8"),
        passphrase: readFileSync(join(log, `${i}.passphrase`), "utf8"),
      }));
    },
  };
}

/** A Prompter that gives the scripted answers in order and records every question. */
export function scriptedPrompter(answers: string[]): Prompter & { asked: string[] } {
  const queue = [...answers];
  const asked: string[] = [];
  const next = (q: string) => {
    asked.push(q);
    if (queue.length === 0) throw new Error(`no scripted answer for: ${q}`);
    return queue.shift()!;
  };
  return {
    asked,
    ask: async (q, fallback) => next(fallback ? `${q} [${fallback}]` : q) || fallback || "",
    secret: async (q) => next(q),
    confirm: async (q) => /^y/i.test(next(q)),
    close: () => undefined,
  };
}

/** init's deps writing into strings (out, err), over a project folder with the repository's Pulumi.yaml. */
export function captured(dir: string, extra: Partial<InitDeps> = {}): InitDeps & { output(): string; errors(): string } {
  let out = "";
  let err = "";
  return {
    cwd: dir, env: { PATH: process.env.PATH }, out: (t) => { out += `${t}\n`; }, err: (t) => { err += `${t}\n`; }, ...extra,
    output: () => out, errors: () => err,
  };
}

/** A project folder (made when missing) holding a copy of the repository's Pulumi.yaml. */
export function projectDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "Pulumi.yaml"), readFileSync(join(ROOT, "Pulumi.yaml")));
  return dir;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });
