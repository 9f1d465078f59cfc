// The pack over what the real program registers (Pulumi.prod.yaml under the mock engine).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runProgram } from "../support/run-program";
import { stackFileConfig } from "../support/stack-config";
import { runAllPolicies } from "./fake-args";
import { asPolicyResources } from "./policy-resources";

const unpinnedProd = () => runProgram(stackFileConfig("Pulumi.prod.yaml"));
/** The prod example with the host key pinned: no advisory left, so any violation is the injected one. */
const prod = () => {
  const config = stackFileConfig("Pulumi.prod.yaml") as { "mailstack:hosts": Record<string, unknown>[] };
  config["mailstack:hosts"][0].sshHostKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qta2V5LW5vdC1hLXJlYWwtaG9zdC1rZXk";
  return runProgram(config);
};

test("the prod example stack has no mandatory violation; advisories, if any, are only unpinned SSH host keys", async () => {
  const { engine } = await unpinnedProd();
  const resources = asPolicyResources(engine.registrations);
  assert.ok(resources.filter((r) => r.type === "cloudflare:index/dnsRecord:DnsRecord").length >= 7);
  const violations = await runAllPolicies(resources);
  assert.deepEqual(violations.filter((v) => v.level === "mandatory"), []);
  // Without sshHostKey only the first contact (preflight) is unpinned: every later step pins the
  // key preflight saw (trust on first use), so the advisory rule warns once.
  assert.deepEqual(violations.filter((v) => v.policy !== "ssh-host-key-pinned"), []);
  assert.equal(violations.length, 1, "one advisory, for preflight");
  assert.match(violations[0].message, /preflight/);
  assert.ok(engine.ofType("command:remote:Command").length >= 6);
  const pinned = await prod();
  assert.deepEqual(await runAllPolicies(asPolicyResources(pinned.engine.registrations)), []);
});

test("a broken SPF in the recorded program is caught", async () => {
  const { engine } = await prod();
  const resources = asPolicyResources(engine.registrations);
  const spf = resources.find((r) => r.name === "dns-txt-user.tax")!;
  assert.match(String(spf.props.content), /^"v=spf1 /);
  spf.props.content = '"v=spf1 a mx include:_spf.google.com +all"';
  const violations = await runAllPolicies(resources);
  assert.deepEqual(violations.map((v) => [v.policy, v.level]), [["spf-record-valid", "mandatory"]]);
  assert.match(violations[0].message, /DnsRecord "dns-txt-user\.tax" \(TXT user\.tax\): SPF must end with "~all".*"\+all"/);
});

test("a proxied mail host and a CNAME at the MX target in the recorded program are caught", async () => {
  const { engine } = await prod();
  const resources = asPolicyResources(engine.registrations);
  resources.find((r) => r.name === "dns-aaaa-mail.user.tax")!.props.proxied = true;
  const mx = resources.find((r) => r.name === "dns-mx-user.tax-mail.user.tax")!;
  mx.props.content = "mx.user.tax";
  resources.push({ type: "cloudflare:index/dnsRecord:DnsRecord", name: "dns-cname-mx.user.tax", props: { name: "mx.user.tax", type: "CNAME", content: "mail.user.tax", proxied: false } });
  const violations = await runAllPolicies(resources);
  assert.deepEqual(violations.map((v) => v.policy).sort(), ["mail-host-not-proxied", "mx-target-not-cname"]);
});

test("the recorded DKIM key is recognised as one (by its DkimKey parent) and a weaker one is caught", async () => {
  const { engine } = await prod();
  const resources = asPolicyResources(engine.registrations);
  const key = resources.find((r) => r.type === "tls:index/privateKey:PrivateKey")!;
  assert.equal(key.parentType, "mailstack:index:DkimKey");
  key.props.rsaBits = 1024;
  key.name = "renamed-key"; // recognised through the parent alone
  const violations = await runAllPolicies(resources);
  assert.deepEqual(violations.map((v) => v.policy), ["dkim-key-strength"]);
});
