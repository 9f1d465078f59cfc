// The whole init, in-process: the world's Cloudflare API on 127.0.0.1, a fake `pulumi` that records
// argv and stdin, an injected host key, scripted prompts. What it writes, what it refuses, and
// that no secret reaches argv, the stack file or the output.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { sshFingerprint } from "../../init/host-key";
import { runInit } from "../../init/run";
import { configProblems } from "../../init/stack-file";
import {
  captured, fakePulumi, fixedHostKey, projectDir, removeDir, scriptedPrompter, sshKeyPair, startCloudflare, tempDir, TOKEN,
} from "./fixtures";

describe("mailstack init", () => {
  const root = tempDir("run");
  const key = sshKeyPair(root);
  const hostKey = sshKeyPair(root, "host").publicKey;
  let api: Awaited<ReturnType<typeof startCloudflare>>;
  let n = 0;
  before(async () => { api = await startCloudflare(); });
  after(async () => {
    await api.close();
    removeDir(root);
  });

  /** A fresh project folder with its own fake pulumi. */
  function project() {
    const dir = projectDir(join(root, `p${n++}`));
    mkdirSync(join(dir, "bin"), { recursive: true });
    return { dir, fake: fakePulumi(join(dir, "bin")), stackFile: join(dir, "Pulumi.prod.yaml") };
  }
  const env = (extra: Record<string, string> = {}) => ({ PATH: process.env.PATH, CLOUDFLARE_API_TOKEN: TOKEN, PULUMI_CONFIG_PASSPHRASE: "pw", ...extra });
  const flags = (p: { fake: { bin: string } }, ...more: string[]) => [
    "--domain", "example.test", "--ipv4", "10.78.0.10", "--ipv6", "fd00:78::10", "--forward-to", "me@gmail.test",
    "--ssh-key", key.privateKeyFile, "--cloudflare-base-url", api.baseUrl, "--pulumi", p.fake.bin, ...more,
  ];
  const noSecretIn = (text: string) => {
    assert.ok(!text.includes(TOKEN), "the token shows");
    assert.ok(!text.includes(key.privateKey.split("\n")[1]!), "the private key shows");
  };

  test("non-interactive: the stack file, the stack, the secrets on stdin, then the next command", async () => {
    const p = project();
    const looked: [string, number][] = [];
    const io = captured(p.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey, looked) });
    assert.equal(await runInit([...flags(p), "--non-interactive", "--yes"], io), 0, io.errors());
    assert.deepEqual(looked, [["10.78.0.10", 22]]);

    const text = readFileSync(p.stackFile, "utf8");
    const doc = parse(text) as { config: Record<string, unknown>; encryptionsalt: string };
    assert.equal(doc.encryptionsalt, "v1:fakesalt", "the salt `stack select --create` wrote is kept");
    assert.deepEqual(doc.config["mailstack:hosts"], [{ hostname: "mail.example.test", ipv4: "10.78.0.10", ipv6: "fd00:78::10", sshHostKey: hostKey }]);
    assert.deepEqual(doc.config["mailstack:domains"], [{ name: "example.test", users: ["me"], aliases: { "*": "me@gmail.test" } }]);
    assert.deepEqual(doc.config["mailstack:acme"], { email: "me@example.test" });
    assert.equal(doc.config["cloudflare:baseUrl"], api.baseUrl);
    assert.deepEqual(configProblems(doc.config, { sshPrivateKey: key.privateKey, cloudflareToken: TOKEN }), []);
    noSecretIn(text);

    const calls = p.fake.calls();
    assert.deepEqual(calls.map((c) => c.argv), [
      ["whoami", "--json"],
      ["stack", "select", "--create", "prod"],
      ["config", "set", "--secret", "mailstack:sshPrivateKey", "--stack", "prod"],
      ["config", "set", "--secret", "cloudflare:apiToken", "--stack", "prod"],
    ]);
    assert.equal(calls[2]!.stdin, key.privateKey);
    assert.equal(calls[3]!.stdin, TOKEN);
    for (const c of calls) noSecretIn(c.argv.join(" "));
    noSecretIn(io.output() + io.errors());
    assert.ok(io.output().includes(sshFingerprint(hostKey)), "the fingerprint is shown");
    assert.match(io.output(), /zone of example\.test: example\.test; of mail\.example\.test: example\.test/);
    assert.match(io.output(), /PTR\) of 10\.78\.0\.10 and fd00:78::10 to mail\.example\.test/);
    assert.match(io.output(), /Next:\n {2}pulumi preview --stack prod\n {2}pulumi up --stack prod\n*$/);
  });

  test("non-interactive with nothing given: every missing flag and secret at once, and nothing run but whoami", async () => {
    const p = project();
    const io = captured(p.dir, { env: { PATH: process.env.PATH } });
    assert.equal(await runInit(["--non-interactive", "--pulumi", p.fake.bin], io), 2);
    assert.equal(io.errors(), [
      "init: nothing was written:",
      "  - missing: --domain, --ipv4, --forward-to, --ssh-key, CLOUDFLARE_API_TOKEN in the environment, "
        + "PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) in the environment: this backend encrypts secrets with a passphrase",
      "  - --yes or --host-fingerprint SHA256:... is needed to accept the VPS's host key without a prompt",
      "",
    ].join("\n"));
    assert.deepEqual(p.fake.calls().map((c) => c.argv[0]), ["whoami"]);
    assert.equal(existsSync(p.stackFile), false);
  });

  test("bad values: each names its flag, all at once", async () => {
    const p = project();
    const io = captured(p.dir, { env: env() });
    const code = await runInit([...flags(p), "--ipv4", "203.0.113.300", "--ssh-port", "0", "--users", "Bad User", "--non-interactive", "--yes"], io);
    assert.equal(code, 2);
    assert.match(io.errors(), /--ipv4 203\.0\.113\.300 is not an IPv4 address\n {2}- --users bad user has bad user, not a local part.*\n {2}- --ssh-port 0 is not a port/);
  });

  test("a wrong Cloudflare token: refused, the zone to make a token for, nothing written", async () => {
    const p = project();
    const io = captured(p.dir, { env: env({ CLOUDFLARE_API_TOKEN: "wrong-token" }), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--non-interactive", "--yes"], io), 1);
    assert.equal(io.errors(), "init: the Cloudflare token was refused (HTTP 403: Authentication error [10000]): make a token with Zone.DNS edit for example.test\n");
    assert.equal(existsSync(p.stackFile), false);
    assert.deepEqual(p.fake.calls().map((c) => c.argv[0]), ["whoami"]);
  });

  test("a domain in no zone the token sees: named, nothing written", async () => {
    const p = project();
    const io = captured(p.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--domain", "nowhere.test", "--non-interactive", "--yes"], io), 1);
    assert.equal(io.errors(), "init: no zone nowhere.test (or parent) visible to this token: add the domain to Cloudflare, or give the token access to its zone\n");
    assert.equal(existsSync(p.stackFile), false);
  });

  test("a subdomain in its parent's zone gets that zone written", async () => {
    const p = project();
    const io = captured(p.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--domain", "shop.example.test", "--non-interactive", "--yes"], io), 0, io.errors());
    const config = (parse(readFileSync(p.stackFile, "utf8")) as { config: Record<string, { zone?: string }[]> }).config;
    assert.equal(config["mailstack:domains"]![0]!.zone, "example.test");
    assert.equal(config["mailstack:hosts"]![0]!.zone, undefined);
  });

  test("an existing stack file is kept unless --force; --force keeps its encryption salt", async () => {
    const p = project();
    writeFileSync(p.stackFile, "encryptionsalt: v1:the-old-salt\nconfig:\n  mailstack:dnsTtl: 60\n");
    const refused = captured(p.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--non-interactive", "--yes"], refused), 2);
    assert.match(refused.errors(), /Pulumi\.prod\.yaml exists: --force overwrites it \(keeping its secrets provider\), or choose another --stack/);
    assert.match(readFileSync(p.stackFile, "utf8"), /the-old-salt[\s\S]*dnsTtl/);

    const forced = captured(p.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--non-interactive", "--yes", "--force"], forced), 0, forced.errors());
    const doc = parse(readFileSync(p.stackFile, "utf8")) as { encryptionsalt: string; config: Record<string, unknown> };
    assert.equal(doc.encryptionsalt, "v1:the-old-salt");
    assert.equal(doc.config["mailstack:dnsTtl"], undefined);
  });

  test("--host-fingerprint: the matching key is taken without a prompt, another one stops init", async () => {
    const ok = project();
    const io = captured(ok.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(ok), "--non-interactive", "--host-fingerprint", sshFingerprint(hostKey)], io), 0, io.errors());

    const other = project();
    const wrong = sshFingerprint(key.publicKey);
    const io2 = captured(other.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(other), "--non-interactive", "--host-fingerprint", wrong], io2), 1);
    assert.match(io2.errors(), new RegExp(`the VPS answered with ${sshFingerprint(hostKey).replace(/[+/]/g, "\\$&")}, not --host-fingerprint`));
    assert.equal(existsSync(other.stackFile), false);
  });

  test("a config the stack validator refuses (mail forwarded to its own domain) is not written; the flag is named", async () => {
    const p = project();
    const io = captured(p.dir, { env: env(), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--forward-to", "me@example.test", "--non-interactive", "--yes"], io), 2);
    assert.match(io.errors(), /the stack would not load, so nothing was written:\n {2}- --forward-to \(mailstack:domains\[0\]\.aliases\.\*\): mail to \*@example\.test loops back/);
    assert.equal(existsSync(p.stackFile), false);
    assert.deepEqual(p.fake.calls().map((c) => c.argv[0]), ["whoami"]);
  });

  test("Contabo: id and user in the file, its secrets from the environment with --path", async () => {
    const p = project();
    const io = captured(p.dir, {
      env: env({ CONTABO_CLIENT_SECRET: "contabo-client-secret", CONTABO_API_PASSWORD: "contabo-api-password" }), fetchHostKey: fixedHostKey(hostKey),
    });
    const code = await runInit([...flags(p), "--contabo-client-id", "INT-123", "--contabo-api-user", "me@gmail.test", "--non-interactive", "--yes"], io);
    assert.equal(code, 0, io.errors());
    const text = readFileSync(p.stackFile, "utf8");
    assert.deepEqual((parse(text) as { config: Record<string, unknown> }).config["mailstack:contabo"], { clientId: "INT-123", apiUser: "me@gmail.test" });
    const sets = p.fake.calls().filter((c) => c.argv[0] === "config");
    assert.deepEqual(sets.slice(2).map((c) => [c.argv, c.stdin]), [
      [["config", "set", "--secret", "--path", "mailstack:contabo.clientSecret", "--stack", "prod"], "contabo-client-secret"],
      [["config", "set", "--secret", "--path", "mailstack:contabo.apiPassword", "--stack", "prod"], "contabo-api-password"],
    ]);
    assert.ok(!text.includes("contabo-client-secret") && !io.output().includes("contabo-api-password"));
  });

  test("interactive: asks what is missing with its default, re-asks a bad answer, hides secrets, confirms the host key", async () => {
    const p = project();
    const prompter = scriptedPrompter([
      "Example.Test", // domain
      "", // host name: the default
      "10.78.0.300", "10.78.0.10", // a bad IPv4, then a good one
      "", // no IPv6
      "me+lists@gmail.test", // forward to
      "", "", // users and ACME address: the defaults
      key.privateKeyFile,
      TOKEN, // Cloudflare token (hidden)
      "passphrase-1", "passphrase-1", // a new stack's passphrase, twice (hidden)
      "yes", // the host key
    ]);
    const io = captured(p.dir, { env: { PATH: process.env.PATH }, prompter, fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit(["--cloudflare-base-url", api.baseUrl, "--pulumi", p.fake.bin], io), 0, io.errors());
    assert.deepEqual(prompter.asked.map((q) => q.replace(/ \(.*?\)/g, "")), [
      "Domain you send from",
      "Mail server's host name [mail.example.test]",
      "VPS's public IPv4", "VPS's public IPv4",
      "VPS's public IPv6",
      "Forward the domain's mail to",
      "Users who send [me]",
      "ACME account address [me@example.test]",
      prompter.asked[8]!.startsWith("SSH private key file that logs in to the VPS [") ? prompter.asked[8]! : "SSH private key file that logs in to the VPS",
      "Cloudflare API token",
      "Passphrase for the stack's secrets", "The passphrase again",
      "Is this the fingerprint the console shows?",
    ]);
    assert.match(io.errors(), /--ipv4 10\.78\.0\.300 is not an IPv4 address/);
    const config = (parse(readFileSync(p.stackFile, "utf8")) as { config: Record<string, unknown> }).config;
    assert.deepEqual(config["mailstack:domains"], [{ name: "example.test", users: ["me"], aliases: { "*": "me+lists@gmail.test" } }]);
    // The passphrase reaches pulumi through its environment, for the calls that encrypt.
    assert.deepEqual(p.fake.calls().filter((c) => c.argv[0] !== "whoami").map((c) => c.passphrase), ["passphrase-1", "passphrase-1", "passphrase-1"]);
    noSecretIn(io.output() + io.errors());
  });

  test("interactive: a host key the person does not confirm stops init before anything is written", async () => {
    const p = project();
    const prompter = scriptedPrompter(["", "", "", "n"]); // host name, users, ACME address: defaults; then no
    const io = captured(p.dir, { env: env(), prompter, fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit(flags(p), io), 1);
    assert.equal(io.errors(), "init: the host key was not accepted; nothing was written\n");
    assert.equal(existsSync(p.stackFile), false);
  });

  test("a secret pulumi fails to set (a wrong passphrase, say): said so, and the stack file is as it was", async () => {
    const p = project();
    const io = captured(p.dir, { env: env({ FAKE_PULUMI_FAIL: "cloudflare:apiToken" }), fetchHostKey: fixedHostKey(hostKey) });
    assert.equal(await runInit([...flags(p), "--non-interactive", "--yes"], io), 1);
    assert.match(io.errors(), /config set --secret cloudflare:apiToken --stack prod failed: error: fake failure of config\n {2}init put .*Pulumi\.prod\.yaml back as it was before writing it\n$/);
    assert.equal(readFileSync(p.stackFile, "utf8"), "encryptionsalt: v1:fakesalt\n", "as `stack select --create` left it");

    const old = "encryptionsalt: v1:old\nconfig:\n  mailstack:dnsTtl: 60\n";
    writeFileSync(p.stackFile, old);
    assert.equal(await runInit([...flags(p), "--non-interactive", "--yes", "--force"], io), 1);
    assert.equal(readFileSync(p.stackFile, "utf8"), old);
  });

  test("relative paths are read from where the person ran init; the project folder is where npm starts it", async () => {
    const p = project();
    const here = join(root, "somewhere-else");
    mkdirSync(join(here, "keys"), { recursive: true });
    writeFileSync(join(here, "keys", "id"), key.privateKey);
    const io = captured(here, { projectDir: p.dir, env: env(), fetchHostKey: fixedHostKey(hostKey) });
    const args = flags(p).map((a) => (a === key.privateKeyFile ? "keys/id" : a));
    assert.equal(await runInit([...args, "--non-interactive", "--yes"], io), 0, io.errors());
    assert.ok(existsSync(p.stackFile));
    assert.equal(p.fake.calls().find((c) => c.argv.includes("mailstack:sshPrivateKey"))!.stdin, key.privateKey);
    assert.match(io.output(), new RegExp(`Next:\n {2}cd ${p.dir}\n {2}pulumi preview --stack prod`));
  });

  test("a folder without Pulumi.yaml is refused before anything runs", async () => {
    const dir = join(root, "empty");
    mkdirSync(dir);
    const io = captured(dir, { env: env() });
    assert.equal(await runInit(["--non-interactive"], io), 2);
    assert.equal(io.errors(), `init: --dir ${dir} has no Pulumi.yaml: run init in the mailstack folder, or give --dir\n`);
  });
});
