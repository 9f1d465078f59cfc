// World tests of fail2ban's jail and the submission SRV records, registered by test/e2e/local-suite.ts
// after the first deploy of the local stack (Pulumi.local.yaml turns both on). Needs root (ip netns).
//
// Wrong passwords come from msw-gmail's address (10.78.0.25) until it is banned; a user still logs
// in from msw-acme (10.78.0.14, which made no failures: the ban is per address) and from the host
// side (10.78.0.1, in the stack's ignoreIps because the suite's doctor and wrong-password checks
// run from there). The ban is lifted at the end, so later tests find the world as before.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { Resolver } from "node:dns/promises";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { readWorld } from "../../world/state";
import { ROOT } from "../support/stack-config";
import { onVps, outputs, sleep, submission } from "./support";

const JAIL = "mailstack-chasquid";

/**
 * Run inside a netns: one SMTP conversation with the vps on `port`, implicit TLS. With `user`, an
 * AUTH PLAIN; prints the reply to it, or to the greeting alone, or `error <code>` when the
 * connection fails (refused by the ban's reject, or no answer in 5 s). Input (stdin): JSON
 * { host, port, servername, user?, password? } (the password stays off the command line).
 */
const CLIENT = `
const tls = require("node:tls");
const o = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const s = tls.connect({ host: o.host, port: o.port, servername: o.servername, rejectUnauthorized: false, timeout: 5000 });
let buf = "", step = 0;
const done = (line) => { console.log(line); s.destroy(); process.exit(0); };
s.on("timeout", () => done("error ETIMEDOUT"));
s.on("error", (e) => done("error " + (e.code || e.message)));
s.on("data", (d) => {
  buf += d;
  if (!/\\r\\n$/.test(buf)) return;
  const reply = buf.trim(); buf = "";
  if (step === 0) {
    if (!o.user) return done(reply);
    step = 1; s.write("EHLO client.world.test\\r\\n");
  } else if (step === 1 && /^250 /m.test(reply)) {
    step = 2; s.write("AUTH PLAIN " + Buffer.from("\\0" + o.user + "\\0" + o.password).toString("base64") + "\\r\\n");
  } else if (step === 2) done(reply.split("\\r\\n").pop());
});`;

/** One SMTP conversation from inside `netns` (see CLIENT); its one-line outcome. */
function fromNetns(netns: string, o: { port: number; user?: string; password?: string }): Promise<string> {
  const w = readWorld();
  const input = JSON.stringify({ host: w.hosts.vps.ipv4, servername: w.vps.hostname, ...o });
  return new Promise((resolve, reject) => {
    const child = execFile("ip", ["netns", "exec", netns, process.execPath, "-e", CLIENT], { timeout: 30_000 }, (e, stdout, stderr) => {
      if (e) reject(new Error(`ip netns exec ${netns}: ${e.message}\n${stderr}`));
      else resolve(stdout.trim());
    });
    child.stdin!.end(input);
  });
}

const jailStatus = () => onVps(`fail2ban-client status ${JAIL}`);

export function fail2banWorldTests(): void {
  test("fail2ban: the verification reports the jail, and fail2ban's table filters before mailstack's", async () => {
    const host = Object.values(outputs().hosts)[0]!;
    assert.match(host.verification, new RegExp(`^ok {3}fail2ban jail ${JAIL} active \\(ports 25, 465, 587; \\d+ banned now\\)$`, "m"));
    assert.match(await jailStatus(), /Journal matches:\s+_SYSTEMD_UNIT=chasquid\.service/);
    assert.match(await onVps("cat /etc/fail2ban/jail.d/mailstack-chasquid.conf"), /^banaction = nftables-multiport$/m);
  });

  test("fail2ban: maxRetry wrong passwords from one address ban it from 465; others still log in; unbanned at the end", async () => {
    const w = readWorld();
    const banned = w.hosts.gmail.ipv4;
    const stack = parse(readFileSync(join(ROOT, "Pulumi.local.yaml"), "utf8")) as { config: { "mailstack:fail2ban": { maxRetry: number } } };
    const maxRetry = stack.config["mailstack:fail2ban"].maxRetry;
    const [user, password] = Object.entries(outputs().smtpPasswords)[0]!;
    try {
      assert.match(await fromNetns(w.hosts.gmail.netns, { port: 465 }), /^220 /, "msw-gmail reaches 465 before");
      for (let i = 0; i < maxRetry; i++) {
        assert.match(await fromNetns(w.hosts.gmail.netns, { port: 465, user, password: `wrong-${i}` }), /^535 /);
      }
      // fail2ban reads the journal as it grows: the ban follows within a few seconds.
      let status = "";
      for (let i = 0; i < 30 && !status.includes(banned); i++) {
        await sleep(500);
        status = await jailStatus();
      }
      assert.match(status, new RegExp(`Banned IP list:.*\\b${banned.replace(/\./g, "\\.")}\\b`), status);
      assert.match(await onVps(`nft list set inet f2b-table addr-set-${JAIL}`), new RegExp(banned.replace(/\./g, "\\.")));
      // fail2ban's chain runs before mailstack's (priority -1 < 0).
      assert.match(await onVps("nft list chain inet f2b-table f2b-chain"), /hook input priority (?:-1|filter - 1);/);
      // A new connection from the banned address is refused (reject) or gets no answer.
      assert.match(await fromNetns(w.hosts.gmail.netns, { port: 465 }), /^error (ECONNREFUSED|ETIMEDOUT|EHOSTUNREACH)/);
      // Another address that made no failures logs in with the right password, from its own netns…
      assert.match(await fromNetns(w.hosts.acme.netns, { port: 465, user, password }), /^235 /);
      // …and so does the host side (never banned: the stack's ignoreIps).
      assert.equal(await submission(465, user, password).verify(), true);
    } finally {
      await onVps(`fail2ban-client set ${JAIL} unbanip ${banned} >/dev/null 2>&1 || true`);
    }
    assert.doesNotMatch(await jailStatus(), new RegExp(`\\b${banned.replace(/\./g, "\\.")}\\b`));
    assert.match(await fromNetns(w.hosts.gmail.netns, { port: 465 }), /^220 /, "unbanned: msw-gmail reaches 465 again");
  });

  test("submission SRV: the world DNS serves _submissions._tcp → 465 and _submission._tcp → 587 at the host, which answers there", async () => {
    const w = readWorld();
    const resolver = new Resolver();
    resolver.setServers([w.dns.server]);
    const target = outputs().smtp[0]!.host;
    for (const [service, port] of [["_submissions._tcp", 465], ["_submission._tcp", 587]] as const) {
      for (const domain of Object.keys(outputs().dkim)) {
        assert.deepEqual(await resolver.resolveSrv(`${service}.${domain}`), [{ name: target, port, priority: 0, weight: 1 }], `${service}.${domain}`);
      }
    }
    assert.deepEqual(await resolver.resolve4(target), [w.hosts.vps.ipv4]);
    assert.equal(await submission(465, ...Object.entries(outputs().smtpPasswords)[0]!).verify(), true);
  });
}
