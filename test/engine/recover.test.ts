// `npm run recover`'s decisions (runner/recover.ts): which records Cloudflare made for pending
// creates are removed, which pending creates are cleared, and which locks are the stack's.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { DNS_RECORD, ListedRecord, madeRecord, PendingOperation, recoveryPlan } from "../../runner/recover";
import { brokenCheckpointSidecars, stackLocks } from "../../runner/recovery";

const urn = (name: string, type = DNS_RECORD) => `urn:pulumi:local::mailstack::mailstack:index:DnsRecords$${type}::${name}`;
const txtOp: PendingOperation = {
  type: "creating",
  resource: { urn: urn("dns-txt-shop.example.test"), type: DNS_RECORD, inputs: { zoneId: "z1", name: "shop.example.test", type: "TXT", content: "v=spf1 mx -all" } },
};
const srvOp: PendingOperation = {
  type: "creating",
  resource: { urn: urn("dns-srv-_submissions._tcp.example.test"), type: DNS_RECORD,
    inputs: { zoneId: "z1", name: "_submissions._tcp.example.test", type: "SRV", data: { port: 465 }, comment: "mailstack: submission" } },
};
const listed = (over: Partial<ListedRecord>): ListedRecord => ({ id: "r1", name: "shop.example.test", type: "TXT", content: "\"v=spf1 mx -all\"", comment: "x", ...over });

test("the record Cloudflare made is the one of the same name, type and content (TXT quotes aside)", () => {
  assert.equal(madeRecord(txtOp, [listed({ id: "other", content: "\"v=spf1 -all\"" }), listed({ id: "made" })])?.id, "made");
  assert.equal(madeRecord(txtOp, [listed({ id: "x", type: "MX" })]), undefined, "another type is not it");
  assert.equal(madeRecord(txtOp, [listed({ id: "a" }), listed({ id: "b" })]), undefined, "two candidates: none is imported");
  assert.equal(madeRecord(txtOp, []), undefined);
});

test("a record without content (SRV data) is recognised by its comment", () => {
  const srv = (id: string, comment: string) => listed({ id, name: "_submissions._tcp.example.test", type: "SRV", content: "0 465 mail.example.test", comment });
  assert.equal(madeRecord(srvOp, [srv("a", "someone else's"), srv("b", "mailstack: submission")])?.id, "b");
});

test("found records are removed from Cloudflare and every pending create cleared; updates are left to the next up", () => {
  const step: PendingOperation = { type: "creating", resource: { urn: urn("host-1-base", "command:remote:Command"), type: "command:remote:Command" } };
  const update: PendingOperation = { type: "updating", resource: { urn: urn("dns-txt-example.test"), type: DNS_RECORD } };
  const found = new Map([[txtOp.resource.urn, listed({ id: "made" })], [srvOp.resource.urn, undefined]]);
  assert.deepEqual(recoveryPlan([txtOp, srvOp, step, update], found),
    { remove: [{ urn: txtOp.resource.urn, zoneId: "z1", id: "made" }], clear: true, unmatched: [srvOp.resource.urn] });
  assert.deepEqual(recoveryPlan([update], found), { remove: [], clear: false, unmatched: [] }, "nothing to clear");
});

test("the stack's locks, with the pid and host that took them", () => {
  const state = mkdtempSync(join(tmpdir(), "mailstack-locks-"));
  const dir = join(state, ".pulumi", "locks", "organization", "mailstack", "local");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "6df6.json"), JSON.stringify({ pid: 24294, username: "root", hostname: "vm", timestamp: "2026-11-29T20:59:36Z" }));
  assert.deepEqual(stackLocks("local", state), [{ file: join(dir, "6df6.json"), pid: 24294, host: "vm" }]);
  assert.deepEqual(stackLocks("prod", state), []);
});

test("a checkpoint sidecar cut while being written is found; whole ones and other stacks' are not", () => {
  const state = mkdtempSync(join(tmpdir(), "mailstack-state-"));
  const dir = join(state, ".pulumi", "stacks", "mailstack");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "local.json.attrs"), "");
  writeFileSync(join(dir, "local.json.bak.attrs"), JSON.stringify({ "user.content_type": "application/json" }));
  writeFileSync(join(dir, "local-second.json.attrs"), "");
  assert.deepEqual(brokenCheckpointSidecars("local", state), [join(dir, "local.json.attrs")]);
});
