import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { renderBundle } from "../../plans/host/bundle";
import { renderChasquidConf } from "../../plans/host/chasquid-conf";
import { parseBaseReport, parsePreflight } from "../../plans/host/preflight";
import { readRemoteScript, REMOTE_DIR, stepCommand } from "../../plans/host/step-command";
import {
  baseCommand, chasquidCommand, chasquidStdin, domainCommand, domainDeleteCommand, domainStdin, HostPlanInput, preflightCommand, tlsCommand,
  tlsStdin, verifyCommand, verifyStdin,
} from "../../plans/host/steps";
import { validateStackConfig } from "../../stacks/validate";
import { ROOT, stackFileConfig, toEngineConfig } from "../support/stack-config";

const config = validateStackConfig(toEngineConfig(stackFileConfig("Pulumi.prod.yaml")));
const plan: HostPlanInput = {
  host: config.hosts[0], acme: config.acme, firewall: true, stack: "mailstack/prod",
  domains: [{ name: "user.tax", dkimSelector: "mailstack", aliasesFile: "i: me@gmail.test\n" }],
};
const dkimPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "pem", type: "pkcs8" }).toString();

/** The bash program inside a rendered step command (between the here-document delimiters). */
function programOf(commandText: string): string {
  return /<<'MAILSTACK_STEP'\n([\s\S]*)\nMAILSTACK_STEP\n\)"/.exec(commandText)![1];
}

/** Runs lib.sh's read_bundle for real and returns the files it wrote. */
function unpack(bundle: string): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), "mailstack-bundle-"));
  execFileSync("bash", ["-c", `set -euo pipefail; source "${REMOTE_DIR}/lib.sh"; read_bundle "$1"`, "unpack", dir], { input: bundle });
  const files: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(dir, rel))) {
      const path = join(rel, entry);
      if (statSync(join(dir, path)).isDirectory()) walk(path);
      else files[path] = readFileSync(join(dir, path), "utf8");
    }
  };
  walk("");
  return files;
}

describe("remote steps", () => {
  test("every shell script passes shellcheck", () => {
    const scripts = execFileSync("git", ["ls-files", "*.sh"], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
    assert.ok(scripts.includes("remote/chasquid.sh") && scripts.length >= 10, `found ${scripts.join(", ")}`);
    const result = spawnSync("shellcheck", ["-x", ...scripts], { cwd: ROOT, encoding: "utf8" });
    assert.equal(result.error, undefined, "shellcheck is not installed (setup/apt-packages.txt)");
    assert.equal(result.status, 0, result.stdout);
  });

  test("every remote script is strict and every step renders to valid bash", () => {
    for (const file of readdirSync(REMOTE_DIR).filter((f) => f.endsWith(".sh"))) {
      assert.match(readFileSync(join(REMOTE_DIR, file), "utf8"), /^#!\/usr\/bin\/env bash\n(#.*\n)*set -euo pipefail\n/, file);
    }
    const commands = [preflightCommand(plan), baseCommand(plan), tlsCommand(plan), chasquidCommand(plan),
      domainCommand(plan, plan.domains[0]), verifyCommand(plan)];
    for (const c of commands) {
      const syntax = spawnSync("bash", ["-n"], { input: programOf(c), encoding: "utf8" });
      assert.equal(syntax.status, 0, syntax.stderr);
      assert.ok(c.startsWith(`bash -c "$(cat <<'MAILSTACK_STEP'\n# mailstack step: `), c.slice(0, 80));
    }
  });

  test("a rendered step runs as written, parameters quoted safely", () => {
    const text = stepCommand("domain-remove", { MS_DOMAIN: "it's; $(not) `there`", MS_STACK: "p/s" });
    const out = execFileSync("bash", ["-c", text], { encoding: "utf8" });
    assert.equal(out, "mailstack: domain it's; $(not) `there` removed\n");
    assert.throws(() => stepCommand("domain", { domain: "x" }), /MS_NAME/);
    assert.throws(() => stepCommand("domain", { MS_DOMAIN: "x\nMAILSTACK_STEP\nrm -rf /" }), /delimiter/);
  });

  test("a non-root SSH user runs every step through sudo -n", () => {
    const asUser = { ...plan, host: { ...plan.host, sshUser: "debian" } };
    for (const c of [preflightCommand(asUser), tlsCommand(asUser), domainCommand(asUser, plan.domains[0])]) assert.match(c, /^sudo -n bash -c /);
    assert.match(tlsCommand(plan), /^bash -c /);
  });

  test("step parameters for the seed's host", () => {
    const base = programOf(baseCommand(plan));
    assert.match(base, /^MS_HOSTNAME='mail\.user\.tax'$/m);
    assert.doesNotMatch(base, /MS_DKIM_MODE/, "the DKIM mode is decided on the host, from the chasquid installed");
    assert.match(base, /^MS_IPV6='2001:db8:25::25'$/m);
    assert.match(base, /^MS_SSH_PORT='22'$/m);
    assert.match(base, /^MS_FIREWALL='yes'$/m);
    const tls = programOf(tlsCommand(plan));
    assert.match(tls, /^MS_ACME_DIRECTORY='https:\/\/acme-v02\.api\.letsencrypt\.org\/directory'$/m);
    assert.match(tls, /^MS_ACME_EMAIL='i@user\.tax'$/m);
    assert.match(base, /^MS_STACK='mailstack\/prod'$/m);
    assert.match(programOf(chasquidCommand(plan)), /^MS_DOMAINS='user\.tax'$/m);
    const domain = programOf(domainCommand(plan, plan.domains[0]));
    assert.match(domain, /^MS_DOMAIN='user\.tax'$/m);
    assert.match(domain, /^MS_SELECTOR='mailstack'$/m);
    assert.match(domain, /^MS_STACK='mailstack\/prod'$/m);
    assert.match(programOf(domainDeleteCommand(plan, "user.tax")), /^MS_STACK='mailstack\/prod'$/m);
  });

  test("on a host another stack owns: preflight checks the owner's setup, verify leaves the firewall to the owner", () => {
    const guest = { ...plan, host: { ...plan.host, owner: false } };
    assert.match(programOf(preflightCommand(guest)), /^MS_GUEST_OF='mail\.user\.tax'$/m);
    assert.doesNotMatch(programOf(preflightCommand(plan)), /^MS_GUEST_OF='/m);
    assert.match(programOf(verifyCommand(guest)), /^MS_FIREWALL='owner'$/m);
    assert.match(readRemoteScript("preflight"), /deploy that stack first/);
    assert.match(readRemoteScript("verify"), /if \[ "\$MS_FIREWALL" = yes \]; then/, "only yes checks the firewall");
  });

  test("the host reports its OS and SSH key (preflight), the chasquid installed and its DKIM mode (base)", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJDWId4c0K";
    assert.deepEqual(parsePreflight(`mailstack: waiting\nos=ubuntu-24.04\nhostkey=${key}\n`), { os: "ubuntu-24.04", hostKey: key });
    assert.throws(() => parsePreflight("mailstack: ERROR: Ubuntu 22.04 ships chasquid 1.8"), /no usable facts/);
    assert.throws(() => parsePreflight("os=debian-13\nhostkey=ssh-rsa AAAAB3\n"), /no usable facts/);
    assert.deepEqual(parseBaseReport("ubuntu-24.04", "mailstack: base: 0 change(s)\nchasquid=1.13-1ubuntu0.3\ndkim=hook\n"),
      { os: "ubuntu-24.04", chasquid: "1.13-1ubuntu0.3", dkim: "hook" });
    assert.throws(() => parseBaseReport("debian-13", "chasquid=1.15\ndkim=maybe\n"), /no chasquid version/);
    // Both scripts decide from the version installed: 1.14+ signs natively, older ones through the hook.
    assert.match(readRemoteScript("base"), /if version_ge "\$version" 1\.14; then\s+dkim=native/);
    assert.match(readRemoteScript("domain"), /if version_ge "\$version" 1\.14; then\n(?:(?!\nelse)[\s\S])*\n  dkim=native\nelse/);
  });

  test("preflight refuses Ubuntu 22.04 with what to do", () => {
    const preflight = readRemoteScript("preflight");
    assert.match(preflight, /lt 24\.04/);
    assert.match(preflight, /chasquid 1\.8: no catch-all aliases and no fix for SMTP smuggling \(CVE-2023-52354\)\. Reinstall/);
  });

  test("chasquid.conf: host name, monitoring on loopback only, no listen addresses", () => {
    assert.equal(renderChasquidConf({ hostname: "mail.user.tax" }),
      '# chasquid configuration. Managed by mailstack: edit the stack config, not this file.\nhostname: "mail.user.tax"\n');
    const withMonitoring = renderChasquidConf({ hostname: "mail.user.tax", monitoringPort: 1099 });
    assert.match(withMonitoring, /^monitoring_address: "127\.0\.0\.1:1099"$/m);
    assert.doesNotMatch(withMonitoring, /_address: "(systemd|:\d+)"/);
  });

  test("the chasquid step's bundle unpacks (with the real read_bundle) to the config; the domain's to its files and PKCS#8 DKIM key", () => {
    assert.deepEqual(unpack(chasquidStdin(plan)), { "chasquid.conf": renderChasquidConf({ hostname: "mail.user.tax" }) });
    const files = unpack(domainStdin(plan.domains[0], "users: {}\n", dkimPem));
    assert.deepEqual(Object.keys(files).sort(), ["aliases", "dkim.pem", "users"]);
    assert.equal(files["dkim.pem"], dkimPem);
    assert.match(dkimPem, /^-----BEGIN PRIVATE KEY-----/);
    assert.throws(() => domainStdin(plan.domains[0], "users: {}\n", ""), /no DKIM private key for user\.tax/);
  });

  test("the domain and tls bundles unpack to exactly their files", () => {
    assert.deepEqual(unpack(domainStdin(plan.domains[0], "users: {}\n", dkimPem)), { aliases: "i: me@gmail.test\n", users: "users: {}\n", "dkim.pem": dkimPem });
    assert.deepEqual(unpack(tlsStdin(plan)), { "deploy-hook": readRemoteScript("certbot-deploy-hook") });
    const withCa = unpack(tlsStdin({ ...plan, acme: { ...plan.acme, caBundle: "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n" } }));
    assert.deepEqual(Object.keys(withCa).sort(), ["acme-ca.pem", "deploy-hook"]);
    assert.throws(() => renderBundle({ "../etc/passwd": "x" }), /unsafe/);
    const evil = spawnSync("bash", ["-c", `source "${REMOTE_DIR}/lib.sh"; read_bundle /tmp`], { input: "FILE ../x eA==\n", encoding: "utf8" });
    assert.notEqual(evil.status, 0);
    assert.match(evil.stderr, /unsafe bundle name/);
  });

  test("a failure inside $(...) stops a step (inherit_errexit), as one outside would", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailstack-errexit-"));
    // install_file into a folder that does not exist fails inside the substitution.
    const script = `source "${REMOTE_DIR}/lib.sh"; wrote=$(install_file ${dir}/missing/file 0644 root:root <<<x); echo "went on: $wrote"`;
    const r = spawnSync("bash", ["-c", script], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.doesNotMatch(r.stdout, /went on/);
  });

  test("apt_get waits for a held lock, then gives up with what to do", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailstack-apt-"));
    // A stand-in apt-get that reports the lock held (the real message), counting its calls.
    const fake = join(dir, "apt-get");
    writeFileSync(fake, `#!/bin/sh\necho x >>"${dir}/calls"\necho "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 4242 (unattended-upgr)" >&2\nexit 100\n`, { mode: 0o755 });
    const r = spawnSync("bash", ["-c", `source "${REMOTE_DIR}/lib.sh"; sleep() { :; }; MS_APT_WAIT=2 apt_get install -y chasquid`], {
      encoding: "utf8", env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 30_000,
    });
    assert.notEqual(r.status, 0);
    assert.match(r.stdout, /another package job holds apt's lock/);
    assert.match(r.stderr, /apt stayed busy for 2 s: another package job holds its lock/);
    assert.ok(readFileSync(join(dir, "calls"), "utf8").split("\n").length > 2, "it retried");
  });

  test("install_file writes once: a second identical write changes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "mailstack-install-"));
    const owner = `${process.getuid!()}:${process.getgid!()}`;
    const write = (content: string) => execFileSync("bash", ["-c",
      `set -euo pipefail; source "${REMOTE_DIR}/lib.sh"; install_file "$1/f" 0640 "$2"`, "w", dir, owner], { input: content, encoding: "utf8" });
    assert.equal(write("a\n"), `${dir}/f\n`);
    assert.equal(write("a\n"), "");
    assert.equal((statSync(join(dir, "f")).mode & 0o777).toString(8), "640");
    assert.equal(write("b\n"), `${dir}/f\n`);
    assert.deepEqual(readdirSync(dir), ["f"], "no temporary file left behind");
  });

  test("verify gets the logins on stdin, one per line, and no secret in any command text", () => {
    assert.equal(verifyStdin({ "b@x.test": "pw2", "a@x.test": "pw1" }), "a@x.test pw1\nb@x.test pw2\n");
    const texts = [preflightCommand(plan), baseCommand(plan), tlsCommand(plan), chasquidCommand(plan),
      domainCommand(plan, plan.domains[0]), verifyCommand(plan)].join("\n");
    assert.ok(!texts.includes("BEGIN PRIVATE KEY") && !texts.includes(dkimPem.split("\n")[1]));
    assert.doesNotMatch(texts, /--password=\$|--password=['"]?[A-Za-z0-9]/);
  });
});
