// The end-to-end proof on a fresh local world: the real program, deployed from a bare vps, sends
// signed, encrypted, authenticated mail, forwards inbound mail, and converges without changes.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Resolver } from "node:dns/promises";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { parse, stringify } from "yaml";
import { txtStrings } from "../../plans/txt";
import * as worldDns from "../../world/dns";
import { listRecords } from "../../world/dns";
import { worldResolver } from "../../world/knot";
import { waitForMessage } from "../../world/inbox";
import { sshExec as sshTo } from "../../world/ssh";
import { readWorld, vpsExec, vpsTarget } from "../../world/state";
import { VPS_ROOT } from "../../world/vps";
import { outputsFileOf, stackResources } from "../../runner/deploy";
import { withAddedDomain } from "../../runner/capture-preview";
import { deployProcess } from "../../runner/processes";
import { doctorWorldTests } from "./doctor-world";
import { MailLoopAttempt, startMailLoop } from "./mail-loop";
import { fail2banWorldTests } from "./fail2ban-world";
import { initWorldChecks } from "../init/world-checks";
import { engineBin } from "../../engine/engine";
import { rootGate } from "../support/environment";
import { ROOT } from "../support/stack-config";
import {
  acmeRoot, deploy, inbound, LOCAL, onVps, outputs, sleep, SmtpDialogue, submission, vpsFingerprint, world,
} from "./support";

const USER = "i@example.test";

/** A variant of a stack file (Pulumi.local.yaml by default), written under .local/; returns its path. */
function stackVariant(name: string, edit: (config: any) => void, from = join(ROOT, "Pulumi.local.yaml")): string {
  const stack = parse(readFileSync(from, "utf8"));
  edit(stack.config);
  const file = join(LOCAL, `Pulumi.local-${name}.yaml`);
  writeFileSync(file, stringify(stack));
  return file;
}

/** The local stack's resources as `pulumi stack export` has them (secrets in plain text). */
const stateResources = () => stackResources("local");

/** Per resource, a digest of its inputs and outputs: compares states without printing a secret. */
function stateDigests(): Record<string, string> {
  const canonical = (v: unknown): unknown => Array.isArray(v) ? v.map(canonical)
    : typeof v === "object" && v !== null ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])])) : v;
  return Object.fromEntries(Object.entries(stateResources()).sort(([a], [b]) => a.localeCompare(b))
    .map(([key, r]) => [key, createHash("sha256").update(JSON.stringify(canonical({ inputs: r.inputs, outputs: r.outputs }))).digest("hex").slice(0, 16)]));
}

/** Serial number of the certificate the vps serves on 465. */
function servedSerial(): Promise<string> {
  const w = readWorld();
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: w.hosts.vps.ipv4, port: 465, servername: w.vps.hostname, ca: [acmeRoot(w)] }, () => {
      resolve(s.getPeerCertificate().serialNumber);
      s.end();
    });
    s.on("error", reject);
  });
}

/** The PTR names of the vps's IPv4 and IPv6, as the world's DNS serves them. */
async function ptrsOfVps(): Promise<string[]> {
  const w = readWorld();
  const resolver = new Resolver();
  resolver.setServers([w.dns.server]);
  return Promise.all([w.hosts.vps.ipv4, w.hosts.vps.ipv6].map(async (ip) => (await resolver.reverse(ip).catch(() => ["(none)"])).join(",")));
}

async function sendAndReceive(from: string, to: string, subject: string) {
  const info = await submission(587, from, outputs().smtpPasswords[from]).sendMail({ from, to, subject, text: `${subject}\n` });
  return waitForMessage((m) => m.headers.messageId === info.messageId, 60_000);
}

export function localDeploySuite(os: "debian13" | "debian12"): void {
  const gate = rootGate(`the local deploy on ${os}`);
  describe(`npm run local on ${os}`, { skip: gate.skip }, () => {
    before(() => {
      if (gate.failInCi) throw new Error(gate.failInCi);
      world("down");
      for (const f of ["outputs.json", "deploy-report.json", "inbox"]) rmSync(join(LOCAL, f), { recursive: true, force: true });
      world("up", "--os", os);
    });
    after(() => { if (!gate.failInCi) world("down"); });

    // What is the program's logic alone runs once, on Debian 13: reverse DNS (1b), the preview of
    // adding a domain (7d), the second stack (14-17) and the DKIM rotation (18) behave the same on
    // Debian 12, which runs Debian 13's chasquid; the time goes to the fault suite instead.
    const onDebian13 = (name: string, fn: () => Promise<void>) => { if (os === "debian13") test(name, fn); };

    test("0. before the deploy, the vps is as the provider ships it", async () => {
      assert.equal(readWorld().vps.flavour, "provider");
      // cloud-init named it from its NoCloud seed; netplan configured IPv4 only.
      assert.equal((await onVps("hostname")).trim(), "vmi123456");
      assert.match(await onVps("cloud-init status"), /status: done/);
      assert.match(await onVps("cat /etc/netplan/01-netcfg.yaml"), /^\s+#- 2001:db8:78::10\/64$/m);
      assert.equal((await onVps("ip -6 addr show scope global")).trim(), "");
      assert.equal((await onVps("sysctl -n net.ipv6.conf.all.disable_ipv6")).trim(), "1");
      // The first-boot package job holds apt's lock.
      assert.equal((await onVps("systemctl is-active provider-firstboot-apt || true")).trim(), "active");
      // Reverse DNS answers with the provider's name.
      assert.deepEqual(await ptrsOfVps(), ["vmi123456.contaboserver.net", "vmi123456.contaboserver.net"]);
    });

    // mailstack init against the fresh world: its Cloudflare API, the vps's host key, the real CLI.
    describe("mailstack init in the world", () => initWorldChecks({
      get cloudflareBaseUrl() { return readWorld().cloudflare.baseUrl; },
      get cloudflareToken() { return readWorld().cloudflare.token; },
      get vpsIpv4() { return readWorld().hosts.vps.ipv4; },
      get sshPort() { return readWorld().vps.sshPort; },
      get vpsHostKey() { return readWorld().vps.sshHostKey; },
      get pulumiBin() { return engineBin(); },
    }));

    test("1. a cold deploy converges a provider's fresh vps", async () => {
      const report = deploy();
      assert.ok(report.ok, `deploy failed:\n${report.output}`);
      assert.equal(report.remoteCommands.filter((c) => !c.endsWith("(local)")).length, 7, report.remoteCommands.join("\n"));
      assert.deepEqual(report.remoteCommands.filter((c) => c.endsWith("(local)")).sort(),
        ["create host-10.78.0.10-ptr (local)", "create host-10.78.0.10-reach (local)"]);
      // The PTRs were set through the world's Contabo API, before the certificate.
      assert.deepEqual(await ptrsOfVps(), ["mail.example.test", "mail.example.test"]);
      assert.match(outputs().hosts["mail.example.test"].reverseDns, /^ok {3}PTR 10\.78\.0\.10 → mail\.example\.test \(set, was vmi123456\.contaboserver\.net\)$/m);
      const host = outputs().hosts["mail.example.test"];
      // Debian 12 gets Debian 13's chasquid (1.11 lacks the SMTP smuggling fix): native DKIM on both.
      assert.equal(host.facts.dkim, "native");
      assert.match(host.facts.chasquid, /^1\.1[5-9]/);
      if (os === "debian12") {
        // Only chasquid comes from trixie, and unattended-upgrades keeps it updated from there.
        assert.match(await onVps("apt-config dump Unattended-Upgrade::Origins-Pattern"), /codename=trixie-security,label=Debian-Security/);
        // apt prints the pin's priority on the version line: 990 for trixie's chasquid.
        assert.match(await onVps("apt-cache policy chasquid"), /^ \*\*\* 1\.1[5-9]\S* 990$/m);
        assert.match(await onVps("apt-cache policy openssl | sed -n 2p"), /Installed: 3\.0\./, "nothing else moved to trixie");
      }
      const preflight = Object.entries(stateResources()).find(([k]) => k.endsWith("-preflight"))![1];
      assert.match(String(preflight.outputs.stdout), /another package job holds apt's lock/,
        "the provider's first-boot package job was waited for");
      assert.match(host.verification, /verified$/);
      assert.match(host.verification, /^ok {3}DKIM mailstack\._domainkey\.example\.test: signed with chasquid's key, verified against DNS$/m);
      assert.match(host.verification, /^ok {3}DKIM mailstack-ed\._domainkey\.example\.test: signed with chasquid's Ed25519 key, verified against DNS$/m);
      assert.match(host.verification, /^ok {3}chasquid holds port 25$/m);
      assert.match(host.verification, /^ok {3}certificate on \[2001:db8:78::10\]:465 is certbot's$/m);
      // Readable by chasquid, writable by root only.
      assert.equal((await onVps("stat -c '%a %U:%G' /etc/chasquid/domains/example.test/users /etc/chasquid/domains/example.test/aliases")).trim(),
        "640 root:chasquid\n640 root:chasquid");
      console.log(`cold deploy on ${os}: ${(report.durationMs / 1000).toFixed(1)} s`);
      // The engine's state file holds every secret encrypted: passwords, keys, the users file.
      const state = readFileSync(join(LOCAL, "pulumi", "state", ".pulumi", "stacks", "mailstack", "local.json"), "utf8");
      assert.match(state, /"secure"|"ciphertext"/);
      for (const password of Object.values(outputs().smtpPasswords)) assert.ok(!state.includes(password), "a password in clear text");
      assert.ok(!state.includes("PRIVATE KEY-----"), "a private key in clear text");
      assert.ok(!state.includes("# chasquid users of"), "the users file in clear text");
      const sshKey = readFileSync(readWorld().vps.sshPrivateKeyPath, "utf8").split("\n")[1];
      assert.ok(!state.includes(sshKey), "the SSH key in clear text");
      for (const secret of [readWorld().contabo.clientSecret, readWorld().contabo.apiPassword]) assert.ok(!state.includes(secret), "a Contabo secret in clear text");
    });

    onDebian13("1b. reverse DNS: wrong Contabo credentials and, without Contabo, a wrong PTR stop before the certificate with the fix; warn goes on", async () => {
      const w = readWorld();
      const wrong = deploy(stackVariant("contabo-wrong", (c) => { c["mailstack:contabo"] = { ...w.contabo, apiPassword: "not-the-api-password" }; }));
      assert.ok(!wrong.ok, "a wrong API password was accepted");
      assert.match(wrong.output, /Contabo refused the API user or password \(HTTP 401: Invalid user credentials\): check mailstack:contabo\.apiUser and mailstack:contabo\.apiPassword/);
      assert.ok(!wrong.output.includes("not-the-api-password") && !wrong.output.includes(w.contabo.clientSecret), "a secret in the output");
      // The provider's panel puts the default name back; the stack no longer sets it.
      for (const ip of [w.hosts.vps.ipv4, w.hosts.vps.ipv6]) await worldDns.setPtr(ip, "vmi123456.contaboserver.net");
      const unset = (c: any) => { delete c["mailstack:contabo"]; };
      const stopped = deploy(stackVariant("no-contabo", unset));
      assert.ok(!stopped.ok, "a wrong PTR did not stop the deploy");
      assert.match(stopped.output, /the PTR of 10\.78\.0\.10 is vmi123456\.contaboserver\.net; the PTR of 2001:db8:78::10 is vmi123456\.contaboserver\.net, not mail\.example\.test/);
      assert.match(stopped.output, /https:\/\/my\.contabo\.com\/rdns/);
      assert.deepEqual(stopped.remoteCommands.filter((c) => !c.includes("-ptr")), [], "nothing but the check ran");
      const warned = deploy(stackVariant("ptr-warn", (c) => { unset(c); c["mailstack:reverseDns"] = { check: "warn" }; }));
      assert.ok(warned.ok, warned.output);
      assert.match(outputs().hosts["mail.example.test"].reverseDns, /^WARN the PTR of 10\.78\.0\.10 is vmi123456\.contaboserver\.net/m);
      // Back to the stack file: the PTR is set again through the API.
      const back = deploy();
      assert.ok(back.ok, back.output);
      assert.deepEqual(back.remoteCommands, ["update host-10.78.0.10-ptr (local)"]);
      assert.deepEqual(await ptrsOfVps(), ["mail.example.test", "mail.example.test"]);
    });

    test("2. the world DNS serves exactly the planned records", async () => {
      const norm = (r: { name: string; type: string; content: string; priority?: number }) =>
        `${r.type} ${r.name} ${r.priority ?? ""} ${r.type === "TXT" ? txtStrings(r.content).join("") : r.content.replace(/\.$/, "")}`;
      const served = (await listRecords("example.test")).filter((r) => r.type !== "NS").map(norm).sort();
      const planned = outputs().records.filter((r) => r.zone === "example.test").map(norm).sort();
      assert.deepEqual(served, planned);
      // A, AAAA, the host's SPF, MX, SPF, DKIM (RSA and Ed25519), DMARC, and the two submission SRV records.
      assert.equal(planned.length, 10);
    });

    test("3. every user logs in on 587 after STARTTLS and on 465, certificate from pebble; wrong password and AUTH before TLS refused", async () => {
      const { smtpPasswords } = outputs();
      assert.deepEqual(Object.keys(smtpPasswords).sort(), ["alice@example.test", "i@example.test"]);
      for (const [user, password] of Object.entries(smtpPasswords)) {
        for (const port of [587, 465] as const) assert.equal(await submission(port, user, password).verify(), true);
      }
      await assert.rejects(submission(587, USER, "wrong-password-123").verify(), /Invalid login|535|authentication/i);
      const { dialogue, greeting } = await SmtpDialogue.open(readWorld().hosts.vps.ipv4, 587);
      assert.match(greeting, /^220 mail\.example\.test/);
      const ehlo = await dialogue.send("EHLO tester.world.test");
      assert.doesNotMatch(ehlo, /AUTH/, "AUTH offered before STARTTLS");
      assert.match(await dialogue.send(`AUTH PLAIN ${Buffer.from(`\0${USER}\0x`).toString("base64")}`), /^5\d\d/);
      dialogue.close();
    });

    // fail2ban: repeated wrong passwords from one world address ban it, others still log in.
    fail2banWorldTests();

    test("4. a message to gmail.test arrives over TLS from the vps's IPv6, passing SPF, DKIM and DMARC", async () => {
      const msg = await sendAndReceive(USER, "someone@gmail.test", "e2e outbound");
      const w = readWorld();
      assert.equal(msg.tls.secure, true);
      assert.deepEqual(msg.peer, { ip: w.hosts.vps.ipv6, family: "ipv6" });
      assert.equal(msg.helo, "mail.example.test");
      assert.equal(msg.auth.spf.result, "pass");
      // Two signatures (Pulumi.local.yaml sets an Ed25519 selector), both verified by mailauth.
      assert.deepEqual(msg.auth.dkim.map((d) => [d.result, d.domain, d.selector, d.algorithm]).sort(), [
        ["pass", "example.test", "mailstack", "rsa-sha256"], ["pass", "example.test", "mailstack-ed", "ed25519-sha256"],
      ], JSON.stringify(msg.auth.dkim));
      assert.equal(msg.auth.dmarc.result, "pass");
    });

    test("5. mail to a user and to any address of the domain is forwarded to the gmail.test address", async () => {
      // alice is a user without an alias of her own: she forwards where the catch-all does.
      for (const to of ["i@example.test", "alice@example.test", "anything-at-all@example.test"]) {
        const info = await inbound().sendMail({ from: "friend@world.test", to, subject: `e2e inbound ${to}`, text: "hi\n" });
        const msg = await waitForMessage((m) => m.headers.messageId === info.messageId, 60_000);
        assert.deepEqual(msg.envelope.rcptTo, ["me@gmail.test"]);
        assert.equal(msg.tls.secure, true);
        assert.match(msg.envelope.mailFrom, /@example\.test$/, "forwarded with the sender rewritten to our domain (SRS-style)");
      }
    });

    test("6. the vps is not an open relay, and its firewall drops ports it does not serve", async () => {
      const { dialogue } = await SmtpDialogue.open(readWorld().hosts.vps.ipv4, 25);
      await dialogue.send("EHLO stranger.world.test");
      assert.match(await dialogue.send("MAIL FROM:<spammer@world.test>"), /^250/);
      assert.match(await dialogue.send("RCPT TO:<victim@gmail.test>"), /^5\d\d/);
      dialogue.close();
      // Something listening on another port is reachable on the vps itself, not from outside.
      await onVps("systemd-run --unit=mailstack-probe -p RuntimeMaxSec=60 python3 -m http.server 8025 --bind :: >/dev/null");
      try {
        await onVps("for i in $(seq 1 25); do curl -s -o /dev/null http://127.0.0.1:8025/ && exit 0; sleep 0.2; done; exit 1");
        const outside = await new Promise<string>((resolve) => {
          const s = netConnect({ host: readWorld().hosts.vps.ipv4, port: 8025, timeout: 3000 });
          s.on("connect", () => { s.destroy(); resolve("connected"); });
          s.on("timeout", () => { s.destroy(); resolve("dropped"); });
          s.on("error", (e) => resolve(`error ${e.message}`));
        });
        assert.equal(outside, "dropped");
      } finally {
        await onVps("systemctl stop mailstack-probe || true");
      }
    });

    test("7. a second deploy changes nothing on the vps, and mail still flows", async () => {
      const before = await vpsFingerprint();
      const stateBefore = stateDigests();
      const report = deploy();
      assert.ok(report.ok, report.output);
      assert.deepEqual(report.remoteCommands, []);
      assert.deepEqual(report.dnsChanges, []);
      assert.deepEqual(Object.entries(report.changes).filter(([, c]) => c !== "same"), []);
      assert.deepEqual(stateDigests(), stateBefore, "resource inputs or outputs changed");
      assert.deepEqual(await vpsFingerprint(), before);
      await sendAndReceive(USER, "again@gmail.test", "e2e after no-op");
    });

    onDebian13("7d. the real preview of adding a domain: that domain's resources and the host steps that must change, nothing else", async () => {
      const report = deploy(withAddedDomain(), ["--preview"]);
      assert.ok(report.ok, report.output);
      const changed = Object.entries(report.changes).filter(([, c]) => c !== "same").map(([name, c]) => `${c} ${name}`).sort();
      assert.deepEqual(changed, [
        "create dkim-shop.example.test-key",
        "create dns-mx-shop.example.test-mail.example.test",
        "create dns-srv-_submission._tcp.shop.example.test",
        "create dns-srv-_submissions._tcp.shop.example.test",
        "create dns-txt-_dmarc.shop.example.test",
        "create dns-txt-mailstack._domainkey.shop.example.test",
        "create dns-txt-shop.example.test",
        "create host-10.78.0.10-domain-shop.example.test",
        "create users-shop.example.test-sales-password",
        "create users-shop.example.test-sales-salt",
        "replace host-10.78.0.10-reach",
        "replace host-10.78.0.10-verify",
        "update host-10.78.0.10-chasquid",
        "update host-10.78.0.10-claims",
      ]);
      // Only the new domain's DKIM record waits for its key; every other record is known.
      assert.equal((report.output.match(/content: \[unknown\]/g) ?? []).length, 1);
      assert.match(await onVps("ls /etc/chasquid/domains"), /^example\.test$/m);
      assert.doesNotMatch(await onVps("ls /etc/chasquid/domains"), /shop/, "a preview changes nothing");
    });

    test("7b. every step script run again by hand changes nothing (idempotent)", async () => {
      const before = await vpsFingerprint();
      const steps = Object.entries(stateResources()).filter(([key]) => key.startsWith("command:remote:Command::"));
      assert.equal(steps.length, 7);
      for (const [key, entry] of steps) {
        const inputs = entry.inputs as { create: string; stdin?: string };
        const r = await vpsExec(inputs.create, { stdin: inputs.stdin ?? "", timeoutMs: 120_000 });
        assert.equal(r.code, 0, `${key}: ${r.stdout}${r.stderr}`);
        assert.doesNotMatch(r.stdout, /^wrote |restarted=yes|installing /m, `${key} changed something:\n${r.stdout}`);
        if (key.endsWith("-base")) assert.match(r.stdout, /base: 0 change\(s\)/);
        if (key.endsWith("-chasquid")) assert.match(r.stdout, /restarted=no/);
      }
      assert.deepEqual(await vpsFingerprint(), before);
    });

    test("8. a user added to the config can send within chasquid's reload interval, without a restart", async () => {
      const pid = (await vpsFingerprint()).chasquidPid;
      const file = stackVariant("bob", (c) => { c["mailstack:domains"][0].users.push("bob"); });
      const report = deploy(file);
      assert.ok(report.ok, report.output);
      assert.deepEqual(report.remoteCommands.sort(), [
        "replace host-10.78.0.10-reach (local)", "replace host-10.78.0.10-verify", "update host-10.78.0.10-domain-example.test",
      ]);
      const password = outputs().smtpPasswords["bob@example.test"];
      const started = Date.now();
      let ok = false;
      while (!ok && Date.now() - started < 45_000) {
        ok = await submission(587, "bob@example.test", password).verify().catch(() => false);
        if (!ok) await sleep(2000);
      }
      assert.ok(ok, "bob could not log in within 45 s");
      console.log(`new user could log in after ${((Date.now() - started) / 1000).toFixed(1)} s`);
      assert.equal((await vpsFingerprint()).chasquidPid, pid, "chasquid was restarted");
      await sendAndReceive("bob@example.test", "bob-friend@gmail.test", "e2e from bob");
    });

    test("9. a forced renewal makes chasquid serve the new certificate with no manual step", async () => {
      const before = await servedSerial();
      await onVps("certbot renew --force-renewal --no-random-sleep-on-renew --quiet");
      let after = before;
      for (let i = 0; i < 30 && after === before; i++) {
        await sleep(500);
        after = await servedSerial().catch(() => before);
      }
      assert.notEqual(after, before, "chasquid still serves the old certificate");
    });

    test("7c. verification fails when the sockets hold the ports but chasquid is down", async () => {
      const verify = Object.entries(stateResources()).find(([k]) => k.endsWith("-verify"))![1];
      const inputs = verify.inputs as { create: string; stdin: string };
      await onVps("systemctl stop chasquid.service");
      try {
        const r = await vpsExec(inputs.create, { stdin: inputs.stdin, timeoutMs: 120_000 });
        assert.notEqual(r.code, 0, r.stdout);
        assert.match(r.stdout, /^FAIL chasquid is not running steadily/m);
        assert.match(r.stdout, /^FAIL port 25 is held but not by chasquid/m);
      } finally {
        await onVps("systemctl start chasquid.service");
      }
    });

    test("10. after a reboot (cloud-init, netplan, firewall, chasquid in their real order) mail flows", async () => {
      world("reboot");
      assert.equal((await onVps("systemctl is-active chasquid || true")).trim(), "active");
      // cloud-init runs at every boot: it must keep the mail host's name and leave /etc/hosts alone.
      assert.equal((await onVps("hostname")).trim(), "mail.example.test");
      assert.match(await onVps("cat /etc/hosts"), /^127\.0\.1\.1\s+mail\.example\.test mail$/m);
      // The provider's sysctl.conf (IPv6 off) comes last at boot, except for mailstack's file.
      assert.match(await onVps("ip -6 addr show scope global"), /inet6 2001:db8:78::10\/64/);
      assert.equal((await onVps("journalctl -b --no-pager | grep -ci 'ordering cycle' || true")).trim(), "0");
      await onVps("nft list table inet mailstack >/dev/null");
      await sendAndReceive(USER, "after-reboot@gmail.test", "e2e after reboot");
    });

    test("10b. a restart of nftables.service (which flushes the ruleset) keeps mailstack's table", async () => {
      await onVps("systemctl restart nftables.service");
      await onVps("nft list table inet mailstack >/dev/null");
    });

    test("10c. the certbot deploy hook leaves other certificates alone", async () => {
      const out = await onVps("mkdir -p /etc/letsencrypt/live/other.example.test && RENEWED_LINEAGE=/etc/letsencrypt/live/other.example.test " +
        "/etc/letsencrypt/renewal-hooks/deploy/50-mailstack-chasquid; rmdir /etc/letsencrypt/live/other.example.test");
      assert.match(out, /other\.example\.test is not the mail host's certificate \(mail\.example\.test\); left alone/);
      assert.equal((await onVps("test -e /etc/chasquid/certs/other.example.test && echo copied || echo absent")).trim(), "absent");
    });

    // mailstack doctor against the deployed stack: all pass, then each injected fault is caught.
    doctorWorldTests({
      outputsFile: join(LOCAL, "outputs.json"), worldFile: join(LOCAL, "world.json"), vpsExec,
      setPtr: worldDns.setPtr, addRecord: worldDns.addRecord, removeRecord: worldDns.removeRecord,
    });

    // A second stack on the same vps (Pulumi.local-second.yaml, owner: false): it adds
    // shop.example.test and manages only that domain.
    const SECOND = join(ROOT, "Pulumi.local-second.yaml");
    const second = (file = SECOND, extra: string[] = []) => deployProcess(file, ["--stack", "local-second", ...extra]);
    const secondOutputs = () => JSON.parse(readFileSync(outputsFileOf("local-second"), "utf8")) as { smtpPasswords: Record<string, string> };
    /** A variant of the second stack's config, as stackVariant for the first. */
    const secondVariant = (name: string, edit: (config: any) => void) => stackVariant(name, edit, SECOND); // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML
    // The local stack as last deployed (test 8 added bob, whose protected password must stay).
    const LOCAL_NOW = join(LOCAL, "Pulumi.local-bob.yaml");

    onDebian13("14. a second stack adds its domain to the vps: its steps and records only; both domains send and receive", async () => {
      const before = (await listRecords("example.test")).filter((r) => !r.name.includes("shop.")).length;
      const report = second();
      assert.ok(report.ok, report.output);
      assert.deepEqual(report.remoteCommands.sort(), [
        "create host-10.78.0.10-claims", "create host-10.78.0.10-domain-shop.example.test", "create host-10.78.0.10-preflight",
        "create host-10.78.0.10-reach (local)", "create host-10.78.0.10-verify",
      ]);
      assert.deepEqual(report.dnsChanges.map((c) => c.split(" ")[0]), Array(4).fill("create"), "MX, SPF, DKIM, DMARC of shop.example.test only");
      assert.equal((await listRecords("example.test")).filter((r) => !r.name.includes("shop.")).length, before, "the first stack's records untouched");
      assert.equal(await onVps("cat /etc/chasquid/domains/shop.example.test/.mailstack"), "mailstack/local-second\n");
      assert.equal(await onVps("cat /etc/chasquid/domains/example.test/.mailstack /etc/mailstack/owner"), "mailstack/local\nmailstack/local\n");
      const password = secondOutputs().smtpPasswords["sales@shop.example.test"];
      const info = await submission(587, "sales@shop.example.test", password)
        .sendMail({ from: "sales@shop.example.test", to: "customer@gmail.test", subject: "e2e second stack", text: "hi\n" });
      const msg = await waitForMessage((m) => m.headers.messageId === info.messageId, 60_000);
      assert.ok(msg.auth.dkim.some((d) => d.result === "pass" && d.domain === "shop.example.test"), JSON.stringify(msg.auth.dkim));
      assert.equal(msg.auth.spf.result, "pass");
      assert.equal(msg.auth.dmarc.result, "pass");
      const inboundInfo = await inbound().sendMail({ from: "friend@world.test", to: "anyone@shop.example.test", subject: "e2e to the second domain", text: "hi\n" });
      const forwarded = await waitForMessage((m) => m.headers.messageId === inboundInfo.messageId, 60_000);
      assert.deepEqual(forwarded.envelope.rcptTo, ["me@gmail.test"]);
      await sendAndReceive(USER, "first-still@gmail.test", "e2e first stack beside the second");
    });

    onDebian13("15. a no-op up of each stack changes nothing and does not restart chasquid", async () => {
      const pid = (await vpsFingerprint()).chasquidPid;
      for (const run of [() => deploy(LOCAL_NOW), () => second()]) {
        const report = run();
        assert.ok(report.ok, report.output);
        assert.deepEqual([report.remoteCommands, report.dnsChanges], [[], []], report.stack);
      }
      assert.equal((await vpsFingerprint()).chasquidPid, pid);
    });

    onDebian13("16. a domain that another stack manages is refused, naming both stacks, before anything is made", async () => {
      const records = JSON.stringify(await listRecords("example.test"));
      const file = secondVariant("second-claims", (c) => {
        c["mailstack:domains"].push({ name: "example.test", users: ["intruder"], aliases: { "*": "me@gmail.test" } });
      });
      const report = second(file);
      assert.equal(report.ok, false);
      assert.match(report.error ?? "", /domain example\.test is managed by stack mailstack\/local; stack mailstack\/local-second lists it too\. Remove it from the mailstack:domains of one of the two stacks/);
      assert.deepEqual(Object.entries(report.changes).filter(([, c]) => !["same", "failed"].includes(c)), [], "nothing was made");
      assert.equal(JSON.stringify(await listRecords("example.test")), records, "no record published");
      // Back to its own config: converges with nothing to clean up.
      const again = second();
      assert.ok(again.ok, again.output);
    });

    onDebian13("17. destroying the second stack leaves the first sending and receiving; it deploys again", async () => {
      // As the README says: lift the protection of its keys and passwords, then destroy.
      const unprotected = secondVariant("second-unprotected", (c) => { c["mailstack:allowKeyReplacement"] = true; });
      const lift = second(unprotected);
      assert.ok(lift.ok, lift.output);
      const pid = (await vpsFingerprint()).chasquidPid;
      const gone = second(SECOND, ["--destroy"]);
      assert.ok(gone.ok, gone.output);
      assert.deepEqual((await listRecords("example.test")).filter((r) => r.name.includes("shop.")), []);
      assert.equal((await onVps("test -e /etc/chasquid/domains/shop.example.test && echo left || echo gone")).trim(), "gone");
      assert.equal(await onVps("cat /etc/mailstack/owner"), "mailstack/local\n", "the host stays its owner's");
      assert.notEqual((await vpsFingerprint()).chasquidPid, pid, "chasquid restarted without the removed domain");
      await sendAndReceive(USER, "after-second-destroy@gmail.test", "e2e first stack after the second's destroy");
      const info = await inbound().sendMail({ from: "friend@world.test", to: "i@example.test", subject: "e2e inbound after destroy", text: "hi\n" });
      assert.deepEqual((await waitForMessage((m) => m.headers.messageId === info.messageId, 60_000)).envelope.rcptTo, ["me@gmail.test"]);
      const back = second(unprotected);
      assert.ok(back.ok, back.output);
      await onVps("test -f /etc/chasquid/domains/shop.example.test/users");
      // Gone again, so the first stack's destroy below finds the vps as it would alone.
      assert.ok(second(unprotected, ["--destroy"]).ok);
    });

    test("11. destroy removes the records, domain folders and DKIM keys, and keeps the mail queue", async () => {
      // A marker in the queue folder (not an `m:` item, which chasquid would try to load).
      await onVps("touch /var/lib/chasquid/queue/.mailstack-test-keep");
      // As the README says: lift the protection of keys and passwords in one up (the config as last
      // deployed, bob included: the engine checks the protection the last up recorded), then destroy.
      const unprotected = stackVariant("unprotected", (c) => { c["mailstack:allowKeyReplacement"] = true; }, join(LOCAL, "Pulumi.local-bob.yaml"));
      const lift = deploy(unprotected);
      assert.ok(lift.ok, lift.output);
      const report = deploy(unprotected, ["--destroy"]);
      assert.ok(report.ok, report.output);
      assert.ok(Object.values(report.changes).every((c) => c === "delete") && Object.keys(report.changes).length >= 18);
      assert.deepEqual((await listRecords("example.test")).filter((r) => r.type !== "NS"), []);
      assert.equal((await onVps("ls -A /etc/chasquid/domains")).trim(), "", "domain folders left");
      // The host's certificate stays with certbot's lineage: destroying DNS and domains is not a reason to lose it.
      assert.match(await onVps("ls /etc/chasquid/certs"), /^mail\.example\.test$/m);
      assert.match(await onVps("ls -A /var/lib/chasquid/queue"), /^\.mailstack-test-keep$/m);
      assert.equal((await onVps("systemctl is-active chasquid || true")).trim(), "inactive", "with no domain left chasquid is stopped, not crash-looping");
      assert.equal((await onVps("systemctl is-enabled chasquid || true")).trim(), "disabled", "and it does not come back at the next boot");
      assert.equal((await onVps("test -e /etc/chasquid/certs/example.test && echo left || echo gone")).trim(), "gone");
      const again = deploy();
      assert.ok(again.ok, `a deploy after destroy converges again:\n${again.output}`);
      await sendAndReceive(USER, "after-destroy@gmail.test", "e2e after destroy and redeploy");
    });

    test("11b. firewall: false removes mailstack's table and unit; true brings them back", async () => {
      const file = stackVariant("nofirewall", (c) => { c["mailstack:hosts"][0].firewall = false; });
      const off = deploy(file);
      assert.ok(off.ok, off.output);
      assert.equal((await onVps("nft list table inet mailstack >/dev/null 2>&1 && echo loaded || echo gone")).trim(), "gone");
      assert.equal((await onVps("test -e /etc/systemd/system/mailstack-firewall.service && echo left || echo gone")).trim(), "gone");
      const on = deploy();
      assert.ok(on.ok, on.output);
      await onVps("nft list table inet mailstack >/dev/null && systemctl is-enabled --quiet mailstack-firewall");
    });

    test("12. renaming the host converges under the new name, without removing anything", async () => {
      const file = stackVariant("renamed", (c) => { c["mailstack:hosts"][0].hostname = "mx.example.test"; });
      const report = deploy(file);
      assert.ok(report.ok, report.output);
      assert.deepEqual(report.remoteCommands.filter((c) => c.startsWith("delete")), [], "no step was deleted");
      // The PTR follows the name, through the Contabo API.
      assert.ok(report.remoteCommands.includes("update host-10.78.0.10-ptr (local)"), report.remoteCommands.join("\n"));
      assert.deepEqual(await ptrsOfVps(), ["mx.example.test", "mx.example.test"]);
      assert.equal((await onVps("hostname")).trim(), "mx.example.test");
      assert.match(await onVps("ls /etc/chasquid/domains/example.test"), /^users$/m);
      const certs = (await onVps("ls /etc/chasquid/certs /etc/letsencrypt/live")).split(/\s+/);
      assert.ok(certs.includes("mx.example.test"), certs.join(" "));
      assert.ok(!certs.includes("mail.example.test"), `the old name's certificate is left: ${certs.join(" ")}`);
      // Clients now check the certificate for the new name.
      const info = await submission(587, USER, outputs().smtpPasswords[USER], { servername: "mx.example.test" })
        .sendMail({ from: USER, to: "after-rename@gmail.test", subject: "e2e after rename", text: "renamed\n" });
      const msg = await waitForMessage((m) => m.headers.messageId === info.messageId, 60_000);
      assert.equal(msg.helo, "mx.example.test");
      assert.equal(msg.auth.dmarc.result, "pass");
    });

    test("13. without sshHostKey the first key seen is pinned: a changed host key stops the deploy", async () => {
      const renamed = join(LOCAL, "Pulumi.local-renamed.yaml");
      const file = stackVariant("tofu", (c) => { c["mailstack:hosts"][0].sshHostKey = null; }, renamed);
      const first = deploy(file);
      assert.ok(first.ok, first.output);
      assert.deepEqual(first.remoteCommands, ["update host-10.78.0.10-preflight"], "only the first contact runs again");
      assert.equal(outputs().hosts["mx.example.test"].hostKey, readWorld().vps.sshHostKey);
      // The vps now presents another key (a new key pair, and sshd restarted to load it).
      const key = join(VPS_ROOT, "etc/ssh/ssh_host_ed25519_key");
      for (const f of [key, `${key}.pub`]) renameSync(f, `${f}.orig`);
      execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
      const newKey = readFileSync(`${key}.pub`, "utf8").split(/\s+/).slice(0, 2).join(" ");
      // OpenSSH 10 (Debian 13) loads host keys once: restart it. 9.x (Debian 12) reads them for
      // every connection, so there this login already meets the new key and fails: ignored.
      await vpsExec("systemctl restart ssh");
      try {
        stackVariant("tofu", (c) => {
          c["mailstack:hosts"][0].sshHostKey = null;
          c["mailstack:domains"][0].users.push("carol");
        }, renamed);
        const second = deploy(file);
        assert.equal(second.ok, false, "a deploy to a host with another key must stop");
        assert.match(second.error ?? "", /host key|REMOTE HOST IDENTIFICATION/i);
        assert.deepEqual(second.remoteCommands.filter((c) => c.includes("preflight")), [], "the pinned key is not re-learned");
      } finally {
        for (const f of [key, `${key}.pub`]) renameSync(`${f}.orig`, f);
        // Back to the world's key (a restart for OpenSSH 10, logging in with the new key as its owner
        // would; 9.x already serves the old one again).
        await sshTo({ ...vpsTarget(readWorld()), hostKey: newKey }, "systemctl restart ssh");
        assert.equal((await vpsExec("true")).code, 0, "the world's key is back");
      }
    });

    onDebian13("18. a DKIM rotation phase by phase while mail flows: every message passes DKIM with the key of its moment", async () => {
      // The stack as test 13 left it (renamed, carol's protected password made by its refused
      // deploy, the host key learned), records at the shortest TTL.
      const rotation = () => stackVariant("rotation", (c) => {
        c["mailstack:dnsTtl"] = 60;
        c["mailstack:domains"][0].dkimRotation = { nextSelector: "rot2", keepOld: 60 };
      }, join(LOCAL, "Pulumi.local-tofu.yaml"));
      const served = async (selector: string) => (await worldResolver().resolveTxt(`${selector}._domainkey.example.test`)).map((s) => s.join(""));
      const keysOnVps = async () => (await onVps("ls /etc/chasquid/domains/example.test")).split(/\s+/).filter((f) => f.startsWith("dkim:")).sort();
      const phaseOf = () => outputs().dkimRotation["example.test"].phase;
      let attempts: MailLoopAttempt[] = [];
      const loop = startMailLoop({ user: USER, password: outputs().smtpPasswords[USER], to: "rotation@gmail.test", servername: "mx.example.test", intervalMs: 1000 }, LOCAL);
      const marks: Record<string, [number, number]> = {};
      const up = (name: string) => {
        const t0 = Date.now();
        const report = deploy(rotation());
        marks[name] = [t0, Date.now()];
        assert.ok(report.ok, report.output);
        return report;
      };
      try {
        up("publish");
        assert.equal(phaseOf(), "publish");
        assert.match((await served("rot2"))[0], /^v=DKIM1; k=rsa; p=MII/);
        assert.deepEqual(await keysOnVps(), ["dkim:mailstack-ed.pem", "dkim:mailstack.pem"], "chasquid still signs with the current key");
        // A preview in phase 1 says when signing moves.
        const preview = deploy(rotation(), ["--preview"]);
        assert.match(preview.output, /phase 1 \(published [0-9T:-]+Z\); chasquid signs with mailstack\. The first pulumi up from [0-9T:-]+Z switches signing to rot2/);
        await sleep(62_000); // the record's TTL
        const switched = up("switch");
        assert.equal(phaseOf(), "switch");
        assert.ok(switched.remoteCommands.includes("update host-10.78.0.10-domain-example.test"), switched.remoteCommands.join("\n"));
        assert.deepEqual(await keysOnVps(), ["dkim:mailstack-ed.pem", "dkim:rot2.pem"]);
        assert.match((await served("mailstack"))[0], /p=MII/, "the old record stays after the switch");
        await sleep(62_000); // keepOld
        up("retire");
        assert.equal(phaseOf(), "retire");
        assert.deepEqual(await served("mailstack"), ["v=DKIM1; k=rsa; p="], "revoked");
      } finally {
        await sleep(2000);
        attempts = await loop.stop();
      }
      const accepted = attempts.filter((a) => a.messageId);
      assert.ok(accepted.length >= 60, `only ${accepted.length} of ${attempts.length} messages accepted`);
      for (const a of accepted) {
        const msg = await waitForMessage((m) => m.headers.messageId === a.messageId, 120_000);
        const rsa = msg.auth.dkim.filter((d) => d.algorithm === "rsa-sha256");
        assert.equal(rsa.length, 1, `message ${a.n}: ${JSON.stringify(msg.auth.dkim)}`);
        assert.equal(rsa[0].result, "pass", `message ${a.n} (${rsa[0].selector}) failed DKIM`);
        const [switchStart, switchEnd] = marks.switch;
        if (a.endedAt < switchStart) assert.equal(rsa[0].selector, "mailstack", `message ${a.n}`);
        if (a.startedAt > switchEnd) assert.equal(rsa[0].selector, "rot2", `message ${a.n}`);
        assert.equal(msg.auth.dmarc.result, "pass", `message ${a.n}`);
      }
      console.log(`rotation: ${accepted.length} messages accepted of ${attempts.length} submitted, every one DKIM-passed`);
    });
  });
}
