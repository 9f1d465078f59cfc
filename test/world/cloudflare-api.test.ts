// The world's Cloudflare API against an in-memory DNS backend (no root, no world needed).
import assert from "node:assert/strict";
import * as fs from "node:fs";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  createCloudflareApi, DnsBackend, fileStore, memoryBackend, memoryStore, normaliseTxt, SideStore, zoneId,
} from "../../world/cloudflare-api";
import { txtStrings } from "../../world/dns-records";

const TOKEN = "Abcdefghij_klmnopqrstuvwxyz-0123456789AB";
const ZONE = "example.test";
const ZID = zoneId(ZONE);
const HEX32 = /^[0-9a-f]{32}$/;

interface Reply {
  status: number;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes vary by route
  contentType: string | null;
}

async function start(backend: DnsBackend, store: SideStore = memoryStore()) {
  const server = createCloudflareApi({ token: TOKEN, backend, store });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/client/v4`;
  const call = async (method: string, p: string, body?: unknown, token: string | null = TOKEN): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (token !== null) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const r = await fetch(`${base}${p}`, { method, headers, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
    return { status: r.status, json: await r.json(), contentType: r.headers.get("content-type") };
  };
  const close = () => new Promise<void>((r) => server.close(() => r()));
  return { call, close };
}

const recs = `/zones/${ZID}/dns_records`;
type Api = Awaited<ReturnType<typeof start>>;

function assertError(r: Reply, status: number, code: number, message?: string | RegExp) {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.success, false);
  assert.equal(r.json.result, null);
  assert.deepEqual(r.json.messages, []);
  assert.equal(r.json.errors.length, 1);
  assert.equal(r.json.errors[0].code, code);
  if (typeof message === "string") assert.equal(r.json.errors[0].message, message);
  else if (message) assert.match(r.json.errors[0].message, message);
}

function assertValidation(r: Reply, chainCode: number, message: string | RegExp) {
  assertError(r, 400, 1004, "DNS Validation Error");
  const chain = r.json.errors[0].error_chain;
  assert.equal(chain.length, 1);
  assert.equal(chain[0].code, chainCode);
  if (typeof message === "string") assert.equal(chain[0].message, message);
  else assert.match(chain[0].message, message);
}

describe("world Cloudflare API", () => {
  let backend: ReturnType<typeof memoryBackend>;
  let api: Api;
  before(async () => {
    backend = memoryBackend([ZONE, "gmail.test", "sub.example.test"]);
    api = await start(backend);
  });
  after(() => api.close());

  const create = (body: object) => api.call("POST", recs, body);

  test("zones?name= matches exactly one zone, with the envelope and result_info", async () => {
    const r = await api.call("GET", `/zones?name=${ZONE}`);
    assert.equal(r.status, 200);
    assert.equal(r.contentType, "application/json");
    assert.equal(r.json.success, true);
    assert.deepEqual(r.json.errors, []);
    assert.deepEqual(r.json.messages, []);
    assert.equal(r.json.result.length, 1);
    const z = r.json.result[0];
    assert.equal(z.name, ZONE);
    assert.match(z.id, HEX32);
    assert.equal(z.id, ZID);
    assert.equal(z.status, "active");
    assert.match(z.account.id, HEX32);
    assert.deepEqual(r.json.result_info, { page: 1, per_page: 20, count: 1, total_count: 1, total_pages: 1 });
    // Exact, not a prefix or suffix match: sub.example.test is its own zone.
    for (const other of ["example", "test", "xample.test", "nope.test"]) {
      const o = await api.call("GET", `/zones?name=${other}`);
      assert.deepEqual(o.json.result, [], other);
      assert.equal(o.json.result_info.total_count, 0);
    }
    const all = await api.call("GET", "/zones");
    assert.deepEqual(all.json.result.map((x: { name: string }) => x.name), ["example.test", "gmail.test", "sub.example.test"]);
  });

  test("zones/{id} returns the zone; an unknown id is a 400 7003, not a 5xx", async () => {
    const r = await api.call("GET", `/zones/${ZID}`);
    assert.equal(r.status, 200);
    assert.equal(r.json.result.name, ZONE);
    assert.equal(r.json.result.id, ZID);
    assertError(await api.call("GET", `/zones/${"0".repeat(32)}`), 400, 7003);
    assertError(await api.call("GET", `/zones/${"0".repeat(32)}/dns_records`), 400, 7003);
  });

  test("a missing or wrong token gets 403 code 10000", async () => {
    assertError(await api.call("GET", `/zones?name=${ZONE}`, undefined, null), 403, 10000, "Authentication error");
    assertError(await api.call("GET", `/zones?name=${ZONE}`, undefined, `${TOKEN}x`), 403, 10000, "Authentication error");
    assertError(await api.call("POST", recs, { type: "A", name: "x", content: "10.0.0.1" }, "nope"), 403, 10000);
    assert.equal(backend.records.length, 0, "a refused request changes nothing");
    const v = await api.call("GET", "/user/tokens/verify");
    assert.equal(v.status, 200);
    assert.equal(v.json.result.status, "active");
  });

  test("create, get, list with filters and paging, update with PUT, delete", async () => {
    const c = await create({ type: "A", name: "Mail.Example.Test.", content: "10.78.0.10", ttl: 300, comment: "mailstack: host" });
    assert.equal(c.status, 200, JSON.stringify(c.json));
    const rec = c.json.result;
    assert.match(rec.id, HEX32);
    assert.equal(rec.name, "mail.example.test");
    assert.equal(rec.type, "A");
    assert.equal(rec.content, "10.78.0.10");
    assert.equal(rec.ttl, 300);
    assert.equal(rec.proxied, false);
    assert.equal(rec.proxiable, true);
    assert.equal(rec.comment, "mailstack: host");
    assert.deepEqual(rec.tags, []);
    assert.deepEqual(rec.settings, {});
    assert.deepEqual(rec.meta, {});
    assert.equal(rec.priority, undefined);
    assert.ok(!Number.isNaN(Date.parse(rec.created_on)) && rec.modified_on === rec.created_on);
    // In DNS at once.
    assert.deepEqual(backend.records.filter((r) => r.name === "mail.example.test"), [
      { zone: ZONE, name: "mail.example.test", type: "A", content: "10.78.0.10", ttl: 300 },
    ]);

    const g = await api.call("GET", `${recs}/${rec.id}`);
    assert.equal(g.status, 200);
    assert.deepEqual(g.json.result, rec);

    const mx = (await create({ type: "MX", name: "@", content: "Mail.Example.Test.", priority: 10 })).json.result;
    assert.equal(mx.name, ZONE);
    assert.equal(mx.content, "mail.example.test");
    assert.equal(mx.priority, 10);
    assert.equal(mx.ttl, 1, "ttl defaults to 1 (automatic)");
    assert.equal(mx.proxiable, false);
    assert.equal(mx.comment, null);

    const byName = await api.call("GET", `${recs}?name.exact=mail.example.test&type=A`);
    assert.deepEqual(byName.json.result.map((r: { id: string }) => r.id), [rec.id]);
    assert.deepEqual(byName.json.result_info, { page: 1, per_page: 100, count: 1, total_count: 1, total_pages: 1 });
    assert.deepEqual((await api.call("GET", `${recs}?name.exact=mail.example.test&type=MX`)).json.result, []);
    assert.deepEqual((await api.call("GET", `${recs}?type=MX`)).json.result.map((r: { id: string }) => r.id), [mx.id]);

    const p1 = await api.call("GET", `${recs}?per_page=1&page=1`);
    const p2 = await api.call("GET", `${recs}?per_page=1&page=2`);
    const p3 = await api.call("GET", `${recs}?per_page=1&page=3`);
    assert.equal(p1.json.result.length, 1);
    assert.equal(p2.json.result.length, 1);
    assert.notEqual(p1.json.result[0].id, p2.json.result[0].id);
    assert.deepEqual(p3.json.result, [], "a page past the end is empty, so a client paging until empty stops");
    assert.deepEqual(p3.json.result_info, { page: 3, per_page: 1, count: 0, total_count: 2, total_pages: 2 });

    const u = await api.call("PUT", `${recs}/${rec.id}`, { type: "A", name: "mail.example.test", content: "10.78.0.11", ttl: 600 });
    assert.equal(u.status, 200, JSON.stringify(u.json));
    assert.equal(u.json.result.id, rec.id, "an update keeps the id");
    assert.equal(u.json.result.content, "10.78.0.11");
    assert.equal(u.json.result.ttl, 600);
    assert.equal(u.json.result.comment, null, "PUT replaces the whole record: the comment went");
    assert.equal(u.json.result.created_on, rec.created_on);
    assert.ok(u.json.result.modified_on >= rec.modified_on);
    assert.deepEqual(backend.records.filter((r) => r.name === "mail.example.test").map((r) => [r.content, r.ttl]), [["10.78.0.11", 600]]);
    assert.equal((await api.call("GET", `${recs}/${rec.id}`)).json.result.content, "10.78.0.11");

    const d = await api.call("DELETE", `${recs}/${rec.id}`);
    assert.equal(d.status, 200);
    assert.deepEqual(d.json.result, { id: rec.id });
    assert.equal(backend.records.filter((r) => r.name === "mail.example.test").length, 0, "gone from DNS at once");
    assertError(await api.call("GET", `${recs}/${rec.id}`), 404, 81044, "Record does not exist.");
    assertError(await api.call("DELETE", `${recs}/${rec.id}`), 404, 81044);
    assertError(await api.call("PUT", `${recs}/${rec.id}`, { type: "A", name: "x", content: "10.0.0.1" }), 404, 81044);
    assert.equal((await api.call("DELETE", `${recs}/${mx.id}`)).status, 200);
    assert.deepEqual(backend.records, []);
  });

  test("PATCH of a comment leaves DNS alone and keeps the rest", async () => {
    const r = (await create({ type: "TXT", name: "p.example.test", content: "v=spf1 -all", ttl: 300 })).json.result;
    const before = [...backend.records];
    const p = await api.call("PATCH", `${recs}/${r.id}`, { comment: "now commented" });
    assert.equal(p.status, 200);
    assert.equal(p.json.result.comment, "now commented");
    assert.equal(p.json.result.content, "v=spf1 -all");
    assert.equal(p.json.result.ttl, 300);
    assert.ok(p.json.result.comment_modified_on);
    assert.deepEqual(backend.records, before);
    await api.call("DELETE", `${recs}/${r.id}`);
  });

  test("TTL outside 1 or 60..86400 is a 400 1004/9021", async () => {
    for (const ttl of [0, 2, 30, 59, 86401, 300.5, -1, "300"]) {
      const r = await create({ type: "A", name: "t.example.test", content: "10.0.0.1", ttl });
      assertValidation(r, 9021, "TTL must be between 60 and 86400 seconds, or 1 for Automatic.");
    }
    for (const ttl of [1, 60, 86400]) {
      const r = await create({ type: "A", name: "t.example.test", content: "10.0.0.1", ttl });
      assert.equal(r.status, 200, `ttl ${ttl}`);
      assert.equal(r.json.result.ttl, ttl);
      await api.call("DELETE", `${recs}/${r.json.result.id}`);
    }
    assert.deepEqual(backend.records, []);
  });

  test("MX without priority is a 400 1004/9100", async () => {
    assertValidation(await create({ type: "MX", name: ZONE, content: "mail.example.test" }), 9100, "priority is a required field.");
    assertValidation(await create({ type: "MX", name: ZONE, content: "mail.example.test", priority: null }), 9100, "priority is a required field.");
    assertValidation(await create({ type: "MX", name: ZONE, content: "mail.example.test", priority: 70000 }), 9100, /priority/);
  });

  test("a name outside the zone is a 400 9000; @ and single labels are in the zone", async () => {
    assertError(await create({ type: "A", name: "mail.other.test", content: "10.0.0.1" }), 400, 9000, /mail\.other\.test is not in the zone example\.test/);
    assertError(await create({ type: "A", name: "notexample.test", content: "10.0.0.1" }), 400, 9000);
    assertError(await create({ type: "A", name: "a..example.test", content: "10.0.0.1" }), 400, 9000);
    const r = await create({ type: "A", name: "www", content: "10.0.0.1" });
    assert.equal(r.json.result.name, "www.example.test");
    await api.call("DELETE", `${recs}/${r.json.result.id}`);
  });

  test("bad IPv4 is 9005, bad IPv6 is 9006, proxied MX is 9004", async () => {
    for (const c of ["10.0.0", "10.0.0.256", "::1", "mail.example.test"]) {
      assertError(await create({ type: "A", name: "a.example.test", content: c }), 400, 9005, "Content for A record must be a valid IPv4 address.");
    }
    for (const c of ["2001:db8::g", "10.0.0.1", "fe80::1%eth0", "1::2::3"]) {
      assertError(await create({ type: "AAAA", name: "a.example.test", content: c }), 400, 9006, "Content for AAAA record must be a valid IPv6 address.");
    }
    assertError(await create({ type: "MX", name: ZONE, content: "mail.example.test", priority: 10, proxied: true }), 400, 9004);
  });

  test("an identical record is a 400 81058; a CNAME beside an A is 81053", async () => {
    const a = (await create({ type: "A", name: "dup.example.test", content: "10.0.0.1", ttl: 300 })).json.result;
    assertError(await create({ type: "A", name: "DUP.example.test.", content: "10.0.0.1", ttl: 600 }), 400, 81058, "An identical record already exists.");
    const b = (await create({ type: "A", name: "dup.example.test", content: "10.0.0.2" })).json.result;
    // Updating one into the other is identical too.
    assertError(await api.call("PUT", `${recs}/${b.id}`, { type: "A", name: "dup.example.test", content: "10.0.0.1" }), 400, 81058);
    assertError(await create({ type: "CNAME", name: "dup.example.test", content: "x.example.test" }), 400, 81053);
    // Quoted and unquoted TXT of the same string are the same DNS record.
    const t = (await create({ type: "TXT", name: "dup.example.test", content: "hello" })).json.result;
    assertError(await create({ type: "TXT", name: "dup.example.test", content: '"hello"' }), 400, 81058);
    for (const r of [a, b, t]) await api.call("DELETE", `${recs}/${r.id}`);
    assert.deepEqual(backend.records, []);
  });

  test("TXT: stored as sent; strings over 255 bytes split into quoted 255-byte strings", async () => {
    const cases: [string, string][] = [
      ["v=spf1 -all", "v=spf1 -all"],
      ['"v=DMARC1; p=reject"', '"v=DMARC1; p=reject"'],
      ['"abc" "def"', '"abc" "def"'],
      ["k".repeat(300), `"${"k".repeat(255)}" "${"k".repeat(45)}"`],
      [`"${"q".repeat(256)}"`, `"${"q".repeat(255)}" "q"`],
      [`"${"a".repeat(255)}" "${"b".repeat(100)}"`, `"${"a".repeat(255)}" "${"b".repeat(100)}"`],
    ];
    for (const [sent, kept] of cases) {
      const r = await create({ type: "TXT", name: "txt.example.test", content: sent, ttl: 300 });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(r.json.result.content, kept, sent.slice(0, 20));
      assert.equal((await api.call("GET", `${recs}/${r.json.result.id}`)).json.result.content, kept);
      // DNS holds character-strings of at most 255 bytes.
      const dns = backend.records.find((x) => x.name === "txt.example.test");
      assert.ok(dns);
      assert.ok(txtStrings(dns.content).every((s) => s.length <= 255));
      await api.call("DELETE", `${recs}/${r.json.result.id}`);
    }
    // Byte length, not characters: 200 two-byte characters are 400 bytes.
    assert.equal(txtStrings(normaliseTxt("é".repeat(200))).length, 2);
    assert.deepEqual(backend.records, []);
  });

  test("AAAA content is canonical; host names lower case without the trailing dot", async () => {
    for (const [sent, kept] of [["fe80::0:0:1", "fe80::1"], ["2001:DB8:78:0:0:0:0:10", "2001:db8:78::10"], ["2001:0db8:0000:0000:0001:0000:0000:0001", "2001:db8::1:0:0:1"]]) {
      const r = await create({ type: "AAAA", name: "v6.example.test", content: sent });
      assert.equal(r.json.result.content, kept);
      await api.call("DELETE", `${recs}/${r.json.result.id}`);
    }
    const c = await create({ type: "CNAME", name: "alias.example.test", content: "Target.Example.Test." });
    assert.equal(c.json.result.content, "target.example.test");
    await api.call("DELETE", `${recs}/${c.json.result.id}`);
  });

  test("bad input never gets a 5xx", async () => {
    const bodies: unknown[] = [
      "not json", "[]", "null", "1", {}, { type: "A" }, { type: "A", name: "x" }, { type: "BOGUS", name: "x", content: "y" },
      { type: 5, name: "x", content: "y" }, { type: "A", name: 5, content: "10.0.0.1" }, { type: "A", name: "x", content: 5 },
      { type: "A", name: "x", content: "10.0.0.1", proxied: "yes" }, { type: "A", name: "x", content: "10.0.0.1", tags: "a" },
      { type: "A", name: "x", content: "10.0.0.1", settings: [] }, { type: "SRV", name: "_s._tcp", content: "1 2", priority: 1 },
      { type: "CAA", name: "x", content: "issue letsencrypt.org" }, { type: "CNAME", name: "x", content: "bad host!" },
      { type: "TXT", name: "x", content: "" }, { type: "MX", name: "x", content: "a.test", priority: "10" },
      { type: "CAA", name: "x", data: { flags: 0, tag: "issue", value: "x" } }, { type: "A", name: "é.example.test", content: "10.0.0.1" },
    ];
    for (const b of bodies) {
      const r = await api.call("POST", recs, b);
      assert.equal(r.status, 400, `${JSON.stringify(b)} → ${r.status} ${JSON.stringify(r.json)}`);
      assert.equal(r.json.success, false);
    }
    assertError(await api.call("GET", "/nothing"), 400, 7000);
    assertError(await api.call("GET", `/zones/${ZID}/firewall`), 400, 7000);
    assert.equal((await api.call("DELETE", `/zones/${ZID}`)).status, 405);
    assert.deepEqual(backend.records, []);
  });
});

describe("world Cloudflare API: records made elsewhere, restarts, backend failures", () => {
  test("a record put in DNS by other means shows with a stable id and can be updated and deleted", async () => {
    const backend = memoryBackend([ZONE]);
    await backend.addRecord({ zone: ZONE, name: "seed.example.test", type: "TXT", content: "seeded", ttl: 300 });
    const api = await start(backend);
    try {
      const l = await api.call("GET", recs);
      assert.equal(l.json.result.length, 1);
      const r = l.json.result[0];
      assert.match(r.id, HEX32);
      assert.equal(r.content, '"seeded"', "shown as DNS holds it");
      assert.equal(r.comment, null);
      assert.equal((await api.call("GET", recs)).json.result[0].id, r.id, "the derived id is stable");
      const u = await api.call("PUT", `${recs}/${r.id}`, { type: "TXT", name: "seed.example.test", content: "changed", ttl: 300 });
      assert.equal(u.json.result.id, r.id);
      assert.equal((await api.call("GET", `${recs}/${r.id}`)).json.result.content, "changed");
      assert.equal((await api.call("DELETE", `${recs}/${r.id}`)).status, 200);
      assert.deepEqual(backend.records, []);
    } finally {
      await api.close();
    }
  });

  test("ids and Cloudflare's fields survive a restart of the API (file side store)", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "msw-cf-"));
    const file = path.join(dir, "cloudflare", "records.json");
    const backend = memoryBackend([ZONE]);
    try {
      const first = await start(backend, fileStore(file));
      const made = (await first.call("POST", recs, { type: "TXT", name: "x.example.test", content: "hello", ttl: 1, comment: "kept", tags: ["a:b"] })).json.result;
      const zone1 = (await first.call("GET", `/zones/${ZID}`)).json.result;
      await first.close();
      assert.deepEqual(fs.readdirSync(path.dirname(file)), ["records.json"], "no tmp file left");

      const second = await start(backend, fileStore(file));
      try {
        const again = await second.call("GET", `${recs}/${made.id}`);
        assert.equal(again.status, 200);
        assert.deepEqual(again.json.result, made);
        assert.deepEqual((await second.call("GET", `/zones/${ZID}`)).json.result, zone1);
      } finally {
        await second.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a side entry whose record left DNS is forgotten: 404, not a ghost", async () => {
    const backend = memoryBackend([ZONE]);
    const api = await start(backend);
    try {
      const made = (await api.call("POST", recs, { type: "A", name: "g.example.test", content: "10.0.0.1" })).json.result;
      await backend.removeRecord(backend.records[0]!);
      assertError(await api.call("GET", `${recs}/${made.id}`), 404, 81044);
      assert.deepEqual((await api.call("GET", recs)).json.result, []);
    } finally {
      await api.close();
    }
  });

  test("only a failing DNS backend gives a 5xx, and nothing is left half made", async () => {
    const inner = memoryBackend([ZONE]);
    const store = memoryStore();
    const broken: DnsBackend = { ...inner, addRecord: async () => { throw new Error("knotc zone-begin: busy"); } };
    const api = await start(broken, store);
    try {
      const r = await api.call("POST", recs, { type: "A", name: "b.example.test", content: "10.0.0.1" });
      assert.equal(r.status, 500);
      assert.match(r.json.errors[0].message, /DNS backend failed: knotc zone-begin: busy/);
      assert.deepEqual(store.load().records, {}, "the side entry was rolled back");
      assert.deepEqual((await api.call("GET", recs)).json.result, []);
    } finally {
      await api.close();
    }
  });
});

describe("world Cloudflare API: SRV as the Cloudflare provider sends it (data)", () => {
  let backend: ReturnType<typeof memoryBackend>;
  let api: Api;
  before(async () => {
    backend = memoryBackend([ZONE]);
    api = await start(backend);
  });
  after(() => api.close());

  // What terraform-provider-cloudflare (under @pulumi/cloudflare 6.22.1) POSTs for mailstack's SRV
  // record: `data` with the four fields, the priority at the top level too, no content; numbers are
  // float64 there, which JSON writes as integers.
  const providerBody = (port: number, extra: object = {}) => ({
    name: `${port === 465 ? "_submissions" : "_submission"}._tcp.example.test`, type: "SRV", comment: "mailstack: mail client settings (RFC 6186)",
    priority: 0, data: { priority: 0, weight: 1, port, target: "mail.example.test" }, proxied: false, ttl: 300, ...extra,
  });

  test("created from data: Cloudflare's content and priority, and the data back; DNS holds the whole SRV rdata", async () => {
    const c = await api.call("POST", recs, providerBody(465));
    assert.equal(c.status, 200, JSON.stringify(c.json));
    const rec = c.json.result;
    assert.equal(rec.type, "SRV");
    assert.equal(rec.name, "_submissions._tcp.example.test");
    assert.equal(rec.content, "1 465 mail.example.test");
    assert.equal(rec.priority, 0);
    assert.deepEqual(rec.data, { priority: 0, weight: 1, port: 465, target: "mail.example.test" });
    assert.equal(rec.proxiable, false);
    assert.equal(rec.ttl, 300);
    assert.deepEqual(backend.records, [{ zone: ZONE, name: "_submissions._tcp.example.test", type: "SRV", content: "1 465 mail.example.test", priority: 0, ttl: 300 }]);
    // What the provider reads back (refresh) equals what it sent: no drift in data or priority.
    const g = (await api.call("GET", `${recs}/${rec.id}`)).json.result;
    assert.deepEqual(g, rec);
    assert.deepEqual((await api.call("GET", `${recs}?type=SRV`)).json.result.map((r: { data: unknown }) => r.data), [rec.data]);
    // The same record again is refused, however it is written.
    assertError(await api.call("POST", recs, providerBody(465)), 400, 81058, "An identical record already exists.");
    assertError(await api.call("POST", recs, { type: "SRV", name: "_submissions._tcp.example.test", content: "1 465 Mail.Example.Test.", priority: 0 }), 400, 81058);
    await api.call("DELETE", `${recs}/${rec.id}`);
    assert.deepEqual(backend.records, []);
  });

  test("data wins over content and the top-level priority (Cloudflare ignores them beside it); the target loses its dot and case", async () => {
    const r = (await api.call("POST", recs, providerBody(587, { content: "9 9 elsewhere.test", priority: 7, data: { priority: 5, weight: 0, port: 587, target: "Mail.Example.Test." } }))).json.result;
    assert.deepEqual([r.content, r.priority, r.data], ["0 587 mail.example.test", 5, { priority: 5, weight: 0, port: 587, target: "mail.example.test" }]);
    await api.call("DELETE", `${recs}/${r.id}`);
  });

  test("an update with new data moves the DNS record; a PATCH of the comment keeps it", async () => {
    const r = (await api.call("POST", recs, providerBody(587))).json.result;
    const u = await api.call("PUT", `${recs}/${r.id}`, providerBody(587, { data: { priority: 0, weight: 1, port: 587, target: "mx.example.test" } }));
    assert.equal(u.status, 200, JSON.stringify(u.json));
    assert.equal(u.json.result.id, r.id);
    assert.deepEqual(backend.records.map((x) => x.content), ["1 587 mx.example.test"]);
    const p = await api.call("PATCH", `${recs}/${r.id}`, { comment: "moved" });
    assert.deepEqual([p.json.result.comment, p.json.result.data.target, p.json.result.priority], ["moved", "mx.example.test", 0]);
    assert.deepEqual(backend.records.map((x) => x.content), ["1 587 mx.example.test"]);
    await api.call("DELETE", `${recs}/${r.id}`);
  });

  test("an SRV record made as content (the older way) also comes back with data", async () => {
    const r = (await api.call("POST", recs, { type: "SRV", name: "_imaps._tcp.example.test", content: "1 993 mail.example.test", priority: 10 })).json.result;
    assert.deepEqual(r.data, { priority: 10, weight: 1, port: 993, target: "mail.example.test" });
    await api.call("DELETE", `${recs}/${r.id}`);
  });

  test("bad data is a 400 naming the field, never a 5xx; other types' data stays refused", async () => {
    const cases: [object, RegExp][] = [
      [{ weight: 1, port: 465, target: "mail.example.test" }, /^priority is a required data field\.$/],
      [{ priority: 0, port: 465, target: "mail.example.test" }, /^weight is a required data field\.$/],
      [{ priority: 0, weight: 1, target: "mail.example.test" }, /^port is a required data field\.$/],
      [{ priority: 0, weight: 1, port: 465 }, /^target is a required data field\.$/],
      [{ priority: 0, weight: 1, port: 70000, target: "mail.example.test" }, /^data\.port must be an integer between 0 and 65535\.$/],
      [{ priority: 0.5, weight: 1, port: 465, target: "mail.example.test" }, /^data\.priority must be an integer/],
      [{ priority: 0, weight: 1, port: 465, target: "bad host!" }, /must be "weight port target"/],
    ];
    for (const [data, message] of cases) {
      assertValidation(await api.call("POST", recs, providerBody(465, { data })), (message.source.startsWith("must be") ? 1004 : 9100), message);
    }
    assertValidation(await api.call("POST", recs, providerBody(465, { data: [1, 2] })), 1004, "data must be an object.");
    assertValidation(await api.call("POST", recs, { type: "CAA", name: "x", data: { flags: 0, tag: "issue", value: "x" } }), 1004,
      "The local world takes CAA records as content, not data.");
    assert.deepEqual(backend.records, []);
  });
});
