// mailstack:contabo and mailstack:reverseDns: how the PTR of a host is set or checked.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validateStackConfig } from "../../stacks/validate";
import { CONTABO_API_URL, CONTABO_AUTH_URL } from "../../stacks/schema";
import { ConfigObject, problemsOf, stackFileConfig, toEngineConfig } from "../support/stack-config";

const SECRET_KEYS = { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["mailstack:sshPrivateKey", "cloudflare:apiToken", "mailstack:contabo"]) };
const contabo = { clientId: "INT-12345678", apiUser: "me@user.tax", clientSecret: "cs-not-real", apiPassword: "pw-not-real" };
const withKeys = (extra: ConfigObject): ConfigObject => ({ ...stackFileConfig("Pulumi.prod.yaml"), ...extra });
const keysOf = (config: ConfigObject, env: Record<string, string> = SECRET_KEYS) => problemsOf(config, env).map((p) => p.key);

describe("reverse DNS config", () => {
  test("contabo: Contabo's endpoints by default, and no secret in the typed config", () => {
    const c = validateStackConfig(toEngineConfig(withKeys({ "mailstack:contabo": contabo })), SECRET_KEYS);
    assert.deepEqual(c.contabo, { clientId: "INT-12345678", apiUser: "me@user.tax", authUrl: CONTABO_AUTH_URL, apiUrl: CONTABO_API_URL });
    assert.ok(!JSON.stringify(c).includes("not-real"));
  });

  test("contabo: every missing field at once, each with the command that sets it", () => {
    const problems = problemsOf(withKeys({ "mailstack:contabo": { clientId: "INT-1" } }), SECRET_KEYS);
    assert.deepEqual(problems.map((p) => p.key), ["mailstack:contabo.apiUser", "mailstack:contabo.clientSecret", "mailstack:contabo.apiPassword"]);
    assert.match(problems[1].fix, /pulumi config set --secret --path 'mailstack:contabo\.clientSecret'/);
    assert.match(problems[0].fix, /my\.contabo\.com\/api\/details/);
  });

  test("contabo: a password kept in plain text is refused, and never echoed", () => {
    const problems = problemsOf(withKeys({ "mailstack:contabo": contabo }), { PULUMI_CONFIG_SECRET_KEYS: "[]" });
    assert.deepEqual(problems.map((p) => [p.key, p.message]), [
      ["mailstack:contabo.clientSecret", "is stored in plain text in the stack file"],
      ["mailstack:contabo.apiPassword", "is stored in plain text in the stack file"],
    ]);
    assert.ok(!JSON.stringify(problems).includes("not-real"));
  });

  test("contabo: unknown fields, a bad user and clear-text URLs to public hosts are refused", () => {
    assert.deepEqual(keysOf(withKeys({ "mailstack:contabo": { ...contabo, apiUser: "me", token: "x", apiUrl: "http://api.contabo.com" } })),
      ["mailstack:contabo.token", "mailstack:contabo.apiUser", "mailstack:contabo.apiUrl"]);
    // A private test endpoint (the local world's) may be plain http; the trailing slash goes.
    const local = validateStackConfig(toEngineConfig(withKeys({ "mailstack:contabo": { ...contabo, apiUrl: "http://10.78.0.1:8788/", authUrl: "http://10.78.0.1:8788/auth/realms/contabo/protocol/openid-connect/token" } })), SECRET_KEYS);
    assert.equal(local.contabo?.apiUrl, "http://10.78.0.1:8788");
    assert.deepEqual(keysOf(withKeys({ "mailstack:contabo": "yes" })), ["mailstack:contabo"]);
  });

  test("reverseDns: stop by default; warn and a resolver by choice; anything else refused", () => {
    assert.deepEqual(validateStackConfig(toEngineConfig(withKeys({}))).reverseDns, { check: "stop", resolver: undefined });
    assert.deepEqual(validateStackConfig(toEngineConfig(withKeys({ "mailstack:reverseDns": { check: "warn", resolver: "2001:db8::53" } }))).reverseDns,
      { check: "warn", resolver: "2001:db8::53" });
    assert.deepEqual(keysOf(withKeys({ "mailstack:reverseDns": { check: "ignore", resolver: "dns.google", x: 1 } })),
      ["mailstack:reverseDns.x", "mailstack:reverseDns.check", "mailstack:reverseDns.resolver"]);
  });
});
