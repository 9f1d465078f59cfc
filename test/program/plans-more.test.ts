// More of the plans: record values tag by tag, the DMARC report authorisations, TXT splitting at its
// edges, the chasquid files, and the host steps' parameters and stdin bundles. (Mutation testing
// showed these could break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { renderAliasesFile } from "../../plans/aliases-file";
import { dkimKeysOf, dkimRecordName, mxPriority, planDnsRecords } from "../../plans/dns";
import { renderBundle } from "../../plans/host/bundle";
import { renderChasquidConf } from "../../plans/host/chasquid-conf";
import { parseBaseReport, parsePreflight } from "../../plans/host/preflight";
import { readRemoteScript, shellQuote, stepCommand } from "../../plans/host/step-command";
import {
  baseCommand, chasquidCommand, chasquidDeleteCommand, chasquidStdin, domainCommand, domainDeleteCommand, domainStdin, HostPlanInput,
  preflightCommand, tlsCommand, tlsStdin, verifyCommand, verifyStdin,
} from "../../plans/host/steps";
import { dkimPublicKeyBase64, dkimValue, dmarcValue, spfValue } from "../../plans/mail-records";
import { TXT_STRING_MAX, txtContent, txtStrings } from "../../plans/txt";
import { renderUsersFile, SALT_BYTES } from "../../plans/users-file";
import { DEFAULT_FAIL2BAN } from "../../stacks/schema";
import type { DmarcConfig, DomainConfig, HostConfig, StackConfig } from "../../stacks/schema";

const rsaPem = generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ format: "pem", type: "spki" }).toString();
const dmarc = (over: Partial<DmarcConfig> = {}): DmarcConfig => ({ policy: "quarantine", rua: [], ruf: [], ...over });
const host = (over: Partial<HostConfig> = {}): HostConfig =>
  ({ hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", sshUser: "root", sshPort: 22, firewall: true, owner: true, ...over });
const domain = (name: string, over: Partial<DomainConfig> = {}): DomainConfig =>
  ({ name, zone: name, users: ["i"], aliases: {}, spf: { include: [], all: "~all" }, dmarc: dmarc(), dkimSelector: "mailstack", ...over });
const stack = (hosts: HostConfig[], domains: DomainConfig[], dnsTtl = 300): StackConfig =>
  ({ hosts, domains, acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, dnsTtl, allowKeyReplacement: false, reverseDns: { check: "stop" },
    fail2ban: DEFAULT_FAIL2BAN, submissionSrv: false });
/** The plan with a placeholder value for every DKIM key of the config. */
const planWithKeys = (config: StackConfig) =>
  planDnsRecords(config, Object.fromEntries(config.domains.flatMap(dkimKeysOf).map((k) => [k.recordName, "v=DKIM1; k=rsa; p=AAAA"])));

/** Decodes a `FILE <name> <base64>` bundle. */
const unbundle = (bundle: string) => Object.fromEntries(bundle.trim().split("\n").filter(Boolean).map((line) => {
  const [tag, name, b64] = line.split(" ");
  assert.equal(tag, "FILE");
  return [name!, Buffer.from(b64!, "base64").toString("utf8")];
}));
const programOf = (commandText: string) => /<<'MAILSTACK_STEP'\n([\s\S]*)\nMAILSTACK_STEP\n\)"/.exec(commandText)![1]!;
const param = (commandText: string, name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(programOf(commandText))?.[1];

describe("record values", () => {
  test("SPF: addresses in order, then includes, then the default", () => {
    assert.equal(spfValue({ ipv4: ["192.0.2.1", "192.0.2.2"], ipv6: ["2001:db8::1"] }, { include: ["_spf.google.com", "spf.example.com"], all: "-all" }),
      "v=spf1 ip4:192.0.2.1 ip4:192.0.2.2 ip6:2001:db8::1 include:_spf.google.com include:spf.example.com -all");
    assert.equal(spfValue({ ipv4: [], ipv6: [] }, { include: [], all: "~all" }), "v=spf1 ~all");
  });

  test("DMARC: p= right after v=DMARC1, then each optional tag only when set, report lists joined by commas", () => {
    assert.equal(dmarcValue(dmarc()), "v=DMARC1; p=quarantine");
    assert.equal(dmarcValue(dmarc({ policy: "reject", adkim: "s", aspf: "r", fo: "1:d", rua: ["a@x.test", "b@y.test"], ruf: ["c@x.test"] })),
      "v=DMARC1; p=reject; adkim=s; aspf=r; fo=1:d; rua=mailto:a@x.test,mailto:b@y.test; ruf=mailto:c@x.test");
    assert.equal(dmarcValue(dmarc({ policy: "none", ruf: ["c@x.test"] })), "v=DMARC1; p=none; ruf=mailto:c@x.test");
  });

  test("DKIM: the RSA key as base64 SPKI; a non-RSA key is refused", () => {
    const b64 = dkimPublicKeyBase64(rsaPem);
    assert.equal(b64, rsaPem.replace(/-----[A-Z ]+-----|\s/g, ""));
    assert.equal(dkimValue(rsaPem), `v=DKIM1; k=rsa; p=${b64}`);
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ format: "pem", type: "spki" }).toString();
    assert.throws(() => dkimValue(ec), /^Error: DKIM key must be RSA, got ec$/);
  });
});

describe("TXT strings", () => {
  test("255 bytes stay one string, 256 become two; empty and unquoted content", () => {
    assert.equal(TXT_STRING_MAX, 255);
    assert.equal(txtContent("a".repeat(255)), `"${"a".repeat(255)}"`);
    assert.equal(txtContent("a".repeat(256)), `"${"a".repeat(255)}" "a"`);
    assert.equal(txtContent("v=spf1 -all"), '"v=spf1 -all"');
    assert.deepEqual(txtStrings('"ab" "cd"'), ["ab", "cd"]);
    assert.deepEqual(txtStrings('""'), [""]);
    assert.deepEqual(txtStrings("v=spf1 -all"), ["v=spf1 -all"]);
  });

  test("quotes, backslashes and non-ASCII are refused rather than mangled", () => {
    assert.throws(() => txtContent('say "hi"'), /^Error: TXT value must not contain quotes or backslashes: say "hi"$/);
    assert.throws(() => txtContent("a\\b"), /quotes or backslashes/);
    assert.throws(() => txtContent("café"), /^Error: TXT value must be ASCII: café$/);
  });
});

describe("DNS plan", () => {
  test("a host without IPv6: no AAAA, HELO SPF without ip6:, and the stack's TTL on every record", () => {
    const records = planWithKeys(stack([host()], [domain("user.tax")], 300));
    assert.deepEqual(records.filter((r) => r.name === "mail.user.tax").map((r) => [r.key, r.type, r.content]), [
      ["a-mail.user.tax", "A", "203.0.113.25"],
      ["txt-mail.user.tax", "TXT", '"v=spf1 ip4:203.0.113.25 -all"'],
    ]);
    assert.ok(records.every((r) => r.ttl === 300 && r.proxied === false), JSON.stringify(records));
    assert.equal(records.find((r) => r.key === "txt-user.tax")!.content, '"v=spf1 ip4:203.0.113.25 ~all"');
  });

  test("MX priorities and names", () => {
    assert.deepEqual([0, 1, 2].map(mxPriority), [10, 20, 30]);
    assert.equal(dkimRecordName("s2026", "user.tax"), "s2026._domainkey.user.tax");
    const two = planWithKeys(stack([host(), host({ hostname: "mx2.user.tax", ipv4: "203.0.113.26", ipv6: "2001:db8::26" })], [domain("user.tax", { dkimSelector: "s1" })]));
    assert.deepEqual(two.filter((r) => r.type === "MX").map((r) => [r.key, r.content, r.priority]),
      [["mx-user.tax-mail.user.tax", "mail.user.tax", 10], ["mx-user.tax-mx2.user.tax", "mx2.user.tax", 20]]);
    assert.ok(two.some((r) => r.key === "txt-s1._domainkey.user.tax" && r.comment === "mailstack: DKIM"));
    assert.equal(two.find((r) => r.key === "txt-user.tax")!.content, '"v=spf1 ip4:203.0.113.25 ip4:203.0.113.26 ip6:2001:db8::26 ~all"');
  });

  test("DMARC reports to another domain of the stack are authorised there, once; reports to itself or outside are not", () => {
    const shop = domain("shop.example", { zone: "example", dmarc: dmarc({ rua: ["rua@User.Tax", "shop@shop.example", "x@gmail.com"], ruf: ["ruf@user.tax"] }) });
    const user = domain("user.tax", { dmarc: dmarc({ rua: ["rua@user.tax"] }) });
    const records = planWithKeys(stack([host()], [user, shop]));
    const auth = records.filter((r) => r.comment === "mailstack: DMARC report authorisation");
    assert.deepEqual(auth, [{
      key: "txt-shop.example._report._dmarc.user.tax", zone: "user.tax", name: "shop.example._report._dmarc.user.tax", type: "TXT",
      content: '"v=DMARC1"', ttl: 300, proxied: false, comment: "mailstack: DMARC report authorisation",
    }]);
    assert.equal(records.at(-1), auth[0], "authorisations come after every domain's records");
  });

  test("a domain in a parent zone keeps its zone on every record", () => {
    const records = planWithKeys(stack([host()], [domain("news.user.tax", { zone: "user.tax" })]));
    assert.deepEqual([...new Set(records.map((r) => r.zone))], ["user.tax"]);
    assert.deepEqual(records.filter((r) => r.name.endsWith("news.user.tax")).map((r) => r.comment),
      ["mailstack: mail host", "mailstack: SPF", "mailstack: DKIM", "mailstack: DMARC"]);
  });
});

describe("chasquid files", () => {
  test("users: the salt must be 16 bytes; users sorted; the header names the domain", () => {
    assert.equal(SALT_BYTES, 16);
    assert.throws(() => renderUsersFile("user.tax", [{ user: "i", password: "pw", salt: Buffer.alloc(15) }]), /^Error: salt of i@user\.tax must be 16 bytes$/);
    const text = renderUsersFile("shop.example", [{ user: "b", password: "x", salt: Buffer.alloc(16, 1) }, { user: "a", password: "x", salt: Buffer.alloc(16, 2) }]);
    assert.ok(text.startsWith("# chasquid users of shop.example. Managed by mailstack"));
    assert.deepEqual([...text.matchAll(/key: "(\w+)"/g)].map((m) => m[1]), ["a", "b"]);
    assert.match(text, /salt: "(\\x01){16}"/);
    assert.equal(renderUsersFile("user.tax", []), "# chasquid users of user.tax. Managed by mailstack: edit the stack config, not this file.\n");
  });

  test("aliases: sorted, catch-all last wherever it sits", () => {
    assert.equal(renderAliasesFile("user.tax", { "*": ["me@gmail.com"], zed: ["z@x.test"], amy: ["a@x.test", "b@x.test"] }),
      "# chasquid aliases of user.tax. Managed by mailstack: edit the stack config, not this file.\namy: a@x.test, b@x.test\nzed: z@x.test\n*: me@gmail.com\n");
    assert.equal(renderAliasesFile("d", { b: ["x@y.z"], "*": ["x@y.z"], a: ["x@y.z"] }).split("\n").slice(1, 4).join(","), "a: x@y.z,b: x@y.z,*: x@y.z");
  });

  test("chasquid.conf: monitoring only when a port is set", () => {
    assert.equal(renderChasquidConf({ hostname: "mail.user.tax" }),
      '# chasquid configuration. Managed by mailstack: edit the stack config, not this file.\nhostname: "mail.user.tax"\n');
    assert.equal(renderChasquidConf({ hostname: "h.x", monitoringPort: 0 }).includes("monitoring"), false);
    assert.match(renderChasquidConf({ hostname: "h.x", monitoringPort: 1099 }), /\nmonitoring_address: "127\.0\.0\.1:1099"\n$/);
  });
});

describe("host steps", () => {
  const input = (over: Partial<HostPlanInput> = {}): HostPlanInput => ({
    host: host({ ipv6: "2001:db8::25" }), acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, firewall: true, stack: "p/s",
    domains: [{ name: "user.tax", dkimSelector: "s1", aliasesFile: "i: me@gmail.com\n" }, { name: "shop.example", dkimSelector: "mailstack", aliasesFile: "" }],
    ...over,
  });

  test("base: no IPv6 is an empty parameter, the firewall yes/no, the SSH port as text", () => {
    const noV6 = input({ host: host({ sshPort: 2222 }), firewall: false });
    const b = baseCommand(noV6);
    assert.equal(param(b, "MS_IPV6"), "''");
    assert.equal(param(b, "MS_FIREWALL"), "'no'");
    assert.equal(param(b, "MS_SSH_PORT"), "'2222'");
    assert.equal(param(baseCommand(input()), "MS_IPV6"), "'2001:db8::25'");
    assert.equal(param(verifyCommand(noV6), "MS_IPV6"), "''");
    assert.equal(param(verifyCommand(input()), "MS_IPV6"), "'2001:db8::25'");
    assert.equal(param(verifyCommand(input()), "MS_HOSTNAME"), "'mail.user.tax'");
  });

  test("every step: sudo only for a non-root user, named after its script", () => {
    const asUser = input({ host: host({ sshUser: "deploy" }) });
    const steps: [string, (i: HostPlanInput) => string][] = [
      ["preflight", preflightCommand], ["base", baseCommand], ["tls", tlsCommand], ["chasquid", chasquidCommand],
      ["chasquid-remove", chasquidDeleteCommand], ["domain", (i) => domainCommand(i, i.domains[0])], ["domain-remove", (i) => domainDeleteCommand(i, "user.tax")],
      ["verify", verifyCommand],
    ];
    for (const [script, render] of steps) {
      assert.ok(render(asUser).startsWith(`sudo -n bash -c "$(cat <<'MAILSTACK_STEP'\n# mailstack step: ${script}\n`), script);
      assert.ok(render(input()).startsWith(`bash -c "$(cat <<'MAILSTACK_STEP'\n# mailstack step: ${script}\n`), script);
      assert.ok(render(input()).endsWith(`\nMAILSTACK_STEP\n)" mailstack-${script}`), script);
      assert.ok(programOf(render(input())).includes(readRemoteScript(script as "base").replace(/^#!.*\n/, "")), `${script}: its script`);
    }
    assert.equal(param(domainDeleteCommand(input(), "shop.example"), "MS_DOMAIN"), "'shop.example'");
    assert.equal(param(chasquidCommand(input()), "MS_DOMAINS"), "'user.tax shop.example'");
    assert.equal(param(verifyCommand(input()), "MS_DKIM"), "'user.tax:s1 shop.example:mailstack'");
  });

  test("step text: scripts without their shebang, parameters checked and quoted", () => {
    const text = stepCommand("domain", { MS_DOMAIN: "user.tax" });
    assert.ok(!text.includes("#!/usr/bin/env bash"), "shebangs dropped");
    assert.ok(programOf(text).startsWith("# mailstack step: domain\nMS_DOMAIN='user.tax'\n"));
    assert.equal(shellQuote("it's"), `'it'\\''s'`);
    assert.throws(() => stepCommand("domain", { DOMAIN: "x" }), /^Error: step parameter DOMAIN must look like MS_NAME$/);
    assert.throws(() => stepCommand("domain", { ms_domain: "x" }), /must look like MS_NAME/);
    assert.throws(() => stepCommand("domain", { MS_DOMAIN: "x\nMAILSTACK_STEP\nrm -rf /" }), /^Error: step parameter MS_DOMAIN contains the here-document delimiter$/);
    assert.ok(stepCommand("preflight").includes("# mailstack step: preflight\n"));
  });

  test("stdin bundles: tls adds the CA only when set; chasquid carries its config; domain carries users, aliases and its key", () => {
    assert.deepEqual(Object.keys(unbundle(tlsStdin(input()))), ["deploy-hook"]);
    const withCa = unbundle(tlsStdin(input({ acme: { email: "i@user.tax", directory: "https://acme.test/dir", caBundle: "PEM" } })));
    assert.deepEqual(withCa, { "acme-ca.pem": "PEM", "deploy-hook": readRemoteScript("certbot-deploy-hook") });
    const files = unbundle(chasquidStdin(input({ monitoringPort: 1099 })));
    assert.deepEqual(files, { "chasquid.conf": renderChasquidConf({ hostname: "mail.user.tax", monitoringPort: 1099 }) });
    assert.throws(() => domainStdin(input().domains[1]!, "USERS", ""), /^Error: no DKIM private key for shop\.example$/);
    assert.deepEqual(unbundle(domainStdin(input().domains[0]!, "USERS", "KEY1")), { aliases: "i: me@gmail.com\n", users: "USERS", "dkim.pem": "KEY1" });
    assert.equal(param(domainCommand(input(), input().domains[0]!), "MS_SELECTOR"), "'s1'");
    assert.equal(verifyStdin({ "z@user.tax": "p1", "a@user.tax": "p 2" }), "a@user.tax p 2\nz@user.tax p1\n");
    assert.equal(verifyStdin({}), "");
  });

  test("bundle names: sorted, and nothing that could escape the target folder", () => {
    assert.equal(renderBundle({ b: "2", a: "1" }), `FILE a ${Buffer.from("1").toString("base64")}\nFILE b ${Buffer.from("2").toString("base64")}\n`);
    assert.equal(renderBundle({}), "");
    for (const bad of ["/etc/passwd", "../x", "a/../../x", "a b", "a\nb", ""]) assert.throws(() => renderBundle({ [bad]: "x" }), /unsafe bundle file name/, JSON.stringify(bad));
    assert.doesNotThrow(() => renderBundle({ "dkim/user.tax/s1.pem": "x", "a_b-c:d@e": "y" }));
  });

  test("host facts: key=value lines in any order, whitespace trimmed; anything less is refused", () => {
    const key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJDWId4c0K";
    assert.deepEqual(parsePreflight(`  hostkey=${key} \nnoise\nos=debian-12\n`), { os: "debian-12", hostKey: key });
    for (const bad of ["os=debian-13\n", `hostkey=${key}\n`, "os=debian-13\nhostkey=ssh-ed25519\n", "os=debian-13\nhostkey=ecdsa-sha2-nistp256 AAAAE2\n", ""]) {
      assert.throws(() => parsePreflight(bad), /^Error: preflight printed no usable facts: /, JSON.stringify(bad));
    }
    assert.deepEqual(parseBaseReport("debian-12", "mailstack: base: 1 change(s): chasquid from trixie\n dkim=native\nchasquid=1.15.0-1+b4 \n"),
      { os: "debian-12", chasquid: "1.15.0-1+b4", dkim: "native" });
    for (const bad of ["chasquid=1.15\n", "dkim=native\n", "chasquid=1.15\ndkim=dkimpy\n", ""]) {
      assert.throws(() => parseBaseReport("debian-13", bad), /^Error: the base step reported no chasquid version: /, JSON.stringify(bad));
    }
  });
});
