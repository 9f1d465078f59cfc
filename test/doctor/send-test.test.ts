// send-test's pure parts: which user and host, what to look for, the receiver's verdict lines.
import assert from "node:assert/strict";
import * as tls from "node:tls";
import { test } from "node:test";
import { loopbackConnector } from "../../doctor/connector";
import { targetsOf } from "../../doctor/outputs";
import { fakeResolver } from "../../doctor/fake-resolver";
import { lookFor, sendPlan, verdictLines } from "../../doctor/send-test";
import type { Setup } from "../../doctor/setup";
import type { InboxMessage } from "../../world/inbox";
import { DOMAIN, fixtureOutputs, HOST, IPV4, IPV6, PASSWORD, SELECTOR, USER } from "./fixture";

const setupFor = (stack: string): Setup => {
  const outputs = fixtureOutputs();
  return {
    stack, outputs, extraCa: [],
    ctx: { targets: targetsOf(outputs), resolver: fakeResolver({}), net: { connector: loopbackConnector({}), timeoutMs: 1000, ca: [...tls.rootCertificates], ehloName: "x.invalid" }, now: new Date() },
  };
};

test("send-test plan: the first user, the submission host; local connects to the planned IPv4", () => {
  const prod = sendPlan(setupFor("prod"), "someone@gmail.test");
  assert.equal(prod.from, USER);
  assert.equal(prod.password, PASSWORD);
  assert.equal(prod.host, HOST);
  assert.equal(prod.connectTo, HOST);
  assert.match(prod.messageId, /^<send-test\.\d+\.[0-9a-f]{12}@example\.test>$/);
  assert.equal(sendPlan(setupFor("local"), "a@gmail.test").connectTo, IPV4);
  assert.throws(() => sendPlan(setupFor("prod"), "a@gmail.test", "nobody@example.test"), /not a user of stack prod/);
});

test("send-test: what to look for names d=, s=, and the IPv6 address", () => {
  const lines = lookFor(sendPlan(setupFor("prod"), "a@gmail.test")).join("\n");
  assert.match(lines, new RegExp(`d=${DOMAIN}, s=${SELECTOR}`));
  assert.match(lines, /dmarc=pass/);
  assert.match(lines, /spf=pass/);
  assert.ok(lines.includes(`[${IPV6}]`));
  assert.ok(!lines.includes(PASSWORD));
});

test("send-test: the receiver's verdict", () => {
  const m = {
    id: "1", receivedAt: "", emlPath: "/x.eml", helo: HOST,
    peer: { ip: IPV6, family: "ipv6" }, tls: { secure: true, protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384" },
    envelope: { mailFrom: USER, rcptTo: ["a@gmail.test"] }, headers: { from: USER, subject: "s", messageId: "<m@example.test>" },
    auth: { spf: { result: "pass", domain: DOMAIN }, dkim: [{ result: "pass", domain: DOMAIN, selector: SELECTOR, algorithm: "rsa-sha256" }], dmarc: { result: "pass", policy: "quarantine" }, header: "" },
  } satisfies InboxMessage;
  assert.deepEqual(verdictLines(m), [
    "TLS:   yes, TLSv1.3 TLS_AES_256_GCM_SHA384",
    "SPF:   pass (example.test)",
    "DKIM:  pass (d=example.test s=mailstack)",
    "DMARC: pass (p=quarantine)",
    `peer:  ${IPV6} (ipv6), HELO ${HOST}`,
  ]);
});
