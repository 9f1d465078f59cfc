// World-based doctor tests, registered by test/e2e/local-suite.ts: it calls
// `doctorWorldTests(ctx)` from a world e2e file, after a deploy of the local stack, with the world's
// own functions (world/state.ts vpsExec, world/dns.ts setPtr/addRecord/removeRecord).
//
// Each test breaks one thing in the world, runs the doctor (in-process, like `npm run doctor --
// --stack local`), checks that the right check fails with its fix, and restores the world in a
// `finally` (so a failing assertion still leaves a working stack for the next test).
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import type { DnsRecordPlan } from "../../plans/dns";
import { dkimValue } from "../../plans/mail-records";
import { txtContent, txtStrings } from "../../plans/txt";
import type { DnsRecord } from "../../world/dns-records";
import { exitStatus, renderTable } from "../../doctor/report";
import { Group, GROUPS, runDoctor } from "../../doctor/run";
import { setup } from "../../doctor/setup";
import type { CheckResult } from "../../doctor/types";
import { makeCert } from "../doctor/certs";

export interface DoctorWorldContext {
  /** .local/outputs.json of the deployed local stack. */
  outputsFile: string;
  /** .local/world.json. */
  worldFile: string;
  vpsExec(cmd: string, opts?: { stdin?: string; timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
  setPtr(ip: string, hostname: string | null): Promise<void>;
  addRecord(r: DnsRecord): Promise<void>;
  removeRecord(r: DnsRecord): Promise<void>;
}

const asWorldRecord = (r: DnsRecordPlan, content = r.content): DnsRecord =>
  ({ zone: r.zone, name: r.name, type: r.type, content, ttl: r.ttl, ...(r.priority !== undefined ? { priority: r.priority } : {}) });

export function doctorWorldTests(ctx: DoctorWorldContext): void {
  const doctor = async (groups: Group[] = GROUPS): Promise<CheckResult[]> => {
    const s = setup({ stack: "local", outputsFile: ctx.outputsFile, worldFile: ctx.worldFile, timeoutMs: 10_000 });
    return runDoctor(s.ctx, groups);
  };
  const facts = () => {
    const s = setup({ stack: "local", outputsFile: ctx.outputsFile, worldFile: ctx.worldFile });
    const host = s.ctx.targets.hosts[0]!;
    const domain = s.ctx.targets.domains[0]!;
    const records = s.ctx.targets.records;
    return { host, domain, records };
  };
  const failing = (rs: CheckResult[]) => rs.filter((r) => r.status === "fail");
  const swapRecord = async (from: DnsRecordPlan, toContent: string, body: () => Promise<void>) => {
    await ctx.removeRecord(asWorldRecord(from));
    await ctx.addRecord(asWorldRecord(from, toContent));
    try {
      await body();
    } finally {
      await ctx.removeRecord(asWorldRecord(from, toContent)).catch(() => undefined);
      await ctx.addRecord(asWorldRecord(from));
    }
  };
  /** Waits until chasquid answers on 25, 465 and 587 again (after a restart). */
  const waitForChasquid = async () => {
    const r = await ctx.vpsExec("for i in $(seq 1 50); do if ss -ltn | grep -q ':25 ' && ss -ltn | grep -q ':465 ' && ss -ltn | grep -q ':587 '; then exit 0; fi; sleep 0.2; done; exit 1", { timeoutMs: 20_000 });
    assert.equal(r.code, 0, `chasquid did not come back: ${r.stderr}`);
  };

  test("doctor: the deployed local stack passes (warnings allowed: Spamhaus is unknown in the world)", async () => {
    const rs = await doctor();
    assert.deepEqual(failing(rs), [], renderTable(rs));
    assert.equal(exitStatus(rs), 0);
    // The world DNS is authoritative only: it REFUSES spamhaus names → unknown (warn), never listed.
    const rep = rs.filter((r) => r.id.startsWith("reputation."));
    assert.ok(rep.length > 0);
    for (const r of rep) {
      assert.equal(r.status, "warn", `${r.id} ${r.target}: ${r.observed}`);
      assert.match(r.observed, /^unknown/);
    }
    // Debian 12 runs Debian 13's chasquid too (built with a Go that can refuse TLS 1.0/1.1).
    for (const id of ["dns.a", "dns.aaaa", "dns.mx", "dns.spf", "dns.spf-lookups", "dns.spf-authorises", "dns.dkim", "dns.dmarc", "dns.proxied",
      "rdns.ptr", "smtp.reach", "smtp.starttls", "smtp.banner", "smtp.cert-name", "smtp.cert-chain", "smtp.cert-expiry",
      "smtp.tls-version",
      "security.open-relay", "security.auth-before-tls", "security.login", "security.wrong-password",
      // Pulumi.local.yaml turns on the submission SRV records and fail2ban's jail.
      "dns.srv", "security.fail2ban"]) {
      assert.ok(rs.some((r) => r.id === id && r.status === "pass"), `${id} passes`);
    }
    const tls = rs.filter((r) => r.id === "smtp.tls-version").map((r) => r.status);
    assert.deepEqual([...new Set(tls)], ["pass"]);
  });

  test("doctor: a removed PTR fails rdns.ptr with the Contabo fix", async () => {
    const { host } = facts();
    const ip = host.ipv4[0]!;
    await ctx.setPtr(ip, null);
    try {
      const rs = await doctor(["rdns"]);
      const r = rs.find((x) => x.id === "rdns.ptr" && x.target === ip)!;
      assert.equal(r.status, "fail");
      assert.equal(r.observed, "no PTR");
      assert.match(r.fix, /Reverse DNS management \(https:\/\/my\.contabo\.com\/rdns\)/);
      assert.ok(rs.filter((x) => x.target !== ip).every((x) => x.status === "pass"), "the other address still passes");
    } finally {
      await ctx.setPtr(ip, host.name);
    }
    assert.deepEqual(failing(await doctor(["rdns"])), [], "restored");
  });

  test("doctor: a changed DKIM TXT fails dns.dkim", async () => {
    const { domain, records } = facts();
    const planned = records.find((r) => r.type === "TXT" && r.name === domain.dkimRecordName)!;
    const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
    await swapRecord(planned, txtContent(dkimValue(otherKey)), async () => {
      const r = (await doctor(["dns"])).find((x) => x.id === "dns.dkim")!;
      assert.equal(r.status, "fail");
      assert.match(r.observed, /differs from the deployed key/);
      assert.match(r.fix, new RegExp(`publish the planned TXT at ${domain.dkimRecordName.replace(/\./g, "\\.")}`));
    });
    assert.equal((await doctor(["dns"])).find((x) => x.id === "dns.dkim")!.status, "pass", "restored");
  });

  test("doctor: SPF without the IPv6 address fails dns.spf-authorises for it", async () => {
    const { host, domain, records } = facts();
    const v6 = host.ipv6[0];
    assert.ok(v6, "the local stack has an IPv6 address");
    const planned = records.find((r) => r.type === "TXT" && r.name === domain.name && txtStrings(r.content).join("").startsWith("v=spf1"))!;
    const withoutV6 = txtStrings(planned.content).join("").split(" ").filter((t) => !t.startsWith("ip6:")).join(" ");
    await swapRecord(planned, txtContent(withoutV6), async () => {
      const rs = await doctor(["dns"]);
      const r = rs.find((x) => x.id === "dns.spf-authorises" && x.target === `${domain.name} ← ${v6}`)!;
      assert.equal(r.status, "fail");
      assert.match(r.fix, new RegExp(`add ip6:${v6.replace(/\./g, "\\.")} to the SPF record at`));
      assert.equal(rs.find((x) => x.id === "dns.spf-authorises" && x.target === `${domain.name} ← ${host.ipv4[0]}`)!.status, "pass");
    });
  });

  test("doctor: chasquid stopped fails smtp.reach on every port and address", async () => {
    // The sockets too: with socket activation a connection would start chasquid again.
    const stop = await ctx.vpsExec("systemctl stop chasquid-smtp.socket chasquid-submission.socket chasquid-submission_tls.socket chasquid", { timeoutMs: 30_000 });
    assert.equal(stop.code, 0, stop.stderr);
    try {
      const rs = await doctor(["smtp", "security"]);
      const reach = rs.filter((x) => x.id === "smtp.reach");
      const { host } = facts();
      assert.equal(reach.length, 3 * (host.ipv4.length + host.ipv6.length));
      assert.ok(reach.every((x) => x.status === "fail"), renderTable(reach));
      assert.match(reach[0]!.fix, /systemctl status chasquid/);
      assert.equal(exitStatus(rs), 1);
    } finally {
      await ctx.vpsExec("systemctl start chasquid-smtp.socket chasquid-submission.socket chasquid-submission_tls.socket chasquid", { timeoutMs: 30_000 });
      await waitForChasquid();
    }
    assert.deepEqual(failing(await doctor(["smtp"])), [], "restored");
  });

  test("doctor: an expired certificate fails smtp.cert-expiry and smtp.cert-chain with the renew fix", async () => {
    const { host } = facts();
    const dir = `/etc/chasquid/certs/${host.name}`;
    // OpenSSL 3.0 has no -not_after; `openssl ca -selfsign -startdate/-enddate` (test/doctor/certs.ts) makes one in the past.
    const expired = makeCert([host.name], new Date("2024-01-01T00:00:00Z"), new Date("2024-02-01T00:00:00Z"));
    const backup = await ctx.vpsExec(`set -e; rm -rf /root/doctor-cert-backup; cp -a ${dir} /root/doctor-cert-backup`);
    assert.equal(backup.code, 0, backup.stderr);
    try {
      const put = await ctx.vpsExec(
        `set -e; f=$(mktemp); cat > "$f"; sed -n '1,/END PRIVATE KEY/p' "$f" > ${dir}/privkey.pem; sed -n '/BEGIN CERTIFICATE/,$p' "$f" > ${dir}/fullchain.pem; rm -f "$f"; ` +
        `chown root:chasquid ${dir}/privkey.pem ${dir}/fullchain.pem; chmod 0640 ${dir}/privkey.pem ${dir}/fullchain.pem; systemctl restart chasquid`,
        { stdin: `${expired.key}${expired.cert}`, timeoutMs: 30_000 });
      assert.equal(put.code, 0, put.stderr);
      await waitForChasquid();
      const rs = await doctor(["smtp"]);
      for (const id of ["smtp.cert-expiry", "smtp.cert-chain"]) {
        const hits = rs.filter((x) => x.id === id);
        assert.ok(hits.length > 0 && hits.every((x) => x.status === "fail"), `${id}: ${renderTable(hits)}`);
      }
      assert.match(rs.find((x) => x.id === "smtp.cert-expiry")!.fix, new RegExp(`certbot renew --cert-name ${host.name.replace(/\./g, "\\.")}`));
    } finally {
      await ctx.vpsExec(`set -e; rm -rf ${dir}; cp -a /root/doctor-cert-backup ${dir}; rm -rf /root/doctor-cert-backup; systemctl restart chasquid`, { timeoutMs: 30_000 });
      await waitForChasquid();
    }
    assert.deepEqual(failing(await doctor(["smtp"])), [], "restored");
  });

  // No open-relay fault here: chasquid cannot be configured to relay for strangers, so the world
  // cannot show one. test/doctor/smtp-checks.test.ts points the same check at a permissive loopback
  // smtp-server and expects security.open-relay to fail.
}
