// The built engine runs a small TypeScript program with the four plugins the stack uses (random,
// tls, command; cloudflare is exercised against the world in the local suite): real `pulumi up`,
// a no-op second run, a replacement by triggers, secrets kept out of the state file, destroy
// running the delete command. Needs the engine that `.ci/run` builds (engine/build.sh).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { builtEngineBin, installPlugins, ROOT, runPulumi } from "../../engine/engine";
import { summarizeEvents, EngineEvent } from "../../runner/events";
import { engineGate } from "../support/environment";

const PROGRAM = `
import * as pulumi from "@pulumi/pulumi";
import * as command from "@pulumi/command";
import * as random from "@pulumi/random";
import * as tls from "@pulumi/tls";
const config = new pulumi.Config();
const password = new random.RandomPassword("password", { length: 24, special: false });
const key = new tls.PrivateKey("key", { algorithm: "RSA", rsaBits: 2048 });
const marker = config.require("marker");
// Under a component, as the program's steps are (their URNs carry the parent's type).
class Host extends pulumi.ComponentResource {
  constructor(name: string) { super("check:index:Host", name); }
}
const host = new Host("host");
const step = new command.local.Command("step", {
  create: "wc -c",
  stdin: password.result,
  delete: \`echo deleted >> \${marker}\`,
  triggers: [config.require("trigger")],
}, { parent: host });
export const length = step.stdout;
export const publicKey = key.publicKeyPem;
export const password_ = password.result;
`;

describe("the real engine on a small program", { skip: engineGate() }, () => {
  const dir = mkdtempSync(join(tmpdir(), "mailstack-engine-"));
  const marker = join(dir, "deleted");
  let bin = "";
  const env = { PULUMI_BACKEND_URL: `file://${join(dir, "state")}` };
  const pulumi = (...args: string[]) => {
    const r = runPulumi(bin, args, { cwd: join(dir, "project"), env });
    assert.equal(r.status, 0, `pulumi ${args.join(" ")}:\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  const up = (): EngineEvent[] => {
    const log = join(dir, "events.jsonl");
    rmSync(log, { force: true });
    pulumi("up", "--yes", "--skip-preview", "--non-interactive", "--event-log", log);
    return readFileSync(log, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as EngineEvent);
  };

  before(() => {
    bin = builtEngineBin() as string;
    installPlugins(bin);
    mkdirSync(join(dir, "project"));
    mkdirSync(join(dir, "state"));
    const project = readFileSync(join(ROOT, "Pulumi.yaml"), "utf8").replace(/^name: .*$/m, "name: engine-check").replace(/^main: .*$/m, "main: index.ts");
    writeFileSync(join(dir, "project", "Pulumi.yaml"), project.replace(/^config:[\s\S]*$/m, ""));
    writeFileSync(join(dir, "project", "index.ts"), PROGRAM);
    symlinkSync(join(ROOT, "node_modules"), join(dir, "project", "node_modules"));
    pulumi("stack", "init", "check");
    pulumi("config", "set", "marker", marker);
    pulumi("config", "set", "trigger", "one");
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("creates every resource, and the outputs come from the real providers", () => {
    const s = summarizeEvents(up());
    assert.deepEqual(s.changes, { password: "create", key: "create", step: "create", host: "create" });
    const out = JSON.parse(pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, string>;
    assert.equal(out.length.trim(), "24", "the command read the password on stdin");
    assert.match(out.password_, /^[A-Za-z0-9]{24}$/);
    assert.match(out.publicKey, /^-----BEGIN PUBLIC KEY-----\n/);
  });

  test("the state file holds no secret in plain text", () => {
    const out = JSON.parse(pulumi("stack", "output", "--json", "--show-secrets")) as Record<string, string>;
    const stacks = join(dir, "state", ".pulumi", "stacks", "engine-check");
    const state = readdirSync(stacks).filter((f) => f.endsWith(".json")).map((f) => readFileSync(join(stacks, f), "utf8")).join("\n");
    assert.ok(state.includes("wc -c"), "the state is where this test looks");
    assert.ok(!state.includes(out.password_), "the password is in the state in plain text");
    assert.ok(!state.includes("BEGIN RSA PRIVATE KEY") && !state.includes("BEGIN PRIVATE KEY"), "the private key is in plain text");
  });

  test("a second run changes nothing and runs no command", () => {
    const s = summarizeEvents(up());
    assert.deepEqual(Object.values(s.changes).filter((c) => c !== "same"), []);
    assert.deepEqual(s.remoteCommands, []);
  });

  test("a changed trigger replaces the command (its delete runs), nothing else", () => {
    pulumi("config", "set", "trigger", "two");
    const s = summarizeEvents(up());
    assert.deepEqual(s.changes, { password: "same", key: "same", step: "replace", host: "same" });
    assert.equal(readFileSync(marker, "utf8"), "deleted\n");
  });

  test("destroy removes everything and runs the delete command", () => {
    pulumi("destroy", "--yes", "--skip-preview", "--non-interactive");
    assert.equal(readFileSync(marker, "utf8"), "deleted\ndeleted\n");
    assert.match(pulumi("stack", "--show-urns"), /no resources|Current stack resources \(0\)/i);
  });
});
