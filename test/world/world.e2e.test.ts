// End-to-end test of the local world. Needs root; see test/support/environment.ts.
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { Resolver } from "node:dns/promises";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import nodemailer from "nodemailer";
import { addRecord, listRecords, removeRecord, setPtr, DnsRecord } from "../../world/dns";
import { waitForMessage } from "../../world/inbox";
import { leftovers, status } from "../../world/lifecycle";
import { tcpOpen } from "../../world/proxy";
import { sshArgs } from "../../world/ssh";
import { readWorld, sshExec, vpsExec, vpsTarget, World } from "../../world/state";
import { rootGate } from "../support/environment";

const REPO = path.resolve(__dirname, "../..");
const gate = rootGate("the local world e2e test");
// WORLD_TEST_OS=debian12 runs the same test against a bookworm vps.
const OS = process.env.WORLD_TEST_OS ?? "debian13";
const CODENAME: Record<string, string> = { debian13: "trixie", debian12: "bookworm" };

function cli(...args: string[]) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ["--import", "tsx", "world/cli.ts", ...args], {
    cwd: REPO,
    encoding: "utf8",
    timeout: 8 * 60_000,
  });
  console.log(`# world ${args.join(" ")}: exit ${r.status} in ${((Date.now() - t0) / 1000).toFixed(1)} s\n${r.stdout}${r.stderr}`);
  return r;
}

function resolver(server = "10.78.0.53"): Resolver {
  const r = new Resolver({ timeout: 1500, tries: 2 });
  r.setServers([server]);
  return r;
}

async function rejects(p: Promise<unknown>, code: RegExp) {
  await assert.rejects(p, (e: NodeJS.ErrnoException) => code.test(String(e.code)));
}

if (gate.failInCi) {
  test("local world e2e", () => assert.fail(gate.failInCi as string));
}

// The world's own machinery, on the bare vps (addresses given from outside). The provider image
// (the default) is checked before the first deploy in test/e2e/local-suite.ts.
describe("local world (e2e)", { skip: gate.skip || gate.failInCi !== false }, () => {
  let w: World;
  const cleanup: DnsRecord[] = [];

  before(() => {
    cli("down"); // start from nothing, whatever a previous run left
    const r = cli("up", "--os", OS, "--vps", "bare");
    assert.equal(r.status, 0, "world up failed");
    w = readWorld();
  });

  after(async () => {
    for (const r of cleanup) await removeRecord(r).catch(() => undefined);
  });

  test("up: world.json describes the world", () => {
    assert.equal(w.version, 1);
    assert.equal(w.os, OS);
    assert.match(w.vps.sshHostKey, /^ssh-ed25519 AAAA/);
    assert.equal(fs.statSync(w.vps.sshPrivateKeyPath).mode & 0o777, 0o600);
    for (const f of [w.acme.issuingRootPath, w.acme.serverCaPath]) assert.match(fs.readFileSync(f, "utf8"), /BEGIN CERTIFICATE/);
  });

  test("up again while up: no-op, exit 0", () => {
    const r = cli("up", "--os", OS, "--vps", "bare");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /already up/);
    assert.equal(readWorld().vps.sshHostKey, w.vps.sshHostKey);
  });

  test("every party answers on its ports (v4 and v6)", async () => {
    const st = await status();
    assert.ok(st.every((s) => s.ok), JSON.stringify(st, null, 2));
    const h = w.hosts;
    const ports: [string, number][] = [
      [h.vps.ipv4, 22], [h.vps.ipv6, 22],
      [h.dns.ipv4, 53], [h.dns.ipv6, 53],
      [h.acme.ipv4, 14000], [h.acme.ipv6, 14000], [h.acme.ipv4, 15000],
      [h.gmail.ipv4, 25], [h.gmail.ipv6, 25],
      [h.host.ipv4, 3128],
    ];
    for (const [ip, port] of ports) assert.ok(await tcpOpen(ip, port), `${ip}:${port}`);
    assert.ok((await resolver(h.dns.ipv6).resolveSoa("gmail.test")).serial > 0);
    assert.deepEqual(await resolver().resolveMx("gmail.test"), [{ exchange: "mx.gmail.test", priority: 5 }]);
  });

  test("the vps booted cleanly: systemctl is-system-running = running", async () => {
    const r = await vpsExec("systemctl is-system-running");
    if (r.stdout.trim() !== "running") {
      console.error((await vpsExec("systemctl --failed --no-legend")).stdout);
    }
    assert.equal(r.stdout.trim(), "running");
    const osr = await vpsExec(". /etc/os-release && echo $VERSION_CODENAME; hostname -f");
    assert.equal(osr.stdout, `${CODENAME[OS]}\nmail.example.test\n`);
  });

  test("the vps prefers IPv6 for world hosts (global-scope prefix, not ULA)", async () => {
    const r = await vpsExec("getent ahosts mx.gmail.test | head -1");
    assert.match(r.stdout, /^2001:db8:78::25\s/);
    assert.match((await vpsExec("getent hosts 2001:db8:78::10")).stdout, /mail\.example\.test/);
  });

  test("ssh accepts the world key only", async () => {
    assert.equal((await vpsExec("id -u")).stdout.trim(), "0");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msw-otherkey-"));
    try {
      const key = path.join(dir, "id");
      spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
      const kh = path.join(dir, "kh");
      fs.writeFileSync(kh, `mailstack-host ${w.vps.sshHostKey}\n`);
      const args = sshArgs(vpsTarget(w), key, kh);
      const r = spawnSync("ssh", [...args, "true"], { encoding: "utf8", timeout: 20_000 });
      assert.equal(r.status, 255);
      assert.match(r.stderr, /Permission denied/);
      // No key at all (password / keyboard-interactive would be the only way): refused too.
      const r2 = spawnSync("ssh", [...args.filter((a) => a !== key && a !== "-i"), "-o", "PubkeyAuthentication=no", "true"], {
        encoding: "utf8",
        timeout: 20_000,
      });
      assert.equal(r2.status, 255);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("the pinned host key is the vps's key, and a wrong pin is refused", async () => {
    const scan = spawnSync("ssh-keyscan", ["-t", "ed25519", w.hosts.vps.ipv4], { encoding: "utf8", timeout: 10_000 });
    const line = scan.stdout.split("\n").find((l) => l.includes("ssh-ed25519")) ?? "";
    assert.equal(line.split(/\s+/).slice(1, 3).join(" "), w.vps.sshHostKey);
    const other = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ2Vb8jQ0TQn5vJgq7l8m7oZ3f6pVw2m3b0hXq6x0yFz";
    const r = await sshExec({ ...w, vps: { ...w.vps, sshHostKey: other } }, "true");
    assert.equal(r.code, 255);
    assert.match(r.stderr, /host key verification failed|HOST IDENTIFICATION HAS CHANGED/i);
  });

  test("dns API: A, two MX, two-string TXT, long TXT; remove", async () => {
    const name = `t${randomBytes(3).toString("hex")}.example.test`;
    const recs: DnsRecord[] = [
      { zone: "example.test", name, type: "A", content: "10.78.0.99", ttl: 60 },
      { zone: "example.test", name, type: "MX", content: "mx1.example.test", ttl: 60, priority: 10 },
      { zone: "example.test", name, type: "MX", content: "mx2.example.test", ttl: 60, priority: 20 },
      { zone: "example.test", name, type: "TXT", content: '"abc" "def"', ttl: 60 },
      { zone: "example.test", name: `long.${name}`, type: "TXT", content: "x".repeat(300), ttl: 60 },
    ];
    for (const r of recs) {
      await addRecord(r);
      cleanup.push(r);
    }
    const res = resolver();
    assert.deepEqual(await res.resolve4(name), ["10.78.0.99"]);
    const mx = (await res.resolveMx(name)).sort((a, b) => a.priority - b.priority);
    assert.deepEqual(mx, [{ exchange: "mx1.example.test", priority: 10 }, { exchange: "mx2.example.test", priority: 20 }]);
    assert.deepEqual(await res.resolveTxt(name), [["abc", "def"]]);
    const long = await res.resolveTxt(`long.${name}`);
    assert.deepEqual(long[0]?.map((s) => s.length), [255, 45]);
    const dig = spawnSync("dig", ["+short", "@10.78.0.53", name, "TXT"], { encoding: "utf8" });
    assert.equal(dig.stdout.trim(), '"abc" "def"');

    const listed = (await listRecords("example.test")).filter((r) => r.name === name);
    assert.equal(listed.length, 4);
    assert.ok(listed.some((r) => r.type === "MX" && r.priority === 20 && r.content === "mx2.example.test"));

    // Adding an identical record fails (as on Cloudflare) and leaves no transaction open.
    await assert.rejects(addRecord(recs[0] as DnsRecord), /exists/);
    await removeRecord(recs[2] as DnsRecord);
    assert.deepEqual(await res.resolveMx(name), [{ exchange: "mx1.example.test", priority: 10 }]);
    for (const r of recs) if (r !== recs[2]) await removeRecord(r);
    cleanup.length = 0;
    await rejects(res.resolve4(name), /ENOTFOUND|ENODATA/);
    await rejects(res.resolveTxt(`long.${name}`), /ENOTFOUND|ENODATA/);
  });

  test("Cloudflare API: token, zone lookup, records through knot, in DNS at once", async () => {
    const cf = w.cloudflare;
    assert.equal(cf.baseUrl, "http://10.78.0.1:8787/client/v4");
    assert.match(cf.token, /^[0-9A-Za-z_-]{40}$/);
    const call = async (method: string, p: string, body?: unknown, token: string | null = cf.token) => {
      const headers: Record<string, string> = { "Content-Type": "application/json" };
      if (token !== null) headers.Authorization = `Bearer ${token}`;
      const r = await fetch(`${cf.baseUrl}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: (await r.json()) as any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- varies by route
    };
    const denied = await call("GET", "/zones?name=example.test", undefined, null);
    assert.equal(denied.status, 403);
    assert.equal(denied.json.errors[0].code, 10000);

    const zones = (await call("GET", "/zones?name=example.test")).json.result;
    assert.equal(zones.length, 1);
    const recs = `/zones/${zones[0].id}/dns_records`;
    // Records the world seeded (not made through the API) are listed too, MX priority separate.
    const gz = (await call("GET", "/zones?name=gmail.test")).json.result[0];
    const gmx = (await call("GET", `/zones/${gz.id}/dns_records?type=MX`)).json.result;
    assert.deepEqual(gmx.map((r: { content: string; priority: number }) => [r.content, r.priority]), [["mx.gmail.test", 5]]);

    const name = `cf${randomBytes(3).toString("hex")}.example.test`;
    const made: string[] = [];
    const create = async (body: object) => {
      const r = await call("POST", recs, body);
      assert.equal(r.status, 200, JSON.stringify(r.json));
      made.push(r.json.result.id);
      return r.json.result;
    };
    const a = await create({ type: "A", name, content: "10.78.0.98", ttl: 60 });
    const aaaa = await create({ type: "AAAA", name, content: "2001:DB8:78:0:0:0:0:98", ttl: 60 });
    assert.equal(aaaa.content, "2001:db8:78::98");
    const mx = await create({ type: "MX", name, content: "mx1.example.test", priority: 10, ttl: 60 });
    const txt = await create({ type: "TXT", name, content: "k".repeat(300), ttl: 1, comment: "long" });
    assert.equal(txt.content, `"${"k".repeat(255)}" "${"k".repeat(45)}"`);
    const res = resolver();
    assert.deepEqual(await res.resolve4(name), ["10.78.0.98"]);
    assert.deepEqual(await res.resolve6(name), ["2001:db8:78::98"]);
    assert.deepEqual(await res.resolveMx(name), [{ exchange: "mx1.example.test", priority: 10 }]);
    assert.deepEqual((await res.resolveTxt(name))[0]?.map((s) => s.length), [255, 45]);

    // Every record reads back by id with what Cloudflare would store (knot's form is mapped back).
    for (const r of [a, aaaa, mx, txt]) assert.deepEqual((await call("GET", `${recs}/${r.id}`)).json.result, r);
    const listed = (await call("GET", `${recs}?name.exact=${name}`)).json.result;
    assert.deepEqual(listed.map((r: { id: string }) => r.id).sort(), [a.id, aaaa.id, mx.id, txt.id].sort());

    const again = await call("POST", recs, { type: "A", name, content: "10.78.0.98", ttl: 60 });
    assert.equal(again.status, 400);
    assert.equal(again.json.errors[0].code, 81058);
    const badTtl = await call("POST", recs, { type: "A", name, content: "10.78.0.97", ttl: 30 });
    assert.equal(badTtl.status, 400);

    const u = await call("PUT", `${recs}/${a.id}`, { type: "A", name, content: "10.78.0.97", ttl: 60 });
    assert.equal(u.status, 200, JSON.stringify(u.json));
    assert.equal(u.json.result.id, a.id);
    assert.deepEqual(await res.resolve4(name), ["10.78.0.97"]);

    for (const id of made) assert.equal((await call("DELETE", `${recs}/${id}`)).status, 200);
    await rejects(res.resolve4(name), /ENOTFOUND|ENODATA/);
    assert.equal((await call("GET", `${recs}/${a.id}`)).status, 404);
  });

  test("PTR of the vps (v4 and v6) is the host name; setPtr(ip, null) removes it", async () => {
    const res = resolver();
    for (const ip of [w.hosts.vps.ipv4, w.hosts.vps.ipv6]) {
      assert.deepEqual(await res.reverse(ip), ["mail.example.test"]);
      await setPtr(ip, null);
      await rejects(res.reverse(ip), /ENOTFOUND|ENODATA/);
      await setPtr(ip, "other.example.test");
      assert.deepEqual(await res.reverse(ip), ["other.example.test"]);
      await setPtr(ip, w.vps.hostname);
      assert.deepEqual(await res.reverse(ip), ["mail.example.test"]);
    }
  });

  test("the world's Contabo API reads and sets the vps's PTRs in the world DNS, and no other address's", async () => {
    const c = w.contabo;
    const form = new URLSearchParams({ client_id: c.clientId, client_secret: c.clientSecret, username: c.apiUser, password: c.apiPassword, grant_type: "password" });
    const login = await fetch(c.authUrl, { method: "POST", body: form });
    assert.equal(login.status, 200);
    const { access_token: token } = await login.json() as { access_token: string };
    const call = (method: string, ip: string, body?: unknown) => fetch(`${c.apiUrl}/v1/dns/ptrs/${ip}`, {
      method, body: body === undefined ? undefined : JSON.stringify(body),
      headers: { Authorization: `Bearer ${token}`, "x-request-id": randomUUID(), "Content-Type": "application/json" },
    });
    const ip = w.hosts.vps.ipv6;
    assert.equal(((await (await call("GET", ip)).json()) as { data: { ptr: string }[] }).data[0].ptr, "mail.example.test");
    assert.equal((await call("PUT", ip, { ptr: "api.example.test" })).status, 204);
    assert.deepEqual(await resolver().reverse(ip), ["api.example.test"]);
    assert.equal((await call("PUT", ip, { ptr: w.vps.hostname })).status, 204);
    assert.deepEqual(await resolver().reverse(ip), ["mail.example.test"]);
    assert.equal((await call("GET", w.hosts.gmail.ipv4)).status, 404);
  });

  test("pebble's directory answers from the vps (world CA in its trust store)", async () => {
    for (const fam of ["-4", "-6"]) {
      const r = await vpsExec(`curl -sS --fail ${fam} https://acme.test:14000/dir`);
      assert.equal(r.code, 0, r.stderr);
      assert.match(JSON.parse(r.stdout).newAccount as string, /^https:\/\/acme\.test:14000\//);
    }
  });

  test("the receiver authenticates mail: signed + SPF-listed passes, forged fails", async () => {
    const domain = `s${randomBytes(3).toString("hex")}.example.test`;
    const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const p = publicKey.export({ type: "spki", format: "der" }).toString("base64");
    const recs: DnsRecord[] = [
      { zone: "example.test", name: domain, type: "TXT", content: `v=spf1 ip4:${w.hosts.host.ipv4} -all`, ttl: 60 },
      { zone: "example.test", name: `sel._domainkey.${domain}`, type: "TXT", content: `v=DKIM1; k=rsa; p=${p}`, ttl: 60 },
      { zone: "example.test", name: `_dmarc.${domain}`, type: "TXT", content: "v=DMARC1; p=reject; adkim=s; aspf=s", ttl: 60 },
    ];
    for (const r of recs) {
      await addRecord(r);
      cleanup.push(r);
    }
    const ca = fs.readFileSync(w.acme.serverCaPath);
    const send = async (host: string, dkim: boolean, subject: string) => {
      const t = nodemailer.createTransport({
        host,
        port: 25,
        secure: false,
        requireTLS: true,
        name: "host.world.test",
        tls: { ca, servername: "mx.gmail.test", rejectUnauthorized: true },
        ...(dkim
          ? { dkim: { domainName: domain, keySelector: "sel", privateKey: privateKey.export({ type: "pkcs8", format: "pem" }) as string } }
          : {}),
      });
      const info = await t.sendMail({ from: `alice@${domain}`, to: "bob@gmail.test", subject, text: "hello from the world test\n" });
      t.close();
      return info.messageId as string;
    };

    // Signed, from 10.78.0.1 (listed in SPF), over IPv4.
    const good = await send(w.hosts.gmail.ipv4, true, "signed");
    const m1 = await waitForMessage((m) => m.headers.messageId === good, 15_000);
    assert.deepEqual(m1.peer, { ip: w.hosts.host.ipv4, family: "ipv4" });
    assert.equal(m1.helo, "host.world.test");
    assert.equal(m1.tls.secure, true);
    assert.match(m1.tls.protocol ?? "", /^TLSv1\.[23]$/);
    assert.deepEqual(m1.envelope, { mailFrom: `alice@${domain}`, rcptTo: ["bob@gmail.test"] });
    assert.equal(m1.headers.subject, "signed");
    assert.deepEqual(m1.auth.spf, { result: "pass", domain });
    assert.deepEqual(m1.auth.dkim, [{ result: "pass", domain, selector: "sel", algorithm: "rsa-sha256" }]);
    assert.deepEqual(m1.auth.dmarc, { result: "pass", policy: "reject" });
    assert.match(m1.auth.header, /^Authentication-Results: mx\.gmail\.test;/);
    for (const k of ["dkim=pass", "spf=pass", "dmarc=pass"]) assert.ok(m1.auth.header.includes(k), m1.auth.header);
    const eml = fs.readFileSync(m1.emlPath, "utf8");
    assert.ok(eml.startsWith("Authentication-Results:") || eml.includes("\r\nAuthentication-Results:"));
    assert.match(eml, /DKIM-Signature:/);

    // Unsigned, from 2001:db8:78::1 (not in SPF), over IPv6.
    const bad = await send(w.hosts.gmail.ipv6, false, "forged");
    const m2 = await waitForMessage((m) => m.headers.messageId === bad, 15_000);
    assert.deepEqual(m2.peer, { ip: w.hosts.host.ipv6, family: "ipv6" });
    assert.equal(m2.auth.spf.result, "fail");
    assert.deepEqual(m2.auth.dkim, []);
    assert.equal(m2.auth.dmarc.result, "fail");
    assert.match(m2.auth.header, /spf=fail/);

    for (const r of recs) await removeRecord(r);
    cleanup.length = 0;
  });

  test("safety: no route out of the world; the proxy refuses non-mirror hosts before any lookup", async () => {
    const v4 = await vpsExec("timeout 5 bash -c 'echo > /dev/tcp/192.0.2.1/25'");
    assert.notEqual(v4.code, 0);
    assert.match(v4.stderr, /Network is unreachable/);
    const v6 = await vpsExec("timeout 5 bash -c 'echo > /dev/tcp/2001:db8:ffff::1/25'");
    assert.notEqual(v6.code, 0);
    assert.match(v6.stderr, /Network is unreachable/);
    const r = await vpsExec(`curl -sS -o /dev/null -w '%{http_code}' -x ${w.proxy.url} http://example.com/`);
    assert.equal(r.stdout, "403");
    const c = await vpsExec(`curl -sS -o /dev/null -w '%{http_code}' -p -x ${w.proxy.url} https://example.com/ || true`);
    assert.match(c.stdout + c.stderr, /403/);
    const log = fs.readFileSync(path.join(REPO, ".local/world/proxy/tinyproxy.log"), "utf8");
    assert.doesNotMatch(log, /opensock: opening connection to example\.com/);
    assert.doesNotMatch(log, /getaddrinfo returned for example\.com/);
  });

  test("reboot keeps the disk and comes back running", async () => {
    await vpsExec("echo kept > /root/reboot-marker");
    const r = cli("reboot");
    assert.equal(r.status, 0);
    assert.match(r.stdout, /systemd says "running"/);
    assert.equal((await vpsExec("cat /root/reboot-marker")).stdout, "kept\n");
  });

  test("down leaves nothing, and is safe to repeat", async () => {
    assert.equal(cli("down").status, 0);
    const left = await leftovers();
    assert.deepEqual(left, { netns: [], links: [], mounts: [], pids: [] });
    assert.equal(fs.existsSync(path.join(REPO, ".local/world.json")), false);
    assert.equal(fs.existsSync(path.join(REPO, ".local/world")), false);
    const ps = spawnSync("ps", ["-eo", "stat=,args="], { encoding: "utf8" }).stdout
      .split("\n")
      .filter((l) => !l.startsWith("Z") && /knotd|pebble|tinyproxy|systemd-nspawn|receiver\/server\.ts|vps-run\.sh/.test(l));
    assert.deepEqual(ps, []);
    assert.equal(cli("down").status, 0);
  });

  test("down cleans up after an up that was killed half-way", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "world/cli.ts", "up", "--os", OS, "--vps", "bare"], { cwd: REPO, stdio: "ignore" });
    // Kill it once the container is starting: daemons, netns and the overlay exist, world.json does not.
    const pidfile = path.join(REPO, ".local/world/pids/vps");
    const end = Date.now() + 120_000;
    while (!fs.existsSync(pidfile) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.ok(fs.existsSync(pidfile), "up never reached the vps boot");
    assert.notDeepEqual((await leftovers()).netns, []);
    assert.equal(cli("down").status, 0);
    assert.deepEqual(await leftovers(), { netns: [], links: [], mounts: [], pids: [] });
  });
});
