import assert from "node:assert/strict";
import { test } from "node:test";
import { fakeResolver } from "../../doctor/fake-resolver";
import { countSpfLookups, parseSpf, spfDefault, spfRecordsOf } from "../../doctor/spf";

const GOOD: [string, string][] = [
  ["v=spf1 -all", "-all"],
  ["v=spf1 ip4:192.0.2.10 ip6:2001:db8::10 ~all", "~all"],
  ["v=spf1 ip4:192.0.2.0/24 ip6:2001:db8::/32 include:_spf.google.com -all", "-all"],
  ["v=spf1 a mx a:mail.example.test/24 mx//64 -all", "-all"],
  ["v=spf1 redirect=_spf.example.test", "redirect=_spf.example.test"],
  ["V=SPF1 exists:%{i}._spf.example.test ?all", "?all"],
  ["v=spf1 ip4:192.0.2.10", "none (neutral)"],
];
const BAD: [string, RegExp][] = [
  ["v=spf2 -all", /v=spf1/],
  ["v=spf1 ip4:192.0.2.300 -all", /bad ip4/],
  ["v=spf1 ip4:192.0.2.0/33 -all", /bad ip4/],
  ["v=spf1 ip6:192.0.2.1 -all", /bad ip6/],
  ["v=spf1 include -all", /include needs a domain/],
  ["v=spf1 foo:bar -all", /unknown term/],
  ["v=spf1 all:x", /all takes no argument/],
  ["v=spf1 redirect=a.test redirect=b.test", /appears twice/],
];

test("SPF: good records parse without errors, with their default", () => {
  for (const [text, dflt] of GOOD) {
    const r = parseSpf(text);
    assert.deepEqual(r.errors, [], text);
    assert.equal(spfDefault(r), dflt, text);
  }
});

test("SPF: bad records report why", () => {
  for (const [text, why] of BAD) {
    const r = parseSpf(text);
    assert.ok(r.errors.some((e) => why.test(e)), `${text}: ${r.errors.join("; ")}`);
  }
});

test("SPF: which TXT records are SPF (strings of one record are joined)", () => {
  assert.deepEqual(spfRecordsOf([["v=spf1 ip4:192.0.2.1 ", "-all"], ["google-site-verification=x"], ["v=spf10"]]), ["v=spf1 ip4:192.0.2.1 -all"]);
});

const txt = (s: string) => [[s]];

test("SPF lookups: counted recursively through include and redirect", async () => {
  const r = fakeResolver({
    "TXT example.test": txt("v=spf1 ip4:192.0.2.1 a mx include:_spf.provider.test redirect=_spf.example.test"),
    "TXT _spf.provider.test": txt("v=spf1 include:_a.provider.test include:_b.provider.test ~all"),
    "TXT _a.provider.test": txt("v=spf1 ip4:198.51.100.0/24 ~all"),
    "TXT _b.provider.test": txt("v=spf1 exists:%{i}.x.test ptr ~all"),
    "TXT _spf.example.test": txt("v=spf1 -all"),
  });
  const c = await countSpfLookups("example.test", r);
  // a, mx, include (+ include, include (+ exists, ptr)), redirect = 8
  assert.equal(c.count, 8);
  assert.deepEqual(c.errors, []);
  assert.deepEqual(c.visited, ["example.test", "_spf.provider.test", "_a.provider.test", "_b.provider.test", "_spf.example.test"]);
});

test("SPF lookups: redirect is ignored (not counted) when there is an all", async () => {
  const c = await countSpfLookups("x.test", fakeResolver({ "TXT x.test": txt("v=spf1 -all redirect=y.test") }));
  assert.equal(c.count, 0);
});

test("SPF lookups: more than 10", async () => {
  const zone: Record<string, string[][]> = { "TXT big.test": txt(`v=spf1 ${Array.from({ length: 6 }, (_, i) => `include:i${i}.test`).join(" ")} -all`) };
  for (let i = 0; i < 6; i++) zone[`TXT i${i}.test`] = txt("v=spf1 a mx -all");
  const c = await countSpfLookups("big.test", fakeResolver(zone));
  assert.equal(c.count, 18);
  assert.deepEqual(c.errors, []);
});

test("SPF lookups: loops, missing and duplicate included records are errors", async () => {
  const loop = await countSpfLookups("a.test", fakeResolver({ "TXT a.test": txt("v=spf1 include:b.test -all"), "TXT b.test": txt("v=spf1 include:a.test -all") }));
  assert.ok(loop.errors.some((e) => /loop: a\.test → b\.test → a\.test/.test(e)), loop.errors.join());
  assert.equal(loop.count, 2);
  const self = await countSpfLookups("a.test", fakeResolver({ "TXT a.test": txt("v=spf1 redirect=a.test") }));
  assert.ok(self.errors.some((e) => /loop/.test(e)));
  const missing = await countSpfLookups("a.test", fakeResolver({ "TXT a.test": txt("v=spf1 include:gone.test -all") }));
  assert.deepEqual(missing.errors, ["gone.test: no SPF record"]);
  const two = await countSpfLookups("a.test", fakeResolver({ "TXT a.test": [["v=spf1 -all"], ["v=spf1 ~all"]] }));
  assert.deepEqual(two.errors, ["a.test: 2 SPF records"]);
  const refused = await countSpfLookups("a.test", fakeResolver({ "TXT a.test": "EREFUSED" }));
  assert.deepEqual(refused.errors, ["a.test: DNS error EREFUSED"]);
});
