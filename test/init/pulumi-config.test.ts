// The Pulumi CLI calls, against a fake `pulumi` that records argv and stdin: the secret travels on
// stdin only, never in argv; the stack is created or selected; the backend is read from whoami.
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, test } from "node:test";
import { backendUrl, passphraseNeeded, PulumiCli, PulumiError, selectStack, setSecret } from "../../init/pulumi-config";
import { fakePulumi, removeDir, tempDir } from "./fixtures";

const dir = tempDir("pulumi-config");
after(() => removeDir(dir));
const fake = fakePulumi(dir);
const cli: PulumiCli = { bin: fake.bin, dir, env: { PATH: process.env.PATH } };
const SECRET = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA secret text\n-----END OPENSSH PRIVATE KEY-----\n";

test("a secret goes on stdin, never in argv: `config set --secret <key> --stack <stack>`", async () => {
  const before = fake.calls().length;
  await setSecret(cli, "prod", "mailstack:sshPrivateKey", SECRET);
  await setSecret(cli, "prod", "mailstack:contabo.clientSecret", "contabo-secret", { path: true });
  const [plain, path] = fake.calls().slice(before);
  assert.deepEqual(plain!.argv, ["config", "set", "--secret", "mailstack:sshPrivateKey", "--stack", "prod"]);
  assert.equal(plain!.stdin, SECRET);
  assert.deepEqual(path!.argv, ["config", "set", "--secret", "--path", "mailstack:contabo.clientSecret", "--stack", "prod"]);
  assert.equal(path!.stdin, "contabo-secret");
  for (const c of fake.calls()) {
    assert.ok(!c.argv.some((a) => a.includes("secret text") || a.includes("contabo-secret")), c.argv.join(" "));
  }
});

test("the stack is created or selected with `stack select --create <stack>`, in the project folder", async () => {
  const before = fake.calls().length;
  await selectStack(cli, "staging");
  assert.deepEqual(fake.calls()[before]!.argv, ["stack", "select", "--create", "staging"]);
});

test("the backend comes from `pulumi whoami --json`", async () => {
  assert.equal(await backendUrl(cli), "file:///tmp/fake-state");
});

test("a failing call names the command and what pulumi said (never a secret: it was on stdin)", async () => {
  const failing = { ...cli, env: { ...cli.env, FAKE_PULUMI_FAIL: "--secret" } };
  await assert.rejects(setSecret(failing, "prod", "cloudflare:apiToken", "tok-123"), (e: Error) => {
    assert.ok(e instanceof PulumiError);
    assert.equal(e.message, `${fake.bin} config set --secret cloudflare:apiToken --stack prod failed: error: fake failure of config`);
    assert.ok(!e.message.includes("tok-123"));
    return true;
  });
  await assert.rejects(backendUrl({ ...cli, env: { ...cli.env, FAKE_PULUMI_FAIL: "whoami" } }), /failed: error: fake failure of whoami\n  log in first: pulumi login --local/);
});

test("a pulumi that is not there: install it, or --pulumi", async () => {
  await assert.rejects(backendUrl({ ...cli, bin: join(dir, "nope") }), new RegExp(`${dir}/nope was not found: install the Pulumi CLI .*or give --pulumi <file>`));
});

test("a passphrase is needed on a self-managed backend, unless the environment or another secrets provider has it", () => {
  assert.equal(passphraseNeeded("file:///home/me/.pulumi", {}), true);
  assert.equal(passphraseNeeded("s3://bucket", {}, "encryptionsalt: v1:x\n"), true);
  assert.equal(passphraseNeeded("file:///x", { PULUMI_CONFIG_PASSPHRASE: "" }), false);
  assert.equal(passphraseNeeded("file:///x", { PULUMI_CONFIG_PASSPHRASE_FILE: "/p" }), false);
  assert.equal(passphraseNeeded("https://api.pulumi.com", {}), false);
  assert.equal(passphraseNeeded("s3://bucket", {}, "secretsprovider: awskms://alias/x\nencryptedkey: abc\n"), false);
  assert.equal(passphraseNeeded("s3://bucket", {}, "secretsprovider: passphrase\n"), true);
});
