// domains[].ed25519Selector: a second DKIM key (RFC 8463), its own record, and the domain step
// that installs it next to the RSA key.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { dkimEd25519Value, dkimValue } from "../../plans/mail-records";
import { dkimKeysOf } from "../../plans/dns";
import { domainCommand, domainStdin, verifyCommand } from "../../plans/host/steps";
import { runProgram, valueOf } from "../support/run-program";
import { unwrapSecrets } from "../support/mock-engine";
import { problemsOf, stackFileConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml") as any;
const withEd25519 = (selector: unknown = "mailstack-ed") => {
  const c = structuredClone(seed);
  c["mailstack:domains"][0].ed25519Selector = selector;
  return c;
};

test("the Ed25519 record carries the raw 32-byte key (the SPKI without its 12-byte prefix); an RSA key is refused", () => {
  const { publicKey } = generateKeyPairSync("ed25519");
  const spki = publicKey.export({ format: "der", type: "spki" });
  const value = dkimEd25519Value(publicKey.export({ format: "pem", type: "spki" }).toString());
  assert.equal(value, `v=DKIM1; k=ed25519; p=${spki.subarray(12).toString("base64")}`);
  assert.equal(Buffer.from(value.split("p=")[1], "base64").length, 32);
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();
  assert.throws(() => dkimEd25519Value(rsa), /must be Ed25519, got rsa/);
  assert.throws(() => dkimValue(publicKey.export({ format: "pem", type: "spki" }).toString()), /must be RSA, got ed25519/);
});

test("the selector is a DNS label of its own", () => {
  assert.deepEqual(problemsOf(withEd25519("mailstack")).map((p) => p.key), ["mailstack:domains[0].ed25519Selector"]);
  assert.deepEqual(problemsOf(withEd25519("Bad_Label")).map((p) => p.key), ["mailstack:domains[0].ed25519Selector"]);
  assert.deepEqual(dkimKeysOf({ name: "user.tax", dkimSelector: "mailstack", ed25519Selector: "ed" }).map((k) => [k.algorithm, k.recordName]),
    [["rsa", "mailstack._domainkey.user.tax"], ["ed25519", "ed._domainkey.user.tax"]]);
});

test("the program makes an Ed25519 key, publishes its record next to the RSA one, and gives the host both keys", async () => {
  const { engine, stack } = await runProgram(withEd25519());
  const keys = engine.ofType("tls:index/privateKey:PrivateKey");
  assert.deepEqual(keys.map((k) => [k.name, k.inputs.algorithm]).sort(),
    [["dkim-ed25519-user.tax-key-mailstack-ed", "ED25519"], ["dkim-user.tax-key", "RSA"]]);
  assert.ok(keys.every((k) => k.protect), "both keys are protected");
  const records = await valueOf(stack.records);
  const dkim = records.filter((r) => r.name.includes("._domainkey."));
  assert.deepEqual(dkim.map((r) => [r.name, r.comment]), [
    ["mailstack._domainkey.user.tax", "mailstack: DKIM"], ["mailstack-ed._domainkey.user.tax", "mailstack: DKIM (Ed25519)"],
  ]);
  assert.match(dkim[1].content, /^"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$/);
  const domainStep = engine.find("command:remote:Command", "host-203.0.113.25-domain-user.tax");
  assert.match(String(domainStep.inputs.create), /^MS_ED25519_SELECTOR='mailstack-ed'$/m);
  assert.match(String(unwrapSecrets(domainStep.inputs.stdin)), /^FILE dkim-ed25519\.pem /m);
  const verify = engine.find("command:remote:Command", "host-203.0.113.25-verify");
  assert.match(String(verify.inputs.create), /^MS_DKIM_ED25519='user\.tax:mailstack-ed'$/m);
});

test("without it, the domain and verify steps are as before (a deployed stack sees no change)", () => {
  const plan = { host: { hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", sshUser: "root", sshPort: 22, firewall: true, owner: true },
    stack: "mailstack/prod", acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, firewall: true,
    domains: [{ name: "user.tax", dkimSelector: "mailstack", aliasesFile: "" }] };
  assert.doesNotMatch(domainCommand(plan, plan.domains[0]), /^MS_ED25519_SELECTOR='/m);
  assert.doesNotMatch(verifyCommand(plan), /^MS_DKIM_ED25519='/m);
  assert.doesNotMatch(domainStdin(plan.domains[0], "users", "KEY"), /dkim-ed25519/);
  assert.throws(() => domainStdin({ ...plan.domains[0], ed25519Selector: "ed" }, "users", "KEY"), /no Ed25519 DKIM private key for user\.tax/);
});
