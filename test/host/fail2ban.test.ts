// fail2ban on the host: the base step's parameters, its program (remote/fail2ban.sh before base.sh),
// verify's jail check, and converge_fail2ban run for real in a scratch folder with systemctl and
// fail2ban-client stood in for (what it writes, when it reloads, what it removes).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readRemoteScript, REMOTE_DIR } from "../../plans/host/step-command";
import { baseCommand, HostPlanInput, verifyCommand } from "../../plans/host/steps";
import { DEFAULT_FAIL2BAN } from "../../stacks/schema";
import { validateStackConfig } from "../../stacks/validate";
import { stackFileConfig, toEngineConfig } from "../support/stack-config";

const config = validateStackConfig(toEngineConfig(stackFileConfig("Pulumi.prod.yaml")));
const plan: HostPlanInput = {
  host: config.hosts[0]!, acme: config.acme, firewall: true, stack: "mailstack/prod",
  domains: [{ name: "user.tax", dkimSelector: "mailstack", aliasesFile: "i: me@gmail.test\n" }],
};
const on = { ...DEFAULT_FAIL2BAN, enabled: true, maxRetry: 3, findTime: 300, banTime: 7200, ignoreIps: ["203.0.113.7", "2001:db8:7::/48"] };

const programOf = (commandText: string) => /<<'MAILSTACK_STEP'\n([\s\S]*)\nMAILSTACK_STEP\n\)"/.exec(commandText)![1]!;
const params = (commandText: string) => programOf(commandText).split("\n").filter((l) => /^MS_F(2B|AIL2BAN)/.test(l));

describe("fail2ban: the steps' parameters", () => {
  test("off (the default, or unset): base gets MS_F2B_ENABLED=no and no numbers; verify does not check", () => {
    assert.deepEqual(params(baseCommand(plan)), ["MS_F2B_ENABLED='no'"]);
    assert.deepEqual(params(baseCommand({ ...plan, fail2ban: { ...on, enabled: false } })), ["MS_F2B_ENABLED='no'"],
      "tuning a jail that is off changes nothing on the host");
    assert.deepEqual(params(verifyCommand(plan)), ["MS_FAIL2BAN='no'"]);
  });

  test("on: the numbers and the addresses never banned; verify checks the jail; a guest leaves it to the owner", () => {
    assert.deepEqual(params(baseCommand({ ...plan, fail2ban: on })), [
      "MS_F2B_ENABLED='yes'", "MS_F2B_MAXRETRY='3'", "MS_F2B_FINDTIME='300'", "MS_F2B_BANTIME='7200'", "MS_F2B_IGNOREIP='203.0.113.25 2001:db8:25::25 203.0.113.7 2001:db8:7::/48'",
    ]);
    // The host's own addresses always: its verification logs in with a wrong password from them.
    assert.deepEqual(params(baseCommand({ ...plan, fail2ban: { ...on, ignoreIps: [] } })).at(-1), "MS_F2B_IGNOREIP='203.0.113.25 2001:db8:25::25'");
    assert.deepEqual(params(verifyCommand({ ...plan, fail2ban: on })), ["MS_FAIL2BAN='yes'"]);
    assert.deepEqual(params(verifyCommand({ ...plan, fail2ban: on, host: { ...plan.host, owner: false } })), ["MS_FAIL2BAN='owner'"]);
  });

  test("the base program: lib, then fail2ban.sh's functions, then base.sh, which calls them; valid bash", () => {
    const program = programOf(baseCommand({ ...plan, fail2ban: on }));
    const at = (script: "lib" | "fail2ban" | "base") => program.indexOf(readRemoteScript(script).replace(/^#!.*\n/, ""));
    assert.ok(at("lib") > 0 && at("lib") < at("fail2ban") && at("fail2ban") < at("base"), "lib < fail2ban < base");
    assert.match(readRemoteScript("base"), /^converge_fail2ban$/m);
    assert.match(readRemoteScript("base"), /\[ "\$MS_F2B_ENABLED" = yes \] && packages\+=\(fail2ban python3-systemd\)/);
    assert.equal(spawnSync("bash", ["-n"], { input: program, encoding: "utf8" }).status, 0);
  });

  test("verify reports the jail with an ok or FAIL line, only when it is on", () => {
    const verify = readRemoteScript("verify");
    assert.match(verify, /if \[ "\$MS_FAIL2BAN" = yes \]; then\n\s+if jail=\$\(fail2ban-client status mailstack-chasquid 2>&1\); then/);
    assert.match(verify, /pass "fail2ban jail mailstack-chasquid active \(ports 25, 465, 587; \$\{banned:-0\} banned now\)"/);
    assert.match(verify, /fail "the fail2ban jail mailstack-chasquid is not active: /);
  });
});

/**
 * Runs lib.sh + fail2ban.sh's converge_fail2ban in `dir` (as /etc/fail2ban and the unit drop-in
 * folder), with stand-ins that log every systemctl and fail2ban-client call. `active` says whether
 * fail2ban runs before the call.
 */
function converge(dir: string, env: Record<string, string>, active = true) {
  const log = join(dir, "calls");
  const script = `
    set -euo pipefail
    source "${REMOTE_DIR}/lib.sh"
    source "${REMOTE_DIR}/fail2ban.sh"
    chown() { :; }
    sleep() { :; }
    systemctl() {
      echo "systemctl $*" >>"${log}"
      case "$*" in
        "is-active --quiet fail2ban") [ -e "${dir}/active" ] ;;
        "is-enabled --quiet fail2ban") [ -e "${dir}/enabled" ] ;;
        "enable --quiet fail2ban") touch "${dir}/enabled" ;;
        "restart fail2ban"|"reload-or-restart fail2ban") touch "${dir}/active" ;;
        *) : ;;
      esac
    }
    fail2ban-client() { echo "fail2ban-client $*" >>"${log}"; [ -e "${dir}/active" ]; }
    journalctl() { :; }
    changed=()
    converge_fail2ban
    printf 'changed=%s\\n' "\${changed[*]:-}"`;
  if (active) writeFileSync(join(dir, "active"), "");
  else spawnSync("rm", ["-f", join(dir, "active")]);
  writeFileSync(log, "");
  const r = spawnSync("bash", ["-c", script], {
    encoding: "utf8", env: { ...process.env, F2B_ETC: join(dir, "etc"), F2B_UNIT_DIR: join(dir, "unit"), ...env },
  });
  return { ...r, calls: readFileSync(log, "utf8").trim().split("\n").filter(Boolean) };
}

const ON_ENV = { MS_F2B_ENABLED: "yes", MS_F2B_MAXRETRY: "3", MS_F2B_FINDTIME: "600", MS_F2B_BANTIME: "600", MS_F2B_IGNOREIP: "10.78.0.1" };

describe("fail2ban: converge_fail2ban on a scratch /etc", () => {
  test("on: our filter, the jail with the numbers, the sshd journal fix and the unit drop-in; fail2ban started; a second run changes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailstack-f2b-"));
    const first = converge(dir, ON_ENV, false);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^changed=fail2ban jail mailstack-chasquid$/m);
    const jail = readFileSync(join(dir, "etc/jail.d/mailstack-chasquid.conf"), "utf8");
    for (const line of ["[mailstack-chasquid]", "enabled = true", "backend = systemd", "filter = mailstack-chasquid",
      "port = 25,465,587", "protocol = tcp", "banaction = nftables-multiport", "maxretry = 3", "findtime = 600", "bantime = 600", "ignoreself = true",
      "ignoreip = 127.0.0.1/8 ::1 10.78.0.1"]) {
      assert.ok(jail.split("\n").includes(line), `jail lacks "${line}":\n${jail}`);
    }
    const filter = readFileSync(join(dir, "etc/filter.d/mailstack-chasquid.conf"), "utf8");
    assert.match(filter, /^failregex = SMTP\\\.Conn <ADDR>:\\d\+: error: AUTH failed: 535\\b$/m);
    assert.match(filter, /^journalmatch = _SYSTEMD_UNIT=chasquid\.service$/m);
    assert.match(readFileSync(join(dir, "etc/jail.d/mailstack-sshd-journal.conf"), "utf8"), /^\[sshd\]\nbackend = systemd$/m);
    assert.match(readFileSync(join(dir, "unit/mailstack.conf"), "utf8"), /^PartOf=nftables\.service$/m);
    // Not running before (a fresh install that failed on the package's defaults): reset, then started.
    assert.deepEqual(first.calls.filter((c) => !c.includes("is-active") && !c.includes("is-enabled")), [
      "systemctl daemon-reload", "systemctl enable --quiet fail2ban", "systemctl reset-failed fail2ban", "systemctl restart fail2ban",
      "fail2ban-client status mailstack-chasquid",
    ]);

    const again = converge(dir, ON_ENV);
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stdout, /^changed=$/m);
    assert.ok(!again.calls.some((c) => /restart|reload|enable /.test(c)), again.calls.join("\n"));

    // New numbers: the jail is rewritten and fail2ban reloads (keeping its bans), not restarted.
    const tuned = converge(dir, { ...ON_ENV, MS_F2B_MAXRETRY: "5", MS_F2B_IGNOREIP: "" });
    assert.equal(tuned.status, 0, tuned.stderr);
    assert.ok(tuned.calls.includes("systemctl reload-or-restart fail2ban"), tuned.calls.join("\n"));
    assert.ok(!tuned.calls.includes("systemctl daemon-reload"), "the unit drop-in did not change");
    const jail2 = readFileSync(join(dir, "etc/jail.d/mailstack-chasquid.conf"), "utf8");
    assert.match(jail2, /^maxretry = 5$/m);
    assert.match(jail2, /^ignoreip = 127\.0\.0\.1\/8 ::1$/m);
  });

  test("off: the jail, our filter and the drop-in go and fail2ban reloads (lifting the jail's bans); the package and the sshd fix stay; off again does nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailstack-f2b-"));
    assert.equal(converge(dir, ON_ENV).status, 0);
    const off = converge(dir, { MS_F2B_ENABLED: "no" });
    assert.equal(off.status, 0, off.stderr);
    assert.match(off.stdout, /^changed=fail2ban jail removed$/m);
    for (const f of ["etc/jail.d/mailstack-chasquid.conf", "etc/filter.d/mailstack-chasquid.conf", "unit/mailstack.conf"]) assert.ok(!existsSync(join(dir, f)), f);
    assert.ok(existsSync(join(dir, "etc/jail.d/mailstack-sshd-journal.conf")));
    assert.ok(off.calls.includes("systemctl reload-or-restart fail2ban"));
    const again = converge(dir, { MS_F2B_ENABLED: "no" });
    assert.match(again.stdout, /^changed=$/m);
    assert.deepEqual(again.calls, []);
    // Never installed: nothing to do, nothing called.
    const fresh = mkdtempSync(join(tmpdir(), "mailstack-f2b-"));
    assert.deepEqual(converge(fresh, { MS_F2B_ENABLED: "no" }, false).calls, []);
  });

  test("a jail that does not come up stops the step with fail2ban's configuration test", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailstack-f2b-"));
    // fail2ban stays down: restart "works" but the service never answers.
    const r = spawnSync("bash", ["-c", `
      set -euo pipefail
      source "${REMOTE_DIR}/lib.sh"; source "${REMOTE_DIR}/fail2ban.sh"
      chown() { :; }; journalctl() { :; }
      # Each wait moves bash's clock on by 10 s: the 30 s deadline passes at once.
      sleep() { SECONDS=$((SECONDS + 10)); echo slept >>"${dir}/sleeps"; }
      systemctl() { case "$*" in is-active*|is-enabled*) return 1 ;; esac; }
      fail2ban-client() { [ "$1" = -t ] && echo "ERROR  No file(s) found for glob /var/log/auth.log" >&2; return 1; }
      changed=(); converge_fail2ban; echo went on`], {
      encoding: "utf8", env: { ...process.env, F2B_ETC: join(dir, "etc"), F2B_UNIT_DIR: join(dir, "unit"), ...ON_ENV },
    });
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.stdout, /went on/);
    assert.match(r.stderr, /No file\(s\) found for glob/);
    assert.match(r.stderr, /mailstack: ERROR: fail2ban did not start the jail mailstack-chasquid/);
    assert.equal(readFileSync(join(dir, "sleeps"), "utf8").trim().split("\n").length, 3, "it waited 30 s, in 3 steps of the stand-in clock");
  });
});
