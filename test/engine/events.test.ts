import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { failureText } from "../../runner/deploy";
import { EngineEvent, summarizeEvents } from "../../runner/events";

const step = (op: string, type: string, name: string, failed = false): EngineEvent => {
  const metadata = { op, type, urn: `urn:pulumi:local::mailstack::mailstack:index:MailHost$${type}::${name}` };
  return failed ? { resOpFailedEvent: { metadata } } : { resOutputsEvent: { metadata } };
};

describe("what a pulumi up did, from its event log", () => {
  test("names each resource's change and counts the commands run and the records changed", () => {
    const s = summarizeEvents([
      step("create", "pulumi:pulumi:Stack", "mailstack-local"),
      step("same", "mailstack:index:MailHost", "host-10.78.0.2"),
      step("same", "pulumi:providers:command", "default_1_2_1"),
      step("same", "command:remote:Command", "host-10.78.0.2-preflight"),
      step("update", "command:remote:Command", "host-10.78.0.2-base"),
      step("delete-replaced", "command:remote:Command", "host-10.78.0.2-tls"),
      step("create-replacement", "command:remote:Command", "host-10.78.0.2-tls"),
      step("replace", "command:remote:Command", "host-10.78.0.2-tls"),
      step("create", "cloudflare:index/dnsRecord:DnsRecord", "dns-example.test-mx"),
      step("delete", "cloudflare:index/dnsRecord:DnsRecord", "dns-old.test-mx"),
      step("same", "random:index/randomPassword:RandomPassword", "users-example.test-i"),
    ]);
    assert.deepEqual(s.changes, {
      "host-10.78.0.2-preflight": "same", "host-10.78.0.2-base": "update", "host-10.78.0.2-tls": "replace",
      "dns-example.test-mx": "create", "dns-old.test-mx": "delete", "users-example.test-i": "same",
    });
    assert.deepEqual(s.remoteCommands, ["update host-10.78.0.2-base", "replace host-10.78.0.2-tls"]);
    assert.deepEqual(s.dnsChanges, ["create dns-example.test-mx", "delete dns-old.test-mx"]);
  });

  test("a failed step is reported as failed and not counted as run; local commands say so", () => {
    const s = summarizeEvents([
      step("create", "command:remote:Command", "host-1-base", true),
      step("create", "command:local:Command", "host-1-reach"),
    ]);
    assert.deepEqual(s, { changes: { "host-1-base": "failed", "host-1-reach": "create" }, remoteCommands: ["create host-1-reach (local)"], dnsChanges: [] });
  });

  test("a preview is read from the steps it announces", () => {
    const pre = (op: string, name: string): EngineEvent => ({ resourcePreEvent: { metadata: { op, type: "command:remote:Command", urn: `urn:pulumi:s::p::command:remote:Command::${name}` } } });
    const events = [pre("create", "a"), pre("same", "b"), step("create", "command:remote:Command", "c")];
    assert.deepEqual(summarizeEvents(events, true).changes, { a: "create", b: "same" });
    assert.deepEqual(summarizeEvents(events).changes, { c: "create" });
  });

  test("a no-op run runs nothing", () => {
    const s = summarizeEvents([step("same", "command:remote:Command", "a"), step("same", "cloudflare:index/dnsRecord:DnsRecord", "b")]);
    assert.deepEqual([s.remoteCommands, s.dnsChanges], [[], []]);
  });
});

describe("what a failed pulumi up shows", () => {
  test("every error under Diagnostics, without the outputs and progress that follow", () => {
    const output = ["Updating (local):", " +  command:remote:Command a creating (0s)", "@ updating....", "Diagnostics:",
      "  command:remote:Command (a):", "    error: first problem", "    error: second problem", "Outputs:", "  - records: [", "Resources:", "    2 errored"].join("\n");
    assert.equal(failureText(output), "Diagnostics:\n  command:remote:Command (a):\n    error: first problem\n    error: second problem");
    assert.equal(failureText("error: unknown flag\n"), "error: unknown flag");
  });
});
