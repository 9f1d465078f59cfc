// The one SSH client of the tools around the program (the world and the runner): the system `ssh`,
// a command executed with stdin piped, the host key pinned when given (ignored otherwise, as
// @pulumi/command does). A private key given as text only ever sits in a 0600 file in a 0700
// folder, removed after the command.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SshTarget {
  host: string;
  port?: number;
  user?: string;
  /** The private key itself… */
  privateKey?: string;
  /** …or the path of a key file. */
  privateKeyPath?: string;
  /** authorized_keys-style line (`ssh-ed25519 AAAA...`). */
  hostKey?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

const ALIAS = "mailstack-host";

/** ssh's arguments for a target, given the key file and (when the host key is pinned) a known_hosts file. */
export function sshArgs(t: SshTarget, keyPath: string, knownHosts?: string): string[] {
  return [
    "-F", "/dev/null", "-i", keyPath, "-p", String(t.port ?? 22),
    "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-o", "LogLevel=ERROR",
    "-o", "ServerAliveInterval=15", "-o", "GlobalKnownHostsFile=/dev/null",
    ...(t.hostKey && knownHosts
      ? ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", `HostKeyAlias=${ALIAS}`,
        "-o", `HostKeyAlgorithms=${t.hostKey.split(/\s+/)[0]}`]
      : ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]),
    `${t.user ?? "root"}@${t.host}`,
  ];
}

/** Writes what ssh needs into a private temporary folder and returns the arguments. */
export function withSshFiles<T>(t: SshTarget, use: (args: string[]) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "mailstack-ssh-"));
  chmodSync(dir, 0o700);
  let keyPath = t.privateKeyPath;
  if (t.privateKey !== undefined) {
    keyPath = join(dir, "key");
    writeFileSync(keyPath, t.privateKey.endsWith("\n") ? t.privateKey : `${t.privateKey}\n`, { mode: 0o600 });
  }
  if (!keyPath) throw new Error(`ssh to ${t.host}: no private key`);
  const knownHosts = join(dir, "known_hosts");
  if (t.hostKey) writeFileSync(knownHosts, `${ALIAS} ${t.hostKey}\n`);
  return use(sshArgs(t, keyPath, t.hostKey ? knownHosts : undefined)).finally(() => rmSync(dir, { recursive: true, force: true }));
}

export function sshExec(t: SshTarget, command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return withSshFiles(t, (args) => new Promise((resolve, reject) => {
    const child = spawn("ssh", [...args, "--", command], { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15 * 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 137 : 255), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.stdin ?? "");
  }));
}
