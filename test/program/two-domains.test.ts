// The second example stack: one host sending for two domains.
import assert from "node:assert/strict";
import { test } from "node:test";
import { unwrapSecrets } from "../support/mock-engine";
import { asPolicyResources } from "../policy/policy-resources";
import { runAllPolicies } from "../policy/fake-args";
import { runProgram, valueOf } from "../support/run-program";
import { stackFileConfig } from "../support/stack-config";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";

test("Pulumi.two-domains.yaml validates and publishes both domains' records, with no duplicate URN", async () => {
  const { engine, stack } = await runProgram(stackFileConfig("Pulumi.two-domains.yaml"));
  assert.deepEqual(engine.duplicateUrns(), []);
  const records = engine.ofType(DNS).map((r) => unwrapSecrets(r.inputs) as Record<string, unknown>);
  const at = (name: string, type: string) => records.filter((r) => r.name === name && r.type === type);
  for (const domain of ["user.tax", "shop.example"]) {
    assert.deepEqual(at(domain, "MX").map((r) => r.content), ["mail.user.tax"], `${domain} MX`);
    assert.equal(at(domain, "TXT").length, 1, `${domain} SPF`);
    assert.equal(at(`mailstack._domainkey.${domain}`, "TXT").length, 1, `${domain} DKIM`);
    assert.equal(at(`_dmarc.${domain}`, "TXT").length, 1, `${domain} DMARC`);
  }
  assert.match(String(at("_dmarc.shop.example", "TXT")[0].content), /p=reject/);
  // shop.example's reports go to user.tax, which must consent (RFC 7489 §7.1).
  assert.equal(at("shop.example._report._dmarc.user.tax", "TXT").length, 1);
  // The host's own records exist once, not once per domain.
  assert.equal(at("mail.user.tax", "A").length, 1);
  assert.equal(records.length, 12);
  assert.deepEqual(Object.keys(await valueOf(stack.smtpPasswords)).sort(), ["i@user.tax", "sales@shop.example"]);
  assert.deepEqual(engine.invokes.map((i) => (i.inputs.filter as { name: string }).name).sort(), ["shop.example", "user.tax"]);
});

test("Pulumi.two-domains.yaml passes every mandatory policy", async () => {
  const { engine } = await runProgram(stackFileConfig("Pulumi.two-domains.yaml"));
  const violations = await runAllPolicies(asPolicyResources(engine.registrations));
  assert.deepEqual(violations.filter((v) => v.level === "mandatory"), []);
});
