// The host key: its fingerprint exactly as ssh-keygen -lf prints it, and ssh-keyscan's answer read
// (a fake ssh-keyscan stands in for a VPS; the world suite runs the real one against the world's).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { HostKeyError, parseKeyscan, scanHostKey, sshFingerprint } from "../../init/host-key";
import { removeDir, sshKeyPair, tempDir } from "./fixtures";

const dir = tempDir("host-key");
after(() => removeDir(dir));

/** A fake ssh-keyscan: records its argv, prints `stdout` and `stderr`, exits with `code` (after `sleep` s). */
function fakeKeyscan(name: string, stdout: string, opts: { stderr?: string; code?: number; sleep?: number } = {}): string {
  const file = join(dir, name);
  writeFileSync(`${file}.out`, stdout);
  writeFileSync(`${file}.err`, opts.stderr ?? "");
  writeFileSync(file, `#!/bin/sh\necho "$@" > '${file}.argv'\n${opts.sleep ? `exec sleep ${opts.sleep}\n` : ""}`
    + `cat '${file}.out'\ncat '${file}.err' >&2\nexit ${opts.code ?? 0}\n`);
  chmodSync(file, 0o755);
  return file;
}

test("the fingerprint is ssh-keygen -lf's, for several keys", () => {
  for (const name of ["a", "b", "c"]) {
    const pair = sshKeyPair(dir, name);
    const printed = execFileSync("ssh-keygen", ["-lf", `${pair.privateKeyFile}.pub`], { encoding: "utf8" }).split(" ")[1];
    assert.equal(sshFingerprint(pair.publicKey), printed);
    assert.equal(sshFingerprint(`${pair.publicKey} with a comment`), printed);
    assert.match(printed!, /^SHA256:[A-Za-z0-9+/]{43}$/);
  }
});

test("ssh-keyscan's answer: the ed25519 line without its host field, whatever the port form", () => {
  const key = sshKeyPair(dir, "scan").publicKey;
  assert.equal(parseKeyscan(`# 203.0.113.25:22 SSH-2.0-OpenSSH_9.2\n203.0.113.25 ${key}\n`), key);
  assert.equal(parseKeyscan(`[203.0.113.25]:2222 ssh-rsa AAAAB3Nza\n[203.0.113.25]:2222 ${key}\n`), key);
  assert.equal(parseKeyscan("# only a banner\n"), undefined);
});

test("scanHostKey runs ssh-keyscan -t ed25519 -p <port> <ip> with a time limit and returns the key and fingerprint", async () => {
  const key = sshKeyPair(dir, "vps").publicKey;
  const bin = fakeKeyscan("keyscan-ok", `[203.0.113.25]:2222 ${key}\n`, { stderr: "# 203.0.113.25:2222 SSH-2.0-OpenSSH_9.2\n" });
  const got = await scanHostKey("203.0.113.25", 2222, { keyscan: bin, timeoutMs: 10_000 });
  assert.deepEqual(got, { key, fingerprint: sshFingerprint(key) });
  assert.equal(readFileSync(`${bin}.argv`, "utf8").trim(), "-T 5 -t ed25519 -p 2222 203.0.113.25");
});

test("no key: the address, the port and ssh-keyscan's own words", async () => {
  const bin = fakeKeyscan("keyscan-refused", "", { stderr: "connect (`203.0.113.25'): Connection refused\n", code: 1 });
  await assert.rejects(scanHostKey("203.0.113.25", 22, { keyscan: bin }), (e: Error) => {
    assert.ok(e instanceof HostKeyError);
    assert.equal(e.message, "no ed25519 host key from 203.0.113.25 port 22 (ssh-keyscan: connect (`203.0.113.25'): Connection refused): "
      + "is the VPS up, with sshd on port 22 and an ed25519 key?");
    return true;
  });
});

test("a keyscan that hangs is stopped at the time limit", async () => {
  const bin = fakeKeyscan("keyscan-hangs", "", { sleep: 30 });
  const t0 = Date.now();
  await assert.rejects(scanHostKey("203.0.113.25", 22, { keyscan: bin, timeoutMs: 1_000 }), /ssh-keyscan: timed out after 1 s/);
  assert.ok(Date.now() - t0 < 10_000);
});

test("ssh-keyscan missing: said so", async () => {
  await assert.rejects(scanHostKey("203.0.113.25", 22, { keyscan: join(dir, "no-such-keyscan") }), /ssh-keyscan: spawn .*no-such-keyscan ENOENT/);
});
