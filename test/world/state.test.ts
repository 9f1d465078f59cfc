import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { headerField, headerValue, normalizePeer } from "../../world/receiver/record";
import { buildWorld, readWorld, writeWorld } from "../../world/state";

const inputs = {
  os: "debian13" as const,
  flavour: "provider" as const,
  hostname: "mail.example.test",
  sshPrivateKeyPath: "/x/.local/ssh/id_ed25519",
  sshHostKey: "ssh-ed25519 AAAAtest",
  controlSocket: "/x/knot.sock",
  serverCaPath: "/x/ca.crt",
  cloudflareToken: "t".repeat(40),
  cloudflareAccountId: "a".repeat(32),
  contabo: { authUrl: "http://10.78.0.1:8788/token", apiUrl: "http://10.78.0.1:8788", clientId: "INT-1", clientSecret: "s", apiUser: "u@example.test", apiPassword: "p" },
};

test("world.json has the agreed shape", () => {
  const w = buildWorld(inputs);
  assert.equal(w.version, 1);
  assert.deepEqual(w.hosts.host, { ipv4: "10.78.0.1", ipv6: "2001:db8:78::1" });
  assert.deepEqual(w.hosts.vps, { ipv4: "10.78.0.10", ipv6: "2001:db8:78::10", netns: "msw-vps" });
  assert.deepEqual(w.hosts.dns, { ipv4: "10.78.0.53", ipv6: "2001:db8:78::53", netns: "msw-dns" });
  assert.deepEqual(w.hosts.acme, { ipv4: "10.78.0.14", ipv6: "2001:db8:78::14", netns: "msw-acme" });
  assert.deepEqual(w.hosts.gmail, { ipv4: "10.78.0.25", ipv6: "2001:db8:78::25", netns: "msw-gmail" });
  assert.deepEqual(w.vps, {
    hostname: "mail.example.test", flavour: "provider", sshUser: "root", sshPort: 22,
    sshPrivateKeyPath: inputs.sshPrivateKeyPath, sshHostKey: inputs.sshHostKey,
  });
  assert.equal(w.dns.server, "10.78.0.53");
  assert.ok(w.dns.zones.includes("example.test") && w.dns.zones.includes("gmail.test"));
  assert.equal(w.acme.directory, "https://acme.test:14000/dir");
  assert.ok(path.isAbsolute(w.acme.issuingRootPath));
  assert.equal(w.acme.serverCaPath, "/x/ca.crt");
  assert.equal(w.receiver.domain, "gmail.test");
  assert.equal(w.receiver.mx, "mx.gmail.test");
  assert.ok(w.receiver.inboxPath.endsWith("/.local/inbox"));
  assert.equal(w.proxy.url, "http://10.78.0.1:3128");
  assert.deepEqual(w.cloudflare, { baseUrl: "http://10.78.0.1:8787/client/v4", token: "t".repeat(40), accountId: "a".repeat(32) });
  assert.deepEqual(w.contabo, inputs.contabo);
});

test("writeWorld is atomic and readWorld reads it back", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msw-state-"));
  const file = path.join(dir, "world.json");
  const w = buildWorld(inputs);
  writeWorld(w, file);
  assert.deepEqual(fs.readdirSync(dir), ["world.json"]); // no tmp file left
  assert.equal(fs.statSync(file).mode & 0o777, 0o600); // the APIs' credentials
  assert.deepEqual(readWorld(file), w);
  fs.rmSync(dir, { recursive: true });
});

test("readWorld explains when the world is not up", () => {
  assert.throws(() => readWorld("/nonexistent/world.json"), /not up.*npm run world -- up/);
});

test("receiver helpers: v4-mapped peers and header values", () => {
  assert.deepEqual(normalizePeer("::ffff:10.78.0.1"), { ip: "10.78.0.1", family: "ipv4" });
  assert.deepEqual(normalizePeer("2001:db8:78::1"), { ip: "2001:db8:78::1", family: "ipv6" });
  const raw = Buffer.from("From: a@b.test\r\nSubject: hello\r\n  world\r\n\r\nSubject: body\r\n");
  assert.equal(headerValue(raw, "subject"), "hello world");
  assert.equal(headerValue(raw, "Message-ID"), null);
  const block = "Received-SPF: pass x\r\nAuthentication-Results: mx;\r\n dkim=pass;\r\n spf=pass\r\nX: y\r\n";
  assert.equal(headerField(block, "authentication-results"), "Authentication-Results: mx;\r\n dkim=pass;\r\n spf=pass");
  assert.equal(headerField(block, "Nope"), "");
});

test("the world CLI refuses to run without root", () => {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, ["--import", "tsx", "world/cli.ts", "status"], {
    cwd: path.resolve(__dirname, "../.."),
    encoding: "utf8",
    // As root, drop to nobody to see the refusal; otherwise we already are not root.
    ...(asRoot ? { uid: 65534, gid: 65534, env: { ...process.env, HOME: "/tmp" } } : {}),
  });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /must run as root/);
});
