// `pulumi preview` must have no side effects: nothing applied, nothing written, no network.
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { test } from "node:test";
import { MockEngine } from "../support/mock-engine";
import { runProgram } from "../support/run-program";
import { ROOT, stackFileConfig } from "../support/stack-config";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";
/** How the mock monitor hands an unknown input to newResource during preview. */
const isUnknown = (v: unknown) => typeof v === "object" && v !== null && (v as { __pulumiUnknown?: boolean }).__pulumiUnknown === true;

/**
 * Every file under ROOT except node_modules, .git and the local world's own runtime folder (a world
 * may be running beside the tests), with its mtime: what a run could have written.
 */
function snapshot(dir = ROOT, out = new Map<string, number>()): Map<string, number> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === ".git" || join(dir, entry.name) === join(ROOT, ".local", "world")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) snapshot(path, out);
    else out.set(relative(ROOT, path), statSync(path).mtimeMs);
  }
  return out;
}

test("preview applies nothing, registers every planned record, and writes no file", async () => {
  const before = snapshot();
  const hadLocal = existsSync(join(ROOT, ".local"));
  const applied: string[] = [];
  const { engine } = await runProgram(stackFileConfig("Pulumi.prod.yaml"), {
    preview: true,
    apply: async (reg) => {
      applied.push(`${reg.type} ${reg.name}`);
      throw new Error(`preview applied ${reg.name}`);
    },
  });
  assert.ok(engine instanceof MockEngine);
  assert.deepEqual(applied, []);
  assert.deepEqual(engine.state, {}, "preview keeps no state");
  assert.ok(engine.registrations.filter((r) => r.custom).every((r) => r.change === "create"));

  // Which records exist depends on config only, so preview shows all of them with names and types.
  const records = engine.ofType(DNS).map((r) => [r.inputs.type, r.inputs.name]).sort();
  assert.deepEqual(records, [
    ["A", "mail.user.tax"], ["AAAA", "mail.user.tax"], ["MX", "user.tax"],
    ["TXT", "_dmarc.user.tax"], ["TXT", "mail.user.tax"], ["TXT", "mailstack._domainkey.user.tax"], ["TXT", "user.tax"],
  ].sort());
  // Only the DKIM record's content waits for a key that the first up creates; the rest is known.
  const unknown = engine.ofType(DNS).filter((r) => isUnknown(r.inputs.content)).map((r) => r.inputs.name);
  assert.deepEqual(unknown, ["mailstack._domainkey.user.tax"]);
  assert.equal(engine.ofType(DNS).find((r) => r.inputs.type === "A")!.inputs.content, "203.0.113.25");
  const mx = engine.ofType(DNS).find((r) => r.inputs.type === "MX")!;
  assert.deepEqual([mx.inputs.priority, mx.inputs.proxied, mx.inputs.ttl], [10, false, 3600]);
  assert.ok(engine.ofType(DNS).every((r) => r.inputs.proxied === false));
  assert.equal(existsSync(join(ROOT, ".local")), hadLocal, "preview created .local/");
  assert.deepEqual(snapshot(), before, "preview wrote or touched a file in the repository");
});

test("a preview after an up shows every content, changes nothing and applies nothing", async () => {
  const up = await runProgram(stackFileConfig("Pulumi.prod.yaml"));
  const stateBefore = structuredClone(up.engine.state);
  const { engine } = await runProgram(stackFileConfig("Pulumi.prod.yaml"), {
    preview: true, state: up.engine.state,
    apply: async (reg) => assert.fail(`preview applied ${reg.name}`),
  });
  assert.deepEqual(engine.registrations.filter((r) => r.custom && r.change !== "same").map((r) => r.name), []);
  const a = engine.ofType(DNS).find((r) => r.inputs.type === "A")!;
  assert.equal(a.inputs.content, "203.0.113.25");
  const dkim = engine.ofType(DNS).find((r) => String(r.inputs.name).includes("._domainkey."))!;
  assert.match(String(dkim.inputs.content), /^"v=DKIM1; k=rsa; p=MII/);
  assert.deepEqual(up.engine.state, stateBefore, "preview changed the state");
});

const PROGRAM_SOURCES = ["index.ts", "program.ts", "stacks", "plans", "components"];
const NETWORK_OR_PROCESS = ["net", "http", "https", "http2", "child_process", "dgram", "tls", "dns", "worker_threads"];
/** node:net's pure address parsers open nothing (stacks/checks.ts validates IPs with them). */
const PURE_NET_HELPERS = new Set(["isIP", "isIPv4", "isIPv6"]);

/** Network/process modules a source imports, e.g. ["https"]; `import { isIPv4 } from "node:net"` is allowed. */
export function forbiddenImports(source: string): string[] {
  const found: string[] = [];
  const re = /(?:import\s+(?:type\s+)?(\{[^}]*\}|[^"';]*?)\s+from\s+|require\(\s*|import\(\s*)["'](?:node:)?([a-z_0-9]+)(?:\/[a-z_0-9/]*)?["']/g;
  for (const [, bindings, module] of source.matchAll(re)) {
    if (!NETWORK_OR_PROCESS.includes(module)) continue;
    const named = bindings?.startsWith("{") ? bindings.slice(1, -1).split(",").map((b) => b.trim()).filter(Boolean) : undefined;
    if (module === "net" && named && named.every((b) => PURE_NET_HELPERS.has(b))) continue;
    found.push(module);
  }
  return found;
}

function sourceFiles(path: string): string[] {
  const full = join(ROOT, path);
  if (!statSync(full).isDirectory()) return [full];
  return readdirSync(full).flatMap((f) => sourceFiles(join(path, f))).filter((f) => f.endsWith(".ts"));
}

test("the program's own sources import no network or process module (so preview opens no socket)", () => {
  const files = PROGRAM_SOURCES.flatMap(sourceFiles);
  assert.ok(files.length >= 10, files.join());
  for (const file of files) {
    assert.deepEqual(forbiddenImports(readFileSync(file, "utf8")), [], relative(ROOT, file));
  }
});

test("the import check catches network and process modules, in every import form", () => {
  const sample = [
    `import { request } from "node:https";`,
    `const cp = require("child_process");`,
    `import * as net from "node:net";`,
    `import { isIPv4, connect } from "net";`,
    `import("node:dgram");`,
    `import dns from "dns/promises";`,
    `import { isIPv4, isIPv6 } from "node:net";`,
    `import * as tls from "@pulumi/tls";`,
    `import { readFileSync } from "node:fs";`,
  ].join("\n");
  assert.deepEqual(forbiddenImports(sample), ["https", "child_process", "net", "net", "dgram", "dns"]);
});
