// Answers → Pulumi.<stack>.yaml: what it says, that stacks/validate.ts accepts it, and that what
// the validator refuses comes back naming the flag.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { parse } from "yaml";
import { Answers } from "../../init/answers";
import { DEFAULT_CLOUDFLARE_BASE_URL } from "../../init/flags";
import { sshFingerprint } from "../../init/host-key";
import { configProblems, keptKeys, renderStackFile, secretKeys, stackConfig, StackFileInput } from "../../init/stack-file";
import { validateStackConfig } from "../../stacks/validate";
import { removeDir, sshKeyPair, tempDir } from "./fixtures";

const dir = tempDir("stack-file");
after(() => removeDir(dir));
const key = sshKeyPair(dir);
const hostKeyLine = sshKeyPair(dir, "host").publicKey;
const secrets = { sshPrivateKey: key.privateKey, cloudflareToken: "a-token" };

const answers = (over: Partial<Answers> = {}): Answers => ({
  stack: "prod", domain: "user.tax", hostname: "mail.user.tax", ipv4: "203.0.113.25", ipv6: "2001:db8:25::25", forwardTo: "your.name@gmail.com",
  users: ["i"], acmeEmail: "i@user.tax", sshKeyFile: key.privateKeyFile, sshUser: "root", sshPort: 22,
  cloudflareBaseUrl: DEFAULT_CLOUDFLARE_BASE_URL, ...over,
});
const input = (over: Partial<Answers> = {}, zones: Partial<StackFileInput> = {}): StackFileInput => ({
  answers: answers(over), hostKey: { key: hostKeyLine, fingerprint: sshFingerprint(hostKeyLine) }, domainZone: "user.tax", hostZone: "user.tax", ...zones,
});
const configOf = (text: string) => (parse(text) as { config: Record<string, unknown> }).config;

test("the seed's setup: one host with its pinned key, the domain with a catch-all, the ACME account; nothing defaulted is written", () => {
  const text = renderStackFile(input());
  assert.deepEqual(configOf(text), {
    "mailstack:hosts": [{ hostname: "mail.user.tax", ipv4: "203.0.113.25", ipv6: "2001:db8:25::25", sshHostKey: hostKeyLine }],
    "mailstack:domains": [{ name: "user.tax", users: ["i"], aliases: { "*": "your.name@gmail.com" } }],
    "mailstack:acme": { email: "i@user.tax" },
  });
  assert.deepEqual(configProblems(configOf(text), secrets), []);
});

test("the header says who wrote it, the host key's fingerprint, which secrets are set encrypted, and the next command", () => {
  const text = renderStackFile(input());
  const header = text.slice(0, text.indexOf("config:"));
  assert.ok(header.split("\n").filter(Boolean).every((l) => l.startsWith("#")), header);
  assert.match(header, /written by `npm run init`/);
  assert.ok(header.includes(sshFingerprint(hostKeyLine)));
  assert.match(header, /mailstack:sshPrivateKey, cloudflare:apiToken\./);
  assert.match(header, /pulumi preview --stack prod, then pulumi up --stack prod/);
  assert.ok(!text.includes(key.privateKey.split("\n")[1]!), "no private key text");
});

test("the stack file passes validateStackConfig as the Pulumi runtime hands it over (strings, objects as JSON)", () => {
  const config = configOf(renderStackFile(input({ ipv6: undefined, sshPort: 2222, sshUser: "deploy", users: ["i", "billing"] })));
  const raw = Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
  const loaded = validateStackConfig({ ...raw, "mailstack:sshPrivateKey": key.privateKey, "cloudflare:apiToken": "t" });
  assert.deepEqual(loaded.hosts, [{
    hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", ipv6: undefined, sshUser: "deploy", sshPort: 2222,
    sshHostKey: hostKeyLine, firewall: true, owner: true,
  }]);
  assert.deepEqual(loaded.domains[0]!.users, ["i", "billing"]);
  assert.deepEqual(loaded.domains[0]!.aliases, { "*": ["your.name@gmail.com"] });
});

test("zones: a domain in its parent's zone, a host in another zone; the world's API as cloudflare:baseUrl", () => {
  const config = stackConfig(input({ domain: "shop.user.tax", hostname: "mx.mail-hosts.net", acmeEmail: "i@shop.user.tax",
    cloudflareBaseUrl: "http://127.0.0.1:9/client/v4", acmeDirectory: "https://acme.test/dir" }, { domainZone: "user.tax", hostZone: "mail-hosts.net" }));
  assert.equal((config["mailstack:domains"] as { zone?: string }[])[0]!.zone, "user.tax");
  assert.equal((config["mailstack:hosts"] as { zone?: string }[])[0]!.zone, "mail-hosts.net");
  assert.equal(config["cloudflare:baseUrl"], "http://127.0.0.1:9/client/v4");
  assert.deepEqual(config["mailstack:acme"], { email: "i@shop.user.tax", directory: "https://acme.test/dir" });
  assert.deepEqual(configProblems(config, secrets), []);
});

test("Contabo: client id and API user in plain text, its secrets listed for `pulumi config set --secret --path`", () => {
  const i = input({ contabo: { clientId: "INT-123", apiUser: "me@example.com" } });
  const text = renderStackFile(i);
  assert.deepEqual(configOf(text)["mailstack:contabo"], { clientId: "INT-123", apiUser: "me@example.com" });
  assert.deepEqual(secretKeys(i.answers), [
    { key: "mailstack:sshPrivateKey", path: false }, { key: "cloudflare:apiToken", path: false },
    { key: "mailstack:contabo.clientSecret", path: true }, { key: "mailstack:contabo.apiPassword", path: true },
  ]);
  assert.deepEqual(configProblems(configOf(text), secrets), []);
  // The validator sees the Contabo keys too, and names the flag behind a bad one.
  const bad = configOf(renderStackFile(input({ contabo: { clientId: "INT-123", apiUser: "not-an-address" } })));
  assert.deepEqual(configProblems(bad, secrets), ['--contabo-api-user (mailstack:contabo.apiUser): "not-an-address" is not an e-mail address']);
});

test("an existing file's secrets provider and salt are kept, its config is not", () => {
  const kept = keptKeys(parse("encryptionsalt: v1:abc\nsecretsprovider: passphrase\nconfig:\n  mailstack:dnsTtl: 60\n"));
  assert.deepEqual(kept, { encryptionsalt: "v1:abc", secretsprovider: "passphrase" });
  const doc = parse(renderStackFile(input(), kept)) as Record<string, unknown>;
  assert.equal(doc.encryptionsalt, "v1:abc");
  assert.equal(doc.secretsprovider, "passphrase");
  assert.equal((doc.config as Record<string, unknown>)["mailstack:dnsTtl"], undefined);
});

test("what the stack validator refuses comes back naming the flag, every problem at once", () => {
  // Forwarding to the domain itself loops; a host named like the domain; a key file that is no key.
  const config = stackConfig(input({ forwardTo: "i@user.tax", hostname: "user.tax" }));
  const problems = configProblems(config, { sshPrivateKey: "not a key", cloudflareToken: "t" });
  assert.equal(problems.length, 3, problems.join("\n"));
  assert.match(problems.find((p) => p.startsWith("--ssh-key"))!, /^--ssh-key \(mailstack:sshPrivateKey\): is not a PEM or OpenSSH private key$/);
  assert.match(problems.find((p) => p.startsWith("--forward-to"))!, /^--forward-to \(mailstack:domains\[0\]\.aliases\.\*\): mail to \*@user\.tax loops back/);
  assert.match(problems.find((p) => p.startsWith("--hostname"))!, /^--hostname \(mailstack:hosts\[0\]\.hostname\): "user\.tax" is also a mail domain/);
});
