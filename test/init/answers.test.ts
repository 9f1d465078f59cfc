// From raw flag text to Answers: defaults, every missing flag at once, bad values named by flag.
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { privateKeyProblem, resolveAnswers, valueProblem } from "../../init/answers";
import { DEFAULT_CLOUDFLARE_BASE_URL } from "../../init/flags";
import { removeDir, sshKeyPair, tempDir } from "./fixtures";

const dir = tempDir("answers");
after(() => removeDir(dir));
const key = sshKeyPair(dir);
const minimal = { domain: "example.com", ipv4: "203.0.113.25", "forward-to": "your.name+mail@gmail.com", "ssh-key": key.privateKeyFile };

test("the defaults: stack prod, mail.<domain>, the user from --forward-to, <first user>@<domain>, root on 22, Cloudflare's API", () => {
  const r = resolveAnswers(minimal);
  assert.deepEqual(r.problems, []);
  assert.deepEqual(r.answers, {
    stack: "prod", domain: "example.com", hostname: "mail.example.com", ipv4: "203.0.113.25", ipv6: undefined,
    forwardTo: "your.name+mail@gmail.com", users: ["your.name"], acmeEmail: "your.name@example.com", acmeDirectory: undefined,
    acmeCaBundle: undefined, sshKeyFile: key.privateKeyFile, sshUser: "root", sshPort: 22, hostFingerprint: undefined,
    cloudflareBaseUrl: DEFAULT_CLOUDFLARE_BASE_URL, contabo: undefined,
  });
});

test("given values win; names are lower-cased, lists split and trimmed, the base URL loses its trailing slash", () => {
  const r = resolveAnswers({
    ...minimal, domain: "User.Tax.", hostname: "MX1.user.tax", users: "I, Billing", "acme-email": "admin@user.tax", ipv6: "2001:DB8::25",
    "ssh-port": "2222", "ssh-user": "deploy", "cloudflare-base-url": "http://127.0.0.1:8080/client/v4/", "host-fingerprint": `${"A".repeat(43)}`,
    "contabo-client-id": "INT-123", "contabo-api-user": "me@example.com",
  });
  assert.deepEqual(r.problems, []);
  const a = r.answers!;
  assert.equal(a.domain, "user.tax");
  assert.equal(a.hostname, "mx1.user.tax");
  assert.deepEqual(a.users, ["i", "billing"]);
  assert.equal(a.acmeEmail, "admin@user.tax");
  assert.equal(a.ipv6, "2001:db8::25");
  assert.equal(a.sshPort, 2222);
  assert.equal(a.sshUser, "deploy");
  assert.equal(a.cloudflareBaseUrl, "http://127.0.0.1:8080/client/v4");
  assert.equal(a.hostFingerprint, `SHA256:${"A".repeat(43)}`);
  assert.deepEqual(a.contabo, { clientId: "INT-123", apiUser: "me@example.com" });
});

test("nothing given: every missing flag at once, and not the ones whose defaults hang on them", () => {
  const r = resolveAnswers({});
  assert.deepEqual(r.missing, ["--domain", "--ipv4", "--forward-to", "--ssh-key"]);
  assert.equal(r.answers, undefined);
  // A forwarding address without a usable local part leaves --users to be given.
  assert.deepEqual(resolveAnswers({ ...minimal, "forward-to": "-x-@gmail.com" }).missing, ["--users"]);
});

test("every bad value at once, each naming its flag and what it is not", () => {
  const r = resolveAnswers({
    ...minimal, domain: "example", ipv4: "203.0.113.300", ipv6: "fe80::1%eth0", users: "i,i", "forward-to": "gmail.com",
    "ssh-port": "70000", "ssh-key": `${dir}/missing`, "acme-directory": "http://acme.test/dir", "cloudflare-base-url": "api.cloudflare.com",
    "contabo-client-id": "INT-1", stack: "a b",
  });
  assert.deepEqual(r.problems, [
    "--stack a b is not a stack name (letters, digits, - _ .)",
    "--domain example is not a domain name like example.com",
    "--ipv4 203.0.113.300 is not an IPv4 address",
    "--ipv6 fe80::1%eth0 is not an IPv6 address",
    "--forward-to gmail.com is not an address like you@gmail.com",
    "--users i,i lists a user twice",
    "--acme-directory http://acme.test/dir is not an https URL",
    `--ssh-key ${dir}/missing cannot be read (ENOENT)`,
    "--ssh-port 70000 is not a port (1..65535)",
    "--cloudflare-base-url api.cloudflare.com is not an http(s) URL",
    "--contabo-client-id needs --contabo-api-user too",
  ]);
  assert.deepEqual(r.missing, []);
});

test("the SSH key: a public key, a key with a passphrase and a non-key are refused with the reason", () => {
  assert.equal(privateKeyProblem(key.privateKey), undefined);
  assert.match(privateKeyProblem(key.publicKey)!, /is a public key: give the private half/);
  const locked = sshKeyPair(dir, "locked", "a passphrase");
  assert.match(valueProblem("ssh-key", locked.privateKeyFile)!, /^--ssh-key .*locked is protected by a passphrase, which the deploy cannot type/);
  assert.match(privateKeyProblem("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nx\n-----END RSA PRIVATE KEY-----")!, /passphrase/);
  assert.equal(valueProblem("ssh-key", "/etc/hostname", () => "hello\n"), "--ssh-key /etc/hostname is not a private key file (PEM or OpenSSH)");
});

test("the ACME CA bundle is read as a PEM certificate", () => {
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const r = resolveAnswers({ ...minimal, "acme-ca-bundle": "/ca.pem", "ssh-key": "/key" }, (f) => (f === "/ca.pem" ? pem : key.privateKey));
  assert.equal(r.answers?.acmeCaBundle, pem);
  assert.deepEqual(resolveAnswers({ ...minimal, "acme-ca-bundle": key.privateKeyFile }).problems, [`--acme-ca-bundle ${key.privateKeyFile} is not a PEM certificate`]);
});
