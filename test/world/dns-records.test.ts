import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ownerOf, parseZoneLine, rdataOf, reverseName, reverseZone, setArgs, txtRdata, txtStrings, unsetArgs, zoneFile,
} from "../../world/dns-records";
import { initialZones, knotConf } from "../../world/knot";

test("TXT: quoted strings stay separate strings", () => {
  assert.equal(txtRdata('"abc" "def"'), '"abc" "def"');
  assert.deepEqual(txtStrings(txtRdata('"abc" "def"')), ["abc", "def"]);
});

test("TXT: unquoted content is one logical string, quoted and escaped", () => {
  assert.equal(txtRdata("v=DMARC1; p=reject"), '"v=DMARC1; p=reject"');
  assert.equal(txtRdata('say "hi" \\o/'), '"say \\"hi\\" \\\\o/"');
  assert.equal(txtRdata(""), '""');
});

test("TXT: long unquoted content is cut into 255-byte strings", () => {
  const long = "k".repeat(300);
  const parts = txtStrings(txtRdata(long));
  assert.deepEqual(parts.map((p) => p.length), [255, 45]);
  assert.equal(parts.join(""), long);
});

test("MX: target gets a trailing dot, priority is separate", () => {
  const r = { zone: "example.test", name: "example.test", type: "MX", content: "mx1.example.test", ttl: 300, priority: 10 };
  assert.equal(rdataOf(r), "10 mx1.example.test.");
  assert.deepEqual(setArgs(r), ["zone-set", "example.test", "example.test.", "300", "MX", "10 mx1.example.test."]);
  assert.deepEqual(unsetArgs(r), ["zone-unset", "example.test", "example.test.", "MX", "10 mx1.example.test."]);
  assert.throws(() => rdataOf({ ...r, priority: undefined }), /priority/);
});

test("ttl 1 (Cloudflare automatic) becomes 300", () => {
  assert.equal(setArgs({ zone: "example.test", name: "a.example.test", type: "A", content: "10.78.0.9", ttl: 1 })[3], "300");
});

test("names must lie inside the zone", () => {
  assert.equal(ownerOf("example.test", "Mail.Example.Test"), "mail.example.test.");
  assert.throws(() => ownerOf("example.test", "evil.test"), /not in zone/);
  assert.throws(() => ownerOf("example.test", "notexample.test"), /not in zone/);
});

test("A/AAAA content is validated", () => {
  assert.throws(() => rdataOf({ zone: "example.test", name: "example.test", type: "A", content: "::1", ttl: 300 }));
  assert.equal(rdataOf({ zone: "example.test", name: "example.test", type: "AAAA", content: "2001:db8:78::10", ttl: 300 }), "2001:db8:78::10");
});

test("PTR names for v4 and v6, and their world zones", () => {
  assert.equal(reverseName("10.78.0.10"), "10.0.78.10.in-addr.arpa");
  assert.equal(reverseZone("10.78.0.10"), "0.78.10.in-addr.arpa");
  assert.equal(
    reverseName("2001:db8:78::10"),
    "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
  );
  assert.equal(reverseZone("2001:db8:78::10"), "8.7.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  assert.throws(() => reverseZone("192.0.2.1"), /not in the world/);
  assert.throws(() => reverseZone("2001:db8:79::1"), /not in the world/);
});

test("knotc zone-read lines parse back into Cloudflare-shaped records", () => {
  assert.deepEqual(parseZoneLine("[gmail.test.] gmail.test. 300 MX 5 mx.gmail.test."), {
    zone: "gmail.test", name: "gmail.test", type: "MX", content: "mx.gmail.test", ttl: 300, priority: 5,
  });
  assert.deepEqual(parseZoneLine('[example.test.] t.example.test. 60 TXT "abc" "def"'), {
    zone: "example.test", name: "t.example.test", type: "TXT", content: '"abc" "def"', ttl: 60,
  });
  assert.equal(parseZoneLine("OK"), null);
});

test("zone files carry SOA verbatim and records in knot syntax", () => {
  const z = zoneFile("acme.test", [
    { name: "acme.test", type: "SOA", content: "ns.world.test. h.world.test. 1 2 3 4 5", ttl: 3600 },
    { name: "acme.test", type: "A", content: "10.78.0.14", ttl: 300 },
  ]);
  assert.equal(z, "$ORIGIN acme.test.\nacme.test. 3600 SOA ns.world.test. h.world.test. 1 2 3 4 5\nacme.test. 300 A 10.78.0.14\n");
});

test("initial zones: example.test is bare, the vps PTRs carry the host name", () => {
  const z = initialZones("mx.custom.test");
  assert.deepEqual(z["example.test"]?.map((r) => r.type), ["SOA", "NS"]);
  const ptr = (ip: string) => z[reverseZone(ip)]?.find((r) => r.name === reverseName(ip))?.content;
  assert.equal(ptr("10.78.0.10"), "mx.custom.test");
  assert.equal(ptr("2001:db8:78::10"), "mx.custom.test");
  assert.ok(z["gmail.test"]?.some((r) => r.type === "MX" && r.content === "mx.gmail.test"));
  assert.match(knotConf("/d"), /listen: \[ 10\.78\.0\.53@53, 2001:db8:78::53@53 \]/);
});
