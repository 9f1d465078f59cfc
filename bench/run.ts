// `npm run bench [-- --os debian12] [--messages 200]`: figures, no assertions. On fresh local worlds:
// 1. cold converge wall time beside the floor (the same packages installed by hand plus one
//    certificate issuance), and the ratio;
// 2. remote commands run by the first deploy and by a second deploy with no change;
// 3. submission throughput through 587 measured at the receiver, with DKIM as deployed and with
//    DKIM switched off on the same chasquid, and the ratio.
import { cpus, totalmem } from "node:os";
import { listMessages } from "../world/inbox";
import * as worldDns from "../world/dns";
import { readWorld, vpsExec } from "../world/state";
import { deployProcess as deploy, world } from "../runner/processes";
import { submission } from "../runner/local-mail";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../runner/deploy";

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const os = arg("--os", "debian13") as "debian13" | "debian12";
const messages = Number(arg("--messages", "200"));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function onVps(cmd: string): Promise<void> {
  const r = await vpsExec(cmd, { timeoutMs: 600_000 });
  if (r.code !== 0) throw new Error(`vps: ${cmd}: ${r.stdout}${r.stderr}`);
}

/** The floor: what converging costs at least, done by hand on a fresh vps. */
async function floor(): Promise<number> {
  world("down");
  world("up", "--os", os);
  const w = readWorld();
  // IPv4 only: the provider image has IPv6 off until it is configured (which the floor skips).
  await worldDns.addRecord({ zone: "example.test", name: w.vps.hostname, type: "A", content: w.hosts.vps.ipv4, ttl: 300 });
  const packages = "chasquid certbot ca-certificates openssl python3 unattended-upgrades nftables iproute2";
  const started = Date.now();
  // By hand too, one waits for the provider image's first-boot package job (apt-get update does
  // not wait for its lists lock by itself).
  await onVps("for i in $(seq 1 300); do systemctl is-active --quiet provider-firstboot-apt || break; sleep 1; done");
  await onVps(`set -e; export DEBIAN_FRONTEND=noninteractive; apt-get update -qq; apt-get install -y -qq --no-install-recommends ${packages} >/dev/null`);
  await onVps(`certbot certonly --standalone -n --agree-tos -m admin@example.test --server ${w.acme.directory} -d ${w.vps.hostname} --quiet`);
  return Date.now() - started;
}

/** Sends `n` messages through 587 and returns messages per second measured at the receiver. */
async function throughput(n: number, label: string): Promise<number> {
  const outputs = JSON.parse(readFileSync(join(ROOT, ".local", "outputs.json"), "utf8")) as { smtpPasswords: Record<string, string> };
  const user = "i@example.test";
  // One pooled connection: one STARTTLS and one AUTH (chasquid pads each AUTH to ~100 ms), then
  // messages back to back, so the figure is chasquid's per-message work.
  const transport = submission(587, user, outputs.smtpPasswords[user], { pool: true });
  const tag = `bench-${label}-${Date.now()}`;
  const sent = Date.now();
  for (let i = 0; i < n; i++) {
    await transport.sendMail({ from: user, to: `bench@gmail.test`, subject: `${tag} ${i}`, text: `message ${i}\n` });
  }
  const submitted = Date.now() - sent;
  transport.close();
  const deadline = Date.now() + 300_000;
  let got = listMessages().filter((m) => m.headers.subject?.startsWith(tag));
  while (got.length < n && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    got = listMessages().filter((m) => m.headers.subject?.startsWith(tag));
  }
  const times = got.map((m) => Date.parse(m.receivedAt)).sort((a, b) => a - b);
  const span = (times[times.length - 1] - sent) / 1000;
  const signed = got.filter((m) => m.auth.dkim.some((d) => d.result === "pass")).length;
  const signatures = got.reduce((sum, m) => sum + m.auth.dkim.filter((d) => d.result === "pass").length, 0);
  console.log(`  ${label}: ${got.length}/${n} delivered, submitted in ${seconds(submitted)}, last arrival after ${span.toFixed(1)} s ` +
    `→ ${(got.length / span).toFixed(1)} msg/s (${signed} DKIM-signed, ${signatures} signatures verified)`);
  return got.length / span;
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("the benchmark needs root (it runs the local world)");
  console.log(`mailstack bench: ${os}, ${messages} messages; machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GiB`);

  const floorMs = await floor();
  console.log(`\nfloor (by hand: apt-get install + one certbot issuance): ${seconds(floorMs)}`);

  world("down");
  world("up", "--os", os);
  const cold = deploy();
  if (!cold.ok) throw new Error(`cold deploy failed:\n${cold.output}`);
  console.log(`cold converge (deploy to the provider's fresh vps, verification included): ${seconds(cold.durationMs)}; ratio to the floor ${(cold.durationMs / floorMs).toFixed(2)}`);
  const local = (c: string) => c.endsWith("(local)");
  console.log(`commands, first deploy: ${cold.remoteCommands.filter((c) => !local(c)).length} over SSH, ${cold.remoteCommands.filter(local).length} on this machine`);
  const again = deploy();
  console.log(`commands, second deploy with no change: ${again.remoteCommands.length} (${seconds(again.durationMs)})`);

  console.log(`\nsubmission throughput (one connection, ${messages} messages, 587 + STARTTLS, measured at the receiver):`);
  const signed = await throughput(messages, "DKIM on");
  const facts = JSON.parse(readFileSync(join(ROOT, ".local", "outputs.json"), "utf8")).hosts["mail.example.test"].facts as { dkim: string };
  await onVps(facts.dkim === "native"
    // Every key chasquid signs with (the RSA one, and the Ed25519 one Pulumi.local.yaml adds).
    ? "mv /etc/chasquid/domains/example.test/dkim:*.pem /root/ && systemctl restart chasquid && sleep 1"
    : "mv /etc/chasquid/certs/example.test/dkim_privkey.pem /root/");
  const unsigned = await throughput(messages, "DKIM off");
  console.log(`ratio with DKIM to without: ${(signed / unsigned).toFixed(2)}`);
  world("down");
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
