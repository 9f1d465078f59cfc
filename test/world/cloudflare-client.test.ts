// The runner's Cloudflare client (what the provider does with a DnsRecord) against the world's
// Cloudflare API over an in-memory DNS backend: no root, no world needed.
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { CloudflareClient } from "../../runner/cloudflare-client";
import { createCloudflareApi, memoryBackend, memoryStore, zoneId } from "../../world/cloudflare-api";

const TOKEN = "Abcdefghij_klmnopqrstuvwxyz-0123456789AB";

describe("runner's Cloudflare client", () => {
  const backend = memoryBackend(["example.test"]);
  const server = createCloudflareApi({ token: TOKEN, backend, store: memoryStore() });
  let base = "";
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test("a refused token stops with the config key and the fix", async () => {
    await assert.rejects(new CloudflareClient(base, "Wrong_token_wrong_token_wrong_token_wrong0").zoneId("example.test"),
      /cloudflare:apiToken was refused by the Cloudflare API \(10000 .*pulumi config set --secret cloudflare:apiToken/);
  });

  test("zone by name; create, update in place (same id), adopt an identical record, delete (twice is fine)", async () => {
    const cf = new CloudflareClient(base, TOKEN);
    const zid = await cf.zoneId("example.test");
    assert.equal(zid, zoneId("example.test"));
    await assert.rejects(cf.zoneId("nowhere.test"), /has 0 zones of that name/);
    const record = { zoneId: zid, name: "mail.example.test", type: "A", content: "10.78.0.10", ttl: 300 };
    const id = await cf.createRecord(record);
    await cf.updateRecord(id, { ...record, content: "10.78.0.11" });
    assert.deepEqual(backend.records.filter((r) => r.name === "mail.example.test").map((r) => r.content), ["10.78.0.11"]);
    assert.equal(await cf.findRecord({ ...record, content: "10.78.0.11" }), id);
    await cf.deleteRecord(zid, id);
    await cf.deleteRecord(zid, id);
    assert.deepEqual(backend.records.filter((r) => r.name === "mail.example.test"), []);
  });

  test("content Cloudflare refuses comes back as the API's error, not a retry", async () => {
    const cf = new CloudflareClient(base, TOKEN);
    await assert.rejects(cf.createRecord({ zoneId: zoneId("example.test"), name: "example.test", type: "MX", content: "mail.example.test", ttl: 300 }),
      /400 1004 .*\(9100 priority is a required field\.\)/);
  });
});
