// init with the real Pulumi CLI that engine/build.sh built: a temp project and PULUMI_HOME, a
// file:// backend, the world's Cloudflare API in-process on 127.0.0.1 and an injected host key (no
// sshd here; world-checks.ts runs the real ssh-keyscan against the world's vps). The stack file
// validates, the secrets read back through `pulumi config get`, and none is in the file in clear.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { parse } from "yaml";
import { builtEngineBin } from "../../engine/engine";
import { runInit } from "../../init/run";
import { engineGate } from "../support/environment";
import { captured, fixedHostKey, removeDir, sshKeyPair, startCloudflare, tempDir, TOKEN } from "./fixtures";
import { assertInitStack, PulumiProject, pulumiProject } from "./real-pulumi";

describe("mailstack init with the real Pulumi CLI", { skip: engineGate() }, () => {
  const keys = tempDir("e2e-keys");
  const key = sshKeyPair(keys);
  const hostKey = sshKeyPair(keys, "host").publicKey;
  let api: Awaited<ReturnType<typeof startCloudflare>>;
  let p: PulumiProject;
  before(async () => {
    api = await startCloudflare();
    p = pulumiProject(join(builtEngineBin()!, "pulumi"));
  });
  after(async () => {
    await api?.close();
    p?.cleanup();
    removeDir(keys);
  });

  const init = async (args: string[], env: NodeJS.ProcessEnv = {}, expected = 0) => {
    const io = captured(p.dir, { env: { ...p.env, CLOUDFLARE_API_TOKEN: TOKEN, ...env }, fetchHostKey: fixedHostKey(hostKey) });
    const code = await runInit([
      "--domain", "example.test", "--ipv4", "10.78.0.10", "--forward-to", "me@gmail.test", "--ssh-key", key.privateKeyFile,
      "--cloudflare-base-url", api.baseUrl, "--pulumi", p.bin, "--non-interactive", "--yes", ...args,
    ], io);
    assert.equal(code, expected, io.errors());
    assert.ok(!(io.output() + io.errors()).includes(TOKEN));
    return io;
  };

  test("a new stack: file written, secrets set encrypted, the config loads", async () => {
    const io = await init([]);
    assert.match(io.output(), /pulumi preview --stack prod\n {2}pulumi up --stack prod/);
    const config = assertInitStack(p, "prod", { "mailstack:sshPrivateKey": key.privateKey, "cloudflare:apiToken": TOKEN });
    assert.equal(config["cloudflare:baseUrl"], api.baseUrl);
    assert.match(p.pulumi("stack", "ls"), /^prod\*?\s/m);
    const text = readFileSync(join(p.dir, "Pulumi.prod.yaml"), "utf8");
    assert.match(text, /^# mailstack stack prod: written by `npm run init`/);
    assert.match(text, /^encryptionsalt: v1:/m);
  });

  test("--force over an existing stack keeps its salt: the secrets set before and after still decrypt", async () => {
    const salt = (parse(readFileSync(join(p.dir, "Pulumi.prod.yaml"), "utf8")) as { encryptionsalt: string }).encryptionsalt;
    await init(["--force", "--users", "i,billing"]);
    const doc = parse(readFileSync(join(p.dir, "Pulumi.prod.yaml"), "utf8")) as { encryptionsalt: string; config: Record<string, { users?: string[] }[]> };
    assert.equal(doc.encryptionsalt, salt);
    assert.deepEqual(doc.config["mailstack:domains"]![0]!.users, ["i", "billing"]);
    assertInitStack(p, "prod", { "mailstack:sshPrivateKey": key.privateKey, "cloudflare:apiToken": TOKEN });
  });

  test("a wrong passphrase for the existing stack: pulumi refuses the secret, and the stack file is put back", async () => {
    const file = join(p.dir, "Pulumi.prod.yaml");
    const before = readFileSync(file, "utf8");
    const io = await init(["--force", "--users", "someone-else"], { PULUMI_CONFIG_PASSPHRASE: "not-the-passphrase" }, 1);
    assert.match(io.errors(), /config set --secret mailstack:sshPrivateKey --stack prod failed: .*passphrase[\s\S]*init put .*Pulumi\.prod\.yaml back as it was/);
    assert.equal(readFileSync(file, "utf8"), before);
    assertInitStack(p, "prod", { "mailstack:sshPrivateKey": key.privateKey, "cloudflare:apiToken": TOKEN });
  });

  test("Contabo: its secrets set inside mailstack:contabo with --path, beside the plain client id and user", async () => {
    await init(["--stack", "contabo", "--contabo-client-id", "INT-123", "--contabo-api-user", "me@gmail.test"],
      { CONTABO_CLIENT_SECRET: "contabo-client-secret-1", CONTABO_API_PASSWORD: "contabo-api-password-1" });
    assertInitStack(p, "contabo", {
      "mailstack:sshPrivateKey": key.privateKey, "cloudflare:apiToken": TOKEN,
      "mailstack:contabo.clientSecret": "contabo-client-secret-1", "mailstack:contabo.apiPassword": "contabo-api-password-1",
    });
    assert.deepEqual(JSON.parse(p.pulumi("config", "get", "mailstack:contabo", "--stack", "contabo")), {
      clientId: "INT-123", apiUser: "me@gmail.test", clientSecret: "contabo-client-secret-1", apiPassword: "contabo-api-password-1",
    });
  });
});
