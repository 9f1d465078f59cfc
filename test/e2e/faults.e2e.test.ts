// Interrupted deploys on a fresh local world (Debian 13, the provider-like vps, the real engine):
// each fault stops a `pulumi up` in the middle of what it targets, and the next `pulumi up` (with
// the recovery the README gives, when there is one) converges: verified, and a message passes SPF,
// DKIM and DMARC. Mail submitted all along is delivered once each. Times to recover are printed
// and written to .local/faults.json (`npm run bench:faults` runs this file for them).
import assert from "node:assert/strict";
import { execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse, stringify } from "yaml";
import { listRecords } from "../../world/dns";
import { listMessages, waitForMessage } from "../../world/inbox";
import { blockAcme, cutVpsLink, killInVps, resetVps, restoreVpsLink, setCloudflareFault, unblockAcme, vpsPids } from "../../world/faults";
import { readWorld } from "../../world/state";
import { rootGate } from "../support/environment";
import { ROOT } from "../support/stack-config";
import { MailLoopAttempt, startMailLoop } from "./mail-loop";
import { endOrphanedPlugins, RunningDeploy, startDeploy } from "./running-deploy";
import { deploy, LOCAL, onVps, outputs, sleep, submission, world } from "./support";

const HOST = "mail.example.test";
const USER = "i@example.test";
const STEP = (name: string) => `host-10.78.0.10-${name}`;
/** A session of a remote step (OpenSSH 10 names it sshd-session; 9.x, sshd). */
const STEP_SESSION = /^sshd(-session)?: root@notty/;

/**
 * The suite's stack: Pulumi.local.yaml with fail2ban and the SRV records off (later faults turn
 * them on) and keys replaceable (a fault changes the Ed25519 selector); `edits` apply in turn.
 */
function stackFile(...edits: ((config: any) => void)[]): string {
  const stack = parse(readFileSync(join(ROOT, "Pulumi.local.yaml"), "utf8"));
  stack.config["mailstack:fail2ban"] = { enabled: false };
  stack.config["mailstack:submissionSrv"] = false;
  stack.config["mailstack:allowKeyReplacement"] = true;
  for (const edit of edits) edit(stack.config);
  const file = join(LOCAL, "Pulumi.local-faults.yaml");
  writeFileSync(file, stringify(stack));
  return file;
}

/** What no output may show: every secret the world and the stack hold. */
function secrets(): string[] {
  const w = readWorld();
  const found = [w.cloudflare.token, w.contabo.clientSecret, w.contabo.apiPassword,
    readFileSync(w.vps.sshPrivateKeyPath, "utf8").split("\n")[1]];
  try {
    found.push(...Object.values(outputs().smtpPasswords));
  } catch {
    /* no deploy finished yet */
  }
  return found.filter((s) => s.length >= 8);
}

function assertNoSecret(output: string, what: string): void {
  for (const s of secrets()) assert.ok(!output.includes(s), `${what}: a secret in the output`);
  assert.doesNotMatch(output, /PRIVATE KEY-----/, `${what}: a private key in the output`);
}

const recovered: { fault: string; seconds: number }[] = [];

/** The up after a fault: converges, verifies, and a message passes SPF, DKIM and DMARC. */
async function converges(fault: string, file: string): Promise<void> {
  const t0 = Date.now();
  const report = deploy(file);
  assertNoSecret(report.output, `${fault}: the next up`);
  assert.ok(report.ok, `${fault}: the next up did not converge:\n${report.output}`);
  assert.match(outputs().hosts[HOST].verification, /verified$/);
  const info = await submission(587, USER, outputs().smtpPasswords[USER])
    .sendMail({ from: USER, to: "after-fault@gmail.test", subject: `after ${fault}`, text: "converged\n" });
  const msg = await waitForMessage((m) => m.headers.messageId === info.messageId, 60_000);
  assert.deepEqual([msg.auth.spf.result, msg.auth.dmarc.result, msg.auth.dkim.length > 0 && msg.auth.dkim.every((d) => d.result === "pass")],
    ["pass", "pass", true], JSON.stringify(msg.auth));
  const seconds = (Date.now() - t0) / 1000;
  recovered.push({ fault, seconds });
  console.log(`recovered from ${fault}: ${seconds.toFixed(1)} s (next up until a verified message)`);
}

/**
 * The next deploy stops with the recovery Pulumi cannot do by itself and prints its commands
 * (`npm run …`); they are run as printed.
 */
async function recoverAsPrinted(fault: string, file: string): Promise<void> {
  const stuck = deploy(file);
  assert.equal(stuck.ok, false, `${fault}: expected the next up to need a recovery`);
  const commands = stuck.output.split("\n").map((l) => /^ {2}(npm run .*)$/.exec(l)?.[1]).filter((c): c is string => c !== undefined);
  assert.ok(commands.length > 0, `${fault}: no recovery command printed:\n${stuck.output}`);
  for (const c of commands) assertNoSecret(execSync(c, { cwd: ROOT, stdio: "pipe", encoding: "utf8" }), `${fault}: ${c}`);
}

/**
 * One faulted deploy: starts it, injects the fault, and returns its report once it ended (also
 * when the injection failed: no deploy outlives its test). It failed (unless `mayPass`) and showed
 * no secret.
 */
async function faulted(file: string, fault: string, inject: (d: RunningDeploy) => Promise<void>, mayPass = false) {
  const d = startDeploy(file);
  try {
    await inject(d);
  } catch (e) {
    await d.done;
    throw e;
  }
  const report = await d.done;
  assertNoSecret(report.output, fault);
  if (!mayPass) assert.equal(report.ok, false, `${fault}: the deploy did not notice:\n${report.output}`);
  return report;
}

/**
 * Kills the session of the step once it runs (and `ready` holds in the middle of it). The vps's
 * processes are polled without pause: a claims step's session lives a few tens of milliseconds.
 * Whether the step it hit is the one meant is checked on the report (that step failed).
 */
async function cutSession(d: RunningDeploy, step: string, ready: () => boolean = () => true): Promise<void> {
  await d.stepStarted(STEP(step));
  const end = Date.now() + 300_000;
  while (!(vpsPids(STEP_SESSION).length > 0 && ready() && killInVps(STEP_SESSION).length > 0)) {
    if (Date.now() > end) throw new Error(`no session of the ${step} step`);
    await new Promise((r) => setImmediate(r));
  }
}

const gate = rootGate("the fault suite");

describe("an interrupted pulumi up converges on the next one, with no mail lost", { skip: gate.skip }, () => {
  let loop: { stop(): Promise<MailLoopAttempt[]> } | undefined;

  before(() => {
    if (gate.failInCi) throw new Error(gate.failInCi);
    world("down");
    world("up", "--os", "debian13");
  });
  after(async () => {
    setCloudflareFault(undefined);
    await loop?.stop();
    const orphans = endOrphanedPlugins();
    if (orphans.length > 0) console.log(`ended ${orphans.length} plugin process(es) that outlived their engine`);
    if (recovered.length > 0) {
      writeFileSync(join(LOCAL, "faults.json"), `${JSON.stringify(recovered, null, 2)}\n`);
      console.log(`time to recover, per fault:\n${recovered.map((r) => `  ${r.seconds.toFixed(1).padStart(6)} s  ${r.fault}`).join("\n")}`);
    }
    if (!gate.failInCi) world("down");
  });

  test("1. a cold deploy cut in every step (session killed, vps reset in dpkg, CA unreachable, chasquid killed) goes on at each next up", async () => {
    // The verify step's own cut is in test 5: the up that killed chasquid may pass through it.
    const file = stackFile();
    // [fault, the step it stops, how]
    const faults: [string, string, (d: RunningDeploy) => Promise<void>][] = [
      ["session killed in the preflight step", "preflight", (d) => cutSession(d, "preflight")],
      ["session killed in the claims step", "claims", (d) => cutSession(d, "claims")],
      ["vps reset by its provider while dpkg installs", "base", async (d) => {
        await d.stepStarted(STEP("base"));
        await d.until("dpkg unpacking", () => vpsPids(/^\/usr\/bin\/dpkg /).length > 0);
        await resetVps(readWorld());
      }],
      ["session killed in the package step", "base", (d) => cutSession(d, "base")],
      // Blocked once the step starts: the package step before it turns IPv6 on.
      ["ACME server unreachable in the certificate step", "tls", async (d) => { await d.stepStarted(STEP("tls")); await blockAcme(); }],
      ["session killed in the certificate step", "tls", (d) => cutSession(d, "tls", () => vpsPids(/certbot/).length > 0)],
      ["session killed in the domain step", "domain-example.test", (d) => cutSession(d, "domain-example.test")],
      ["chasquid killed during the chasquid step", "chasquid", async (d) => {
        await d.stepStarted(STEP("chasquid"));
        // Again and again until the step ends: its restart, too, is killed.
        await d.until("the chasquid step's end", () => {
          killInVps(/^\/usr\/sbin\/chasquid/);
          return d.stepEnded(STEP("chasquid"));
        });
      }],
    ];
    for (const [fault, step, inject] of faults) {
      // chasquid killed again and again may still let its step pass: the verify step then decides.
      const report = await faulted(file, fault, inject, step === "chasquid").finally(unblockAcme);
      console.log(`${fault}: ${report.ok ? "passed" : "stopped"} after ${(report.durationMs / 1000).toFixed(1)} s; ${JSON.stringify(report.changes)}`);
      if (step !== "chasquid") assert.equal(report.changes[STEP(step)], "failed", `${fault}: ${report.output}`);
    }
    await converges("a cold deploy cut in every step", file);
    // The dpkg run the reset cut was finished: no package half-installed or half-configured.
    assert.equal((await onVps("dpkg --audit")).trim(), "");
    assert.equal((await onVps("systemctl is-active chasquid")).trim(), "active");
  });

  // The changes of phase 2, one more per fault: each up both meets a fault and changes something.
  const newEd25519 = (c: any) => { c["mailstack:domains"][0].ed25519Selector = "ed2"; };
  const fail2banOn = (c: any) => { c["mailstack:fail2ban"] = { enabled: true, ignoreIps: ["10.78.0.1", "2001:db8:78::1"] }; };
  const addUser = (name: string) => (c: any) => { c["mailstack:domains"][0].users.push(name); };
  const dmarcQuarantine = (c: any) => { c["mailstack:domains"][0].dmarc.policy = "quarantine"; };
  const srvOn = (c: any) => { c["mailstack:submissionSrv"] = true; };
  const rotation = (c: any) => { c["mailstack:domains"][0].dkimRotation = { nextSelector: "rot2" }; };
  const newDomain = (c: any) => {
    c["mailstack:domains"].push({ name: "shop.example.test", zone: "example.test", users: ["sales"], aliases: { "*": "me@gmail.test" }, spf: { all: "-all" }, dmarc: { policy: "reject" } });
  };
  const changes: ((c: any) => void)[] = [];
  const next = (change: (c: any) => void) => { changes.push(change); return stackFile(...changes); };

  test("2. mail flows from now on; the vps reset while chasquid restarts", async () => {
    loop = startMailLoop({ user: USER, password: outputs().smtpPasswords[USER], to: "loop@gmail.test", servername: HOST, intervalMs: 500 }, LOCAL);
    // A new Ed25519 key: the domain step installs it and restarts chasquid.
    const file = next(newEd25519);
    await faulted(file, "vps reset during chasquid's restart", async (d) => {
      await d.stepStarted(STEP("domain-example.test"));
      await d.until("chasquid's restart", () => vpsPids(/systemctl restart chasquid/).length > 0);
      await resetVps(readWorld());
    });
    await converges("vps reset during chasquid's restart", file);
  });

  test("3. pulumi up killed (SIGKILL, engine and plugins) while dpkg installs: the printed recovery, then the next up converges", async () => {
    const file = next(fail2banOn);
    await faulted(file, "pulumi up killed (SIGKILL) in the package step", async (d) => {
      await d.stepStarted(STEP("base"));
      await d.until("dpkg unpacking", () => vpsPids(/^\/usr\/bin\/dpkg /).length > 0);
      d.signalPulumi("SIGKILL", true);
    });
    // The worst a cut dpkg run leaves, made certain (where the kill landed is luck): its journal,
    // and a package whose unpacking was cut (half-installed, reinstall required).
    for (let i = 0; vpsPids(/apt-get|\/usr\/bin\/dpkg /).length > 0 && i < 600; i++) await sleep(200);
    await onVps("sed -i '/^Package: libpopt0$/,/^$/ s/^Status: install ok installed/Status: install reinstreq half-installed/' /var/lib/dpkg/status" +
      " && mkdir -p /var/lib/dpkg/updates && : >/var/lib/dpkg/updates/0001 && dpkg-query -W -f='${db:Status-Abbrev}' libpopt0 | grep -q '^iHR'");
    await recoverAsPrinted("pulumi up killed (SIGKILL) in the package step", file);
    await converges("pulumi up killed (SIGKILL) in the package step", file);
    assert.equal((await onVps("dpkg --audit; dpkg-query -W -f='${db:Status-Abbrev}' libpopt0")).trim(), "ii");
  });

  test("4. pulumi up interrupted (SIGINT, as Ctrl-C) in the domain step stops cleanly; the next up converges", async () => {
    const file = next(addUser("bob"));
    await faulted(file, "pulumi up interrupted (SIGINT)", async (d) => {
      await d.stepStarted(STEP("domain-example.test"));
      d.signalPulumi("SIGINT");
    }, true);
    await converges("pulumi up interrupted (SIGINT)", file);
  });

  test("5. every packet to the vps dropped for 20 s in the domain step: the step waits and the up goes on", async () => {
    const file = next(addUser("carol"));
    await faulted(file, "packets dropped for 20 s", async (d) => {
      await d.stepStarted(STEP("domain-example.test"));
      await cutVpsLink();
      await sleep(20_000).finally(restoreVpsLink);
    }, true);
    await converges("packets dropped for 20 s", file);
  });

  test("5b. the session killed in the verify step", async () => {
    const file = next(addUser("dave"));
    const report = await faulted(file, "session killed in the verify step", (d) => cutSession(d, "verify"));
    assert.equal(report.changes[STEP("verify")], "failed", report.output);
    await converges("session killed in the verify step", file);
  });

  test("6. Cloudflare's API unavailable (503): from the start, the up stops before any change, saying so; in the middle, it names the record", async () => {
    const file = next(dmarcQuarantine);
    const atStart = await faulted(file, "Cloudflare API unavailable", async () => setCloudflareFault({ kind: "unavailable" }))
      .finally(() => setCloudflareFault(undefined));
    assert.match(atStart.output, /run pulumi up again once Cloudflare answers/);
    assert.deepEqual([atStart.remoteCommands, atStart.dnsChanges], [[], []]);
    const inTheMiddle = await faulted(file, "Cloudflare API unavailable in the middle", async (d) => {
      await d.stepStarted("dns-txt-_dmarc.example.test");
      setCloudflareFault({ kind: "unavailable" });
    }).finally(() => setCloudflareFault(undefined));
    assert.equal(inTheMiddle.changes["dns-txt-_dmarc.example.test"], "failed", inTheMiddle.output);
    assert.match(inTheMiddle.output, /503/);
    await converges("Cloudflare API unavailable (503)", file);
  });

  test("7. Cloudflare's API not answering (connections closed after 20 s) while records are made", async () => {
    const file = next(srvOn);
    await faulted(file, "Cloudflare API not answering", async () => setCloudflareFault({ kind: "hang", closeAfterMs: 20_000 }), true)
      .finally(() => setCloudflareFault(undefined));
    await converges("Cloudflare API not answering", file);
  });

  test("8. Cloudflare refuses one record: the up names it and makes the others; the next converges", async () => {
    const file = next(rotation);
    const report = await faulted(file, "Cloudflare refuses one record", async () => setCloudflareFault({ kind: "refuse", name: "rot2._domainkey.example.test" }))
      .finally(() => setCloudflareFault(undefined));
    assert.match(report.output, /Record quota exceeded/);
    assert.equal(report.changes["dns-txt-rot2._domainkey.example.test"], "failed", report.output);
    await converges("Cloudflare refuses one record", file);
  });

  test("8b. pulumi up killed (SIGKILL) after Cloudflare made a new domain's record but before the engine knew: the printed recovery, then the next up converges", async () => {
    const file = next(newDomain);
    await faulted(file, "pulumi up killed while a record was made", async (d) => {
      setCloudflareFault({ kind: "slow", delayMs: 5000 });
      await d.until("a record of the new domain in DNS", async () => (await listRecords("example.test")).some((r) => r.name.includes("shop.")));
      d.signalPulumi("SIGKILL", true);
    }).finally(() => setCloudflareFault(undefined));
    await recoverAsPrinted("pulumi up killed while a record was made", file);
    await converges("pulumi up killed (SIGKILL) while a record was made", file);
    const shop = (await listRecords("example.test")).filter((r) => r.name.includes("shop.")).map((r) => `${r.type} ${r.name}`);
    assert.equal(new Set(shop).size, shop.length, `a record twice: ${shop.join(", ")}`);
  });

  test("8c. the session killed in the chasquid step, as it removes a domain", async () => {
    const file = next((c) => { c["mailstack:domains"] = c["mailstack:domains"].filter((d: { name: string }) => d.name !== "shop.example.test"); });
    const report = await faulted(file, "session killed in the chasquid step", (d) => cutSession(d, "chasquid"));
    assert.equal(report.changes[STEP("chasquid")], "failed", report.output);
    await converges("session killed in the chasquid step", file);
    assert.equal((await onVps("test -e /etc/chasquid/domains/shop.example.test && echo left || echo gone")).trim(), "gone");
  });

  test("9. every message accepted with 250 during the faults was delivered, none twice", async () => {
    const attempts = await loop!.stop();
    loop = undefined;
    const accepted = attempts.filter((a) => a.messageId);
    assert.ok(accepted.length >= 100, `only ${accepted.length} of ${attempts.length} accepted`);
    // Allow the queue to drain (chasquid retries deliveries that a fault interrupted).
    const delivered = () => listMessages().filter((m) => m.envelope.rcptTo.includes("loop@gmail.test")).map((m) => m.headers.messageId);
    const deadline = Date.now() + 180_000;
    while (accepted.some((a) => !delivered().includes(a.messageId!)) && Date.now() < deadline) await sleep(2000);
    const got = delivered();
    const missing = accepted.filter((a) => !got.includes(a.messageId!)).map((a) => a.n);
    assert.deepEqual(missing, [], `accepted but never delivered: messages ${missing.join(", ")}`);
    const twice = [...new Set(got.filter((id, i) => got.indexOf(id) !== i))];
    assert.deepEqual(twice, [], "delivered twice");
    console.log(`mail during the faults: ${accepted.length} accepted of ${attempts.length} submitted, every one delivered once`);
  });
});
