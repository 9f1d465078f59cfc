// The token check and the zone search against the world's Cloudflare API, in-process on 127.0.0.1.
import assert from "node:assert/strict";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { checkCloudflare, CloudflareError, findZone, verifyToken, zoneCandidates } from "../../init/cloudflare";
import { startCloudflare, TOKEN } from "./fixtures";

let api: Awaited<ReturnType<typeof startCloudflare>>;
before(async () => { api = await startCloudflare(["example.test", "gmail.test", "sub.example.test"]); });
after(() => api.close());
const good = () => ({ baseUrl: api.baseUrl, token: TOKEN });

test("zone candidates: the name, then each parent down to two labels", () => {
  assert.deepEqual(zoneCandidates("mail.shop.example.com"), ["mail.shop.example.com", "shop.example.com", "example.com"]);
  assert.deepEqual(zoneCandidates("example.com"), ["example.com"]);
});

test("a good token: the domain's own zone, and the host name in it", async () => {
  const zones = await checkCloudflare(good(), ["example.test", "mail.example.test"]);
  assert.deepEqual([...zones], [["example.test", "example.test"], ["mail.example.test", "example.test"]]);
});

test("a subdomain without a zone of its own lives in its parent's; the longest visible suffix wins", async () => {
  assert.equal(await findZone(good(), "shop.example.test"), "example.test");
  assert.equal(await findZone(good(), "mail.shop.example.test"), "example.test");
  assert.equal(await findZone(good(), "mail.sub.example.test"), "sub.example.test");
  const zones = await checkCloudflare(good(), ["shop.example.test", "mx.gmail.test"]);
  assert.deepEqual([...zones], [["shop.example.test", "example.test"], ["mx.gmail.test", "gmail.test"]]);
});

test("a wrong token is refused with what the API said and the token to make", async () => {
  await assert.rejects(verifyToken({ ...good(), token: `${TOKEN}-wrong` }, "example.test"), (e: Error) => {
    assert.ok(e instanceof CloudflareError);
    assert.equal(e.message, "the Cloudflare token was refused (HTTP 403: Authentication error [10000]): make a token with Zone.DNS edit for example.test");
    return true;
  });
  await assert.rejects(checkCloudflare({ ...good(), token: "" }, ["example.test"]), /the Cloudflare token was refused \(HTTP 403/);
});

test("an unknown zone: the name, and what to do", async () => {
  await assert.rejects(checkCloudflare(good(), ["nowhere.test", "mail.nowhere.test"]), (e: Error) => {
    assert.ok(e instanceof CloudflareError);
    assert.equal(e.message, "no zone nowhere.test (or parent) visible to this token: add the domain to Cloudflare, or give the token access to its zone");
    return true;
  });
  // The host name is looked up too: a host outside every visible zone is refused the same way.
  await assert.rejects(checkCloudflare(good(), ["example.test", "mx.elsewhere.test"]), /^CloudflareError: no zone mx\.elsewhere\.test \(or parent\)/);
});

test("a token Cloudflare reports inactive is refused too; the status is named", async () => {
  const fake: typeof fetch = async () => new Response(JSON.stringify({ success: true, errors: [], result: { status: "expired" } }), { status: 200 });
  await assert.rejects(verifyToken({ ...good(), fetch: fake }, "user.tax"), /refused \(the token is expired\): make a token with Zone\.DNS edit for user\.tax/);
});

test("an API that does not answer, or answers without JSON, names the URL and --cloudflare-base-url", async () => {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  await assert.rejects(verifyToken({ baseUrl: `http://127.0.0.1:${port}/client/v4`, token: TOKEN }, "x.test"),
    new RegExp(`could not reach the Cloudflare API at http://127\\.0\\.0\\.1:${port}/client/v4 \\(ECONNREFUSED\\)`));
  const html: typeof fetch = async () => new Response("<html>", { status: 404 });
  await assert.rejects(verifyToken({ ...good(), fetch: html }, "x.test"), /answered GET \/user\/tokens\/verify with HTTP 404 and no JSON: is --cloudflare-base-url right\?/);
});
