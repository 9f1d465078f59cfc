import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { commandDiff, DIAL_FAILURE, plainInputs, resourceTypeOf, withOutputs } from "../../engine/command-provider/semantics";
import { secretWire } from "../../engine/secret-wire";

const secret = secretWire;

describe("command provider: what a change does", () => {
  test("the resource type comes from the URN, under any parent", () => {
    assert.equal(resourceTypeOf("urn:pulumi:local::mailstack::command:local:Command::a"), "command:local:Command");
    assert.equal(resourceTypeOf("urn:pulumi:local::mailstack::mailstack:index:MailHost$command:remote:Command::host-1-base"), "command:remote:Command");
  });

  const state = { create: "run a", delete: "undo a", triggers: ["x"], connection: secret({ host: "10.0.0.1", port: 22 }), stdout: "out", stderr: "" };

  test("the same inputs (outputs aside, secrets compared by value) change nothing", () => {
    const news = { create: "run a", delete: "undo a", triggers: ["x"], connection: { host: "10.0.0.1", port: 22 } };
    assert.deepEqual(commandDiff(state, news), { changes: false, replaces: [] });
  });

  test("a changed command, stdin or connection is an update, not a replacement", () => {
    assert.deepEqual(commandDiff(state, { ...state, create: "run b" }), { changes: true, replaces: [] });
    assert.deepEqual(commandDiff(state, { ...state, stdin: secret("new") }), { changes: true, replaces: [] });
    assert.deepEqual(commandDiff(state, { ...state, connection: { host: "10.0.0.2", port: 22 } }), { changes: true, replaces: [] });
    assert.deepEqual(commandDiff(state, { ...state, delete: undefined }), { changes: true, replaces: [] });
  });

  test("changed triggers replace the resource", () => {
    assert.deepEqual(commandDiff(state, { ...state, triggers: ["y"] }), { changes: true, replaces: ["triggers"] });
    assert.deepEqual(commandDiff(state, { ...state, triggers: ["y"], create: "run b" }), { changes: true, replaces: ["triggers"] });
  });

  test("key order and absent-versus-null do not count as changes", () => {
    const news = { triggers: ["x"], delete: "undo a", connection: { port: 22, host: "10.0.0.1" }, create: "run a", dir: null };
    assert.equal(commandDiff(state, news).changes, false);
  });

  test("commands receive plain values; the state keeps secrets secret and drops one final newline", () => {
    assert.deepEqual(plainInputs({ stdin: secret("pw"), nested: [secret({ k: secret("v") })] }), { stdin: "pw", nested: [{ k: "v" }] });
    const outs = withOutputs({ create: "c", stdin: secret("pw") }, { stdout: "line\n\n", stderr: "warn\n" });
    assert.deepEqual(outs, { create: "c", stdin: secret("pw"), stdout: "line\n", stderr: "warn" });
    assert.deepEqual(withOutputs({ create: "c" }, undefined), { create: "c", stdout: "", stderr: "" });
  });
});

test("only a failure to connect is tried again; a session cut while the command ran fails the step", () => {
  for (const dial of ["ssh: connect to host 10.78.0.10 port 22: Connection refused", "ssh: connect to host 10.78.0.10 port 22: No route to host",
    "kex_exchange_identification: read: Connection reset by peer", "Connection closed by 10.78.0.10 port 22"]) assert.match(dial, DIAL_FAILURE);
  for (const cut of ["Connection to 10.78.0.10 closed by remote host.", "client_loop: send disconnect: Broken pipe",
    "mailstack: ERROR: chasquid did not start (log above)"]) assert.doesNotMatch(cut, DIAL_FAILURE);
});
