import assert from "node:assert/strict";
import { test } from "node:test";
import { Secret } from "@pulumi/policy";
import { commandNoSecrets, sshHostKeyPinned } from "../../policy/rules";
import { secretWire } from "../support/mock-engine";
import { FakeResource, NOT_APPLICABLE, runResourcePolicy, UNKNOWN } from "./fake-args";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";
// What policies see: the SDK marks `connection` secret, and @pulumi/policy unwraps secrets to plain values.
const connection = (extra: Record<string, unknown> = {}) => ({ host: "203.0.113.25", port: 22, user: "root", privateKey: "-----BEGIN OPENSSH PRIVATE KEY-----\nx\n-----END OPENSSH PRIVATE KEY-----", hostKey: HOST_KEY, ...extra });
const command = (props: Record<string, unknown>, name = "host-install"): FakeResource => ({ type: "command:remote:Command", name, props: { connection: connection(), ...props } });

const secretCases: [string, FakeResource, RegExp[]][] = [
  ["a plain install command (the private key in connection is expected)", command({ create: "apt-get install -y chasquid", stdin: "password=on-stdin-is-fine" }), []],
  ["--password= in create", command({ create: "chasquid-util user-add i@user.tax --password=hunter2hunter2" }), [/remote\.Command "host-install": create contains a password option or assignment.*Fix: pass it on stdin/]],
  ["PASSWORD= in update", command({ create: "true", update: "PASSWORD=x ./set.sh" }), [/update contains a password/]],
  ["a PEM private key in create", command({ create: "cat > /etc/chasquid/dkim.pem <<EOF\n-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\nEOF" }), [/create contains a private key/]],
  ["an RSA private key in delete", command({ create: "true", delete: "echo '-----BEGIN RSA PRIVATE KEY-----'" }), [/delete contains a private key/]],
  ["a bearer token", command({ create: "curl -H 'Authorization: Bearer abc123' https://api.example" }), [/create contains a bearer token/]],
  ["the secret wire sentinel in create", command({ create: secretWire("anything") }), [/create contains a secret value/]],
  ["policy's Secret wrapper in delete", command({ create: "true", delete: new Secret("rm x") }), [/delete contains a secret value/]],
  ["any environment at all", command({ create: "true", environment: { LANG: "C.UTF-8" } }), [/sets environment LANG; it travels as SSH setenv, which stock sshd rejects \(AcceptEnv LANG LC_\*\).*Fix: drop environment/]],
  ["a secret environment", command({ create: "true", environment: secretWire({ TOKEN: "t" }) }), [/sets environment \(secret\)/]],
  ["an empty environment is fine", command({ create: "true", environment: {} }), []],
  ["a create that is unknown in preview is left for `up`", command({ create: UNKNOWN }), []],
  ["two problems at once", command({ create: "x --password=p", environment: { A: "1", B: "2" } }), [/create contains a password/, /sets environment A, B/]],
];
for (const [name, resource, expected] of secretCases) {
  test(`remote-command-no-secrets: ${name}`, async () => {
    const messages = await runResourcePolicy(commandNoSecrets, resource);
    assert.ok(Array.isArray(messages));
    assert.equal(messages.length, expected.length, messages.join("\n"));
    expected.forEach((re, i) => assert.match(messages[i], re));
  });
}

test("remote-command-no-secrets: other types are not applicable", async () => {
  assert.equal(await runResourcePolicy(commandNoSecrets, { type: "command:local:Command", name: "x", props: { create: "--password=x" } }), NOT_APPLICABLE);
});

test("ssh-host-key-pinned is advisory", () => assert.equal(sshHostKeyPinned.enforcementLevel, "advisory"));

const copy = (conn: Record<string, unknown>): FakeResource => ({ type: "command:remote:CopyToRemote", name: "host-config", props: { connection: conn, remotePath: "/etc/chasquid/chasquid.conf" } });
const hostKeyCases: [string, FakeResource, RegExp | null | typeof NOT_APPLICABLE][] = [
  ["Command with hostKey", command({ create: "true" }), null],
  ["CopyToRemote with hostKey", copy(connection()), null],
  ["Command without hostKey", command({ create: "true", connection: connection({ hostKey: undefined }) }), /Command "host-install": connection to 203\.0\.113\.25 does not pin the SSH host key\. Fix: set mailstack:hosts\[\]\.sshHostKey.*ssh-keyscan -t ed25519 203\.0\.113\.25/],
  ["CopyToRemote with an empty hostKey", copy(connection({ hostKey: "" })), /CopyToRemote "host-config": connection to 203\.0\.113\.25 does not pin/],
  ["a hostKey that is not an authorized_keys line", copy(connection({ hostKey: "yes" })), /does not pin/],
  ["a proxy without hostKey", command({ connection: connection({ proxy: { host: "bastion.example" } }) }), /proxy \(jump host\) bastion\.example does not pin/],
  ["connection unknown in preview", command({ connection: UNKNOWN }), null],
  ["a DnsRecord", { type: "cloudflare:index/dnsRecord:DnsRecord", name: "x", props: {} }, NOT_APPLICABLE],
];
for (const [name, resource, expected] of hostKeyCases) {
  test(`ssh-host-key-pinned: ${name}`, async () => {
    const result = await runResourcePolicy(sshHostKeyPinned, resource);
    if (expected === NOT_APPLICABLE) assert.equal(result, NOT_APPLICABLE);
    else if (expected === null) assert.deepEqual(result, []);
    else {
      assert.ok(Array.isArray(result) && result.length === 1, String(result));
      assert.match(result[0], expected);
    }
  });
}
