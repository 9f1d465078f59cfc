// The world's Contabo API (token endpoint + /v1/dns/ptrs) and the real PTR step against it: the
// command text the program renders, run by /bin/sh with the secrets on stdin, as the command plugin does.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { createContaboApi, memoryPtrs, TOKEN_PATH } from "../../world/contabo-api";
import { ptrContaboCommand, ptrContaboStdin } from "../../plans/host/steps";
import type { ContaboConfig, HostConfig } from "../../stacks/schema";

const CREDS = { clientId: "INT-1000001", clientSecret: "client-secret-not-real", apiUser: "me@user.tax", apiPassword: "api-password-not-real" };
const IPV4 = "203.0.113.25";
const IPV6 = "2001:db8:25::25";
const host: HostConfig = { hostname: "mail.user.tax", zone: "user.tax", ipv4: IPV4, ipv6: IPV6, sshUser: "root", sshPort: 22, firewall: true, owner: true };

describe("the world's Contabo API and the PTR step", () => {
  const backend = memoryPtrs({ [IPV4]: "vmi123456.contaboserver.net" });
  const server = createContaboApi({ credentials: CREDS, addresses: [IPV4, IPV6], backend });
  let base = "";
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  const contabo = (): ContaboConfig => ({ clientId: CREDS.clientId, apiUser: CREDS.apiUser, authUrl: `${base}${TOKEN_PATH}`, apiUrl: base });
  /** The step as the engine runs it: its text by /bin/sh, the secrets on stdin (async: the API answers from this process). */
  const runStep = (h = host, secrets = CREDS, config = contabo()) => new Promise<{ text: string; code: number | null; out: string; stderr: string }>((resolve) => {
    const text = ptrContaboCommand(h, config);
    const child = spawn("/bin/sh", ["-c", text]);
    let out = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => { out += b.toString(); });
    child.stderr.on("data", (b: Buffer) => { out += b.toString(); stderr += b.toString(); });
    child.on("close", (code) => resolve({ text, code, out, stderr }));
    child.stdin.end(ptrContaboStdin(secrets));
  });
  const token = async (over: Record<string, string> = {}) => {
    const form = new URLSearchParams({ client_id: CREDS.clientId, client_secret: CREDS.clientSecret, username: CREDS.apiUser, password: CREDS.apiPassword, grant_type: "password", ...over });
    const r = await fetch(`${base}${TOKEN_PATH}`, { method: "POST", body: form });
    return { status: r.status, json: await r.json() as Record<string, string> };
  };

  test("token endpoint: Keycloak's answers for a good login, a bad client and a bad password", async () => {
    const ok = await token();
    assert.equal(ok.status, 200);
    assert.equal(ok.json.token_type, "Bearer");
    assert.deepEqual(await token({ client_secret: "x" }), { status: 401, json: { error: "unauthorized_client", error_description: "Invalid client or Invalid client credentials" } });
    assert.deepEqual(await token({ password: "x" }), { status: 401, json: { error: "invalid_grant", error_description: "Invalid user credentials" } });
  });

  test("ptrs: a token and a UUID4 x-request-id on every call; IPv4 PTRs are changed, never created; other addresses are not the account's", async () => {
    const { json } = await token();
    const call = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
      const r = await fetch(`${base}${path}`, { method, headers: { ...headers, "Content-Type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: r.status, json: r.status === 204 ? null : await r.json() };
    };
    const auth = { Authorization: `Bearer ${json.access_token}`, "x-request-id": "04e0f898-37b4-48bc-a794-1a57abe6aa31" };
    assert.equal((await call("GET", `/v1/dns/ptrs/${IPV4}`, { "x-request-id": auth["x-request-id"] })).status, 401);
    assert.equal((await call("GET", `/v1/dns/ptrs/${IPV4}`, { Authorization: auth.Authorization })).status, 400);
    assert.deepEqual((await call("GET", `/v1/dns/ptrs/${IPV4}`, auth)).json.data, [{ tenantId: "DE", customerId: "12345", ip: IPV4, ptr: "vmi123456.contaboserver.net", ttl: 86400 }]);
    assert.deepEqual(await call("POST", "/v1/dns/ptrs", auth, { ip: IPV4, ptr: "x.user.tax" }), { status: 400, json: { statusCode: 400, message: "Bad Request: only IPv6 PTR records can be created" } });
    assert.equal((await call("GET", "/v1/dns/ptrs/198.51.100.1", auth)).status, 404);
    assert.equal((await call("GET", `/v1/dns/ptrs/${IPV6}`, auth)).status, 404);
    assert.equal((await call("GET", "/v1/dns/ptrs", auth)).json._pagination.totalElements, 1);
  });

  test("the step sets the IPv4 PTR (PUT) and creates the IPv6 one (POST), reads both back, and changes nothing the next time", async () => {
    const first = await runStep();
    assert.equal(first.code, 0, first.out);
    assert.match(first.out, new RegExp(`ok   PTR ${IPV4} → mail.user.tax \\(set, was vmi123456.contaboserver.net\\)`));
    assert.match(first.out, new RegExp(`ok   PTR ${IPV6} → mail.user.tax \\(set, was none\\)`));
    assert.deepEqual(Object.fromEntries(backend.ptrs), { [IPV4]: "mail.user.tax", [IPV6]: "mail.user.tax" });
    const again = await runStep();
    assert.equal(again.code, 0, again.out);
    assert.equal(again.out.match(/\(already\)/g)?.length, 2);
    // Secrets go by stdin only: never in the command's text, never in its output.
    for (const secret of [CREDS.clientSecret, CREDS.apiPassword]) {
      assert.ok(!first.text.includes(secret) && !first.out.includes(secret));
    }
  });

  test("wrong credentials stop the step with the config keys to check; an address of another account names hosts[].ipv4", async () => {
    const badClient = await runStep(host, { ...CREDS, clientSecret: "wrong-client-secret" });
    assert.equal(badClient.code, 1);
    assert.match(badClient.out, /mailstack:contabo\.clientId and mailstack:contabo\.clientSecret/);
    const badPassword = await runStep(host, { ...CREDS, apiPassword: "wrong-password" });
    assert.equal(badPassword.code, 1);
    assert.match(badPassword.out, /mailstack:contabo\.apiUser and mailstack:contabo\.apiPassword/);
    assert.ok(!`${badClient.out}${badPassword.out}`.includes("wrong-"));
    const foreign = await runStep({ ...host, ipv4: "198.51.100.1", ipv6: undefined });
    assert.equal(foreign.code, 1);
    assert.match(foreign.out, /not an address of the account .*mailstack:hosts\[\]\.ipv4/);
  });

  test("an API that does not answer stops the step with where it tried", async () => {
    const closed = createContaboApi({ credentials: CREDS, addresses: [], backend: memoryPtrs() });
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const r = await runStep(host, CREDS, { ...contabo(), authUrl: `http://127.0.0.1:${port}/token` });
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`Contabo's login at http://127\\.0\\.0\\.1:${port}/token did not answer \\(ECONNREFUSED\\)`));
  });
});
