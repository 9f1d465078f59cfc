// The DKIM rotation's phases as a pure function of the config and the two clocks.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { revokedDkimValue, rotationState } from "../../plans/dkim-rotation";
import type { DkimRotationConfig } from "../../stacks/schema";
import { fakeHostApplier } from "../support/fake-host";
import { unwrapSecrets } from "../support/mock-engine";
import { runProgram, valueOf } from "../support/run-program";
import { problemsOf, stackFileConfig } from "../support/stack-config";

const rotation: DkimRotationConfig = { nextSelector: "2026b", publishWait: 3600, keepOld: 7 * 86400 };
const T0 = Date.parse("2026-11-01T00:00:00Z");
const hours = (h: number) => T0 + h * 3600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const state = (clocks: { nextPublishedAt?: string; switchedAt?: string }, now: number) => rotationState("user.tax", "2026a", rotation, clocks, now);

test("phase 1: the next record is being published, or not yet for its TTL: the current key signs", () => {
  for (const s of [state({}, T0), state({ nextPublishedAt: iso(T0) }, hours(0.99))]) {
    assert.deepEqual([s.phase, s.signingSelector, s.revokeCurrent], ["publish", "2026a", false]);
  }
  assert.match(state({ nextPublishedAt: iso(T0) }, hours(0.5)).next, /phase 1 \(published 2026-11-01T00:00:00Z\); chasquid signs with 2026a\. The first pulumi up from 2026-11-01T01:00:00Z switches signing to 2026b$/);
  assert.match(state({}, T0).next, /its record is published by this up.*from 3600 s after this one/);
});

test("phase 2: published for its TTL, the next key signs; the current record stays keepOld after the switch", () => {
  const justNow = state({ nextPublishedAt: iso(T0) }, hours(1));
  assert.deepEqual([justNow.phase, justNow.signingSelector, justNow.revokeCurrent], ["switch", "2026b", false]);
  // A late second up: the old record still stays keepOld from the switch, not from the publication.
  const late = state({ nextPublishedAt: iso(T0), switchedAt: iso(hours(24 * 30)) }, hours(24 * 30 + 1));
  assert.deepEqual([late.phase, late.revokeCurrent], ["switch", false]);
  assert.match(late.next, /revokes it$/);
});

test("phase 3: keepOld after the switch the current record is revoked; the next key keeps signing", () => {
  const s = state({ nextPublishedAt: iso(T0), switchedAt: iso(hours(2)) }, hours(2 + 24 * 7));
  assert.deepEqual([s.phase, s.signingSelector, s.revokeCurrent], ["retire", "2026b", true]);
  assert.match(s.next, /Finish with dkimSelector: 2026b/);
  assert.equal(revokedDkimValue("v=DKIM1; k=rsa; p=MIIBIjANBgkqh+/="), "v=DKIM1; k=rsa; p=");
});

test("at no moment does the signing key lack a record published for its TTL", () => {
  for (let h = 0; h < 24 * 10; h += 0.25) {
    const switchedAt = h >= 1 ? iso(hours(1)) : undefined; // the up that switched ran at hour 1
    const s = state({ nextPublishedAt: iso(T0), switchedAt }, hours(h));
    if (s.signingSelector === "2026b") assert.ok(hours(h) - T0 >= rotation.publishWait * 1000, `hour ${h}`);
    if (s.revokeCurrent) assert.ok(hours(h) - hours(1) >= rotation.keepOld * 1000, `hour ${h}`);
  }
});

describe("the program during a rotation (DNS and the switch clock as the engine reports them)", () => {
  const config = () => {
    const c = structuredClone(stackFileConfig("Pulumi.prod.yaml")) as any;
    c["mailstack:domains"][0].dkimRotation = { nextSelector: "2026b" };
    return c;
  };
  /** Cloudflare's createdOn for every record, and the switch clock's reading, `ago` ms before now. */
  const at = (recordsAgo: number, clockAgo: number) => {
    const host = fakeHostApplier();
    return async (reg: Parameters<typeof host>[0], prev: Parameters<typeof host>[1]) => {
      if (reg.type === "cloudflare:index/dnsRecord:DnsRecord") return { createdOn: new Date(Date.now() - recordsAgo).toISOString() };
      if (reg.type === "command:local:Command" && reg.inputs.create === "date -u +%Y-%m-%dT%H:%M:%SZ") {
        return { stdout: `${new Date(Date.now() - clockAgo).toISOString().replace(/\.\d{3}Z$/, "Z")}\n`, stderr: "" };
      }
      return host(reg, prev);
    };
  };
  const HOUR = 3600_000;
  const look = async (recordsAgo: number, clockAgo: number) => {
    const { engine, stack } = await runProgram(config(), { apply: at(recordsAgo, clockAgo) });
    const domain = engine.find("command:remote:Command", "host-203.0.113.25-domain-user.tax");
    const records = await valueOf(stack.records);
    const txt = (selector: string) => records.find((r) => r.name === `${selector}._domainkey.user.tax`)!.content;
    const keys = engine.ofType("tls:index/privateKey:PrivateKey");
    const pem = (name: string) => String(unwrapSecrets(keys.find((k) => k.name === name)!.outputs.privateKeyPemPkcs8));
    return {
      engine, state: await valueOf(stack.dkimRotation["user.tax"]), txt,
      selector: /^MS_SELECTOR='([^']+)'$/m.exec(String(domain.inputs.create))![1],
      signsWith: (name: string) => String(unwrapSecrets(domain.inputs.stdin)).includes(Buffer.from(pem(name)).toString("base64")),
    };
  };

  test("phase 1: both keys and records; chasquid keeps the current key", async () => {
    const r = await look(0, 0);
    assert.equal(r.state.phase, "publish");
    assert.deepEqual(r.engine.ofType("tls:index/privateKey:PrivateKey").map((k) => k.name).sort(), ["dkim-user.tax-key", "dkim-user.tax-key-2026b"]);
    assert.match(r.txt("2026b"), /^"v=DKIM1; k=rsa; p=MII/);
    assert.equal(r.selector, "mailstack");
    assert.ok(r.signsWith("dkim-user.tax-key") && !r.signsWith("dkim-user.tax-key-2026b"));
  });

  test("phase 2: published for its TTL, the domain step installs the next key only; the old record stays", async () => {
    const r = await look(2 * HOUR, 0);
    assert.equal(r.state.phase, "switch");
    assert.equal(r.selector, "2026b");
    assert.ok(r.signsWith("dkim-user.tax-key-2026b") && !r.signsWith("dkim-user.tax-key"));
    assert.match(r.txt("mailstack"), /p=MII/);
    assert.match(String(r.engine.find("command:remote:Command", "host-203.0.113.25-verify").inputs.create), /^MS_DKIM='user\.tax:2026b'$/m);
  });

  test("phase 3: a week after the switch the old record is revoked; the next key keeps signing", async () => {
    const r = await look(30 * 24 * HOUR, 8 * 24 * HOUR);
    assert.equal(r.state.phase, "retire");
    assert.equal(r.txt("mailstack"), '"v=DKIM1; k=rsa; p="');
    assert.equal(r.selector, "2026b");
  });

  test("the new selector must be new, and the wait at least the TTL", () => {
    const c = config();
    c["mailstack:domains"][0].dkimRotation = { nextSelector: "mailstack", publishWait: 60 };
    assert.deepEqual(problemsOf(c).map((p) => p.key), ["mailstack:domains[0].dkimRotation.nextSelector", "mailstack:domains[0].dkimRotation.publishWait"]);
  });
});
