// The failures the world's Cloudflare API plays on purpose for the fault suite (ApiFault).
import assert from "node:assert/strict";
import { AddressInfo, connect } from "node:net";
import { after, before, describe, test } from "node:test";
import { ApiFault, createCloudflareApi, memoryBackend, memoryStore, zoneId } from "../../world/cloudflare-api";

const TOKEN = "Abcdefghij_klmnopqrstuvwxyz-0123456789AB";
const RECORDS = `/zones/${zoneId("example.test")}/dns_records`;

describe("world Cloudflare API faults", () => {
  let fault: ApiFault | undefined;
  let base = "";
  const backend = memoryBackend(["example.test"]);
  const server = createCloudflareApi({ token: TOKEN, backend, store: memoryStore(), fault: () => fault });
  const call = (method: string, p: string, body?: unknown) => fetch(`${base}${p}`, {
    method, headers: { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });

  test("unavailable: every request answers 503 with an HTML page, and nothing is made", async () => {
    fault = { kind: "unavailable" };
    const r = await call("POST", RECORDS, { type: "A", name: "a.example.test", content: "192.0.2.1", ttl: 300 });
    assert.equal(r.status, 503);
    assert.match(r.headers.get("content-type") ?? "", /text\/html/);
    fault = undefined;
    const list = await (await call("GET", RECORDS)).json() as { result: unknown[] };
    assert.deepEqual(list.result, []);
  });

  test("hang: no answer, and the connection is closed after closeAfterMs", async () => {
    fault = { kind: "hang", closeAfterMs: 300 };
    const t0 = Date.now();
    await assert.rejects(call("GET", RECORDS), /fetch failed/);
    assert.ok(Date.now() - t0 >= 290, `closed after ${Date.now() - t0} ms`);
    fault = undefined;
  });

  test("refuse: the named record fails with quota exceeded; others are made", async () => {
    fault = { kind: "refuse", name: "no.example.test" };
    const refused = await call("POST", RECORDS, { type: "TXT", name: "no.example.test.", content: "\"x\"", ttl: 300 });
    assert.equal(refused.status, 400);
    assert.deepEqual((await refused.json() as { errors: unknown[] }).errors, [{ code: 81045, message: "Record quota exceeded." }]);
    const made = await call("POST", RECORDS, { type: "TXT", name: "yes.example.test", content: "\"x\"", ttl: 300 });
    assert.equal(made.status, 200);
    const id = (await made.json() as { result: { id: string } }).result.id;
    fault = { kind: "refuse", name: "yes.example.test" };
    assert.equal((await call("PATCH", `${RECORDS}/${id}`, { name: "yes.example.test", content: "\"y\"" })).status, 400);
    assert.equal((await call("DELETE", `${RECORDS}/${id}`)).status, 200, "removal is never refused");
    fault = undefined;
  });

  test("slow: the record is made at once, the answer comes delayMs later", async () => {
    fault = { kind: "slow", delayMs: 400 };
    const t0 = Date.now();
    let answered = false;
    const pending = call("POST", RECORDS, { type: "TXT", name: "slow.example.test", content: "\"x\"", ttl: 300 }).then((r) => { answered = true; return r; });
    while (!(await backend.listRecords("example.test")).some((r) => r.name.startsWith("slow."))) await new Promise((r) => setTimeout(r, 10));
    assert.equal(answered, false, "made before the answer");
    assert.equal((await pending).status, 200);
    assert.ok(Date.now() - t0 >= 390);
    fault = undefined;
  });

  test("a client killed while its request waited its turn does not hold up the requests after it", async () => {
    // A backend as slow as knot under load: requests queue behind each other.
    const slow = memoryBackend(["example.test"]);
    const add = slow.addRecord.bind(slow);
    slow.addRecord = async (r) => { await new Promise((res) => setTimeout(res, 300)); return add(r); };
    const api = createCloudflareApi({ token: TOKEN, backend: slow, store: memoryStore() });
    await new Promise<void>((r) => api.listen(0, "127.0.0.1", r));
    const port = (api.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}/client/v4${RECORDS}`;
    const headers = { Authorization: `Bearer ${TOKEN}`, "Content-Type": "application/json" };
    try {
      const first = fetch(url, { method: "POST", headers, body: JSON.stringify({ type: "TXT", name: "first.example.test", content: "\"x\"", ttl: 300 }) });
      await new Promise((r) => setTimeout(r, 50));
      // A whole request queued behind the first, its client gone before its turn.
      const socket = connect(port, "127.0.0.1");
      await new Promise<void>((r) => socket.on("connect", () => r()));
      const body = JSON.stringify({ type: "TXT", name: "gone.example.test", content: "\"x\"", ttl: 300 });
      socket.write(`POST /client/v4${RECORDS} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
      await new Promise((r) => setTimeout(r, 50));
      socket.destroy();
      assert.equal((await first).status, 200);
      const after = await Promise.race([fetch(url, { headers }).then((r) => r.status), new Promise((r) => setTimeout(() => r("no answer in 3 s"), 3000))]);
      assert.equal(after, 200);
    } finally {
      api.closeAllConnections();
      await new Promise<void>((r) => api.close(() => r()));
    }
  });
});
