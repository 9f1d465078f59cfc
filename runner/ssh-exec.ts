// What @pulumi/command's remote.Command does over SSH, with the system ssh client: exec the command
// text, stdin piped, the host key pinned when the connection names one (ignored otherwise, as the
// provider does). The private key only ever sits in a 0600 file in a 0700 folder, removed after.
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface SshConnection {
  host: string;
  port?: number;
  user?: string;
  privateKey: string;
  /** authorized_keys-style line (`ssh-ed25519 AAAA...`). */
  hostKey?: string;
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function sshExec(connection: SshConnection, command: string, stdin = "", timeoutMs = 15 * 60_000): Promise<ExecResult> {
  const dir = mkdtempSync(join(tmpdir(), "mailstack-ssh-"));
  chmodSync(dir, 0o700);
  try {
    const key = join(dir, "key");
    writeFileSync(key, connection.privateKey.endsWith("\n") ? connection.privateKey : `${connection.privateKey}\n`, { mode: 0o600 });
    const knownHosts = join(dir, "known_hosts");
    const pinned = connection.hostKey !== undefined;
    if (pinned) writeFileSync(knownHosts, `mailstack-host ${connection.hostKey}\n`);
    const args = [
      "-F", "/dev/null", "-i", key, "-p", String(connection.port ?? 22),
      "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=15", "-o", "LogLevel=ERROR",
      "-o", "ServerAliveInterval=15", "-o", "GlobalKnownHostsFile=/dev/null",
      ...(pinned
        ? ["-o", "StrictHostKeyChecking=yes", "-o", `UserKnownHostsFile=${knownHosts}`, "-o", "HostKeyAlias=mailstack-host"]
        : ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]),
      `${connection.user ?? "root"}@${connection.host}`, "--", command,
    ];
    return await new Promise((resolve, reject) => {
      const child = spawn("ssh", args, { stdio: ["pipe", "pipe", "pipe"] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on("data", (b: Buffer) => out.push(b));
      child.stderr.on("data", (b: Buffer) => err.push(b));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.on("error", reject);
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        resolve({ code: code ?? (signal ? 137 : 255), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() });
      });
      child.stdin.on("error", () => undefined);
      child.stdin.end(stdin);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
