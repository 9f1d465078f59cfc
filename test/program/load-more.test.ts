// stacks/load.ts: the program's only config entry, from the Pulumi runtime's config (set here as the
// engine would set it, without the mock engine). What the engine holds as a secret decides whether
// Contabo's passwords are accepted; the environment stands in for the Cloudflare token.
import assert from "node:assert/strict";
import { afterEach, test } from "node:test";
import * as pulumi from "@pulumi/pulumi";
import { loadStackConfig } from "../../stacks/load";
import { StackConfigError } from "../../stacks/validate";
import { FAKE_SSH_KEY, stackFileConfig, toEngineConfig } from "../support/stack-config";

const contabo = { clientId: "INT-12345678", apiUser: "me@user.tax", clientSecret: "cs-not-real", apiPassword: "pw-not-real" };
const value = <T>(o: pulumi.Output<T>) => (o as unknown as { promise(): Promise<T> }).promise();
const setConfig = (config: Record<string, unknown>, secretKeys: string[]) => pulumi.runtime.setAllConfig(toEngineConfig(config), secretKeys);
const savedToken = process.env.CLOUDFLARE_API_TOKEN;
afterEach(() => {
  if (savedToken === undefined) delete process.env.CLOUDFLARE_API_TOKEN;
  else process.env.CLOUDFLARE_API_TOKEN = savedToken;
});

test("the SSH key comes back as a secret Output; no Contabo secrets without mailstack:contabo", async () => {
  setConfig(stackFileConfig("Pulumi.prod.yaml"), ["mailstack:sshPrivateKey", "cloudflare:apiToken"]);
  const loaded = loadStackConfig();
  assert.equal(loaded.config.hosts[0]!.hostname, "mail.user.tax");
  assert.equal(await value(loaded.sshPrivateKey), FAKE_SSH_KEY);
  assert.equal(await pulumi.isSecret(loaded.sshPrivateKey), true);
  assert.equal(loaded.contaboSecrets, undefined);
  assert.equal(loaded.config.contabo, undefined);
});

test("Contabo's passwords held as secrets by the engine are accepted, and handed on as a secret Output", async () => {
  setConfig({ ...stackFileConfig("Pulumi.prod.yaml"), "mailstack:contabo": contabo }, ["mailstack:sshPrivateKey", "mailstack:contabo"]);
  const loaded = loadStackConfig();
  assert.deepEqual(loaded.config.contabo, {
    clientId: "INT-12345678", apiUser: "me@user.tax", authUrl: "https://auth.contabo.com/auth/realms/contabo/protocol/openid-connect/token",
    apiUrl: "https://api.contabo.com",
  });
  assert.ok(loaded.contaboSecrets);
  assert.deepEqual(await value(loaded.contaboSecrets), contabo);
  assert.equal(await pulumi.isSecret(loaded.contaboSecrets), true);
});

test("the same passwords in plain text are refused, naming both fields", () => {
  setConfig({ ...stackFileConfig("Pulumi.prod.yaml"), "mailstack:contabo": contabo }, ["mailstack:sshPrivateKey"]);
  assert.throws(() => loadStackConfig(), (e: unknown) => {
    assert.ok(e instanceof StackConfigError);
    assert.deepEqual(e.problems.map((p) => [p.key, p.message]), [
      ["mailstack:contabo.clientSecret", "is stored in plain text in the stack file"],
      ["mailstack:contabo.apiPassword", "is stored in plain text in the stack file"],
    ]);
    return true;
  });
});

test("CLOUDFLARE_API_TOKEN in the environment stands in for cloudflare:apiToken", () => {
  const config = stackFileConfig("Pulumi.prod.yaml");
  delete config["cloudflare:apiToken"];
  setConfig(config, ["mailstack:sshPrivateKey"]);
  delete process.env.CLOUDFLARE_API_TOKEN;
  assert.throws(() => loadStackConfig(), /cloudflare:apiToken: is missing/);
  process.env.CLOUDFLARE_API_TOKEN = "from-the-environment";
  assert.equal(loadStackConfig().config.domains[0]!.name, "user.tax");
});
