// More of the policy pack: the exact messages users read, and the branches the rule tables skip
// (SPF and DMARC syntax corners, record views, proxied and CNAME rules, SSH proxies, environment).
// (Mutation testing showed these could break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Secret } from "@pulumi/policy";
import { isSecretMarker, secretIn, SECRET_PATTERNS } from "../../policy/command-secrets";
import { dnsRecordView, isDmarc, isSpf, normaliseName, txtStrings, txtValue } from "../../policy/dns-record";
import { checkDmarc, isDmarc as isDmarcText, parseDmarc } from "../../policy/dmarc-syntax";
import {
  commandNoSecrets, dkimKeyStrength, dmarcForSendingDomains, mailHostNotProxied, mxTargetNotCname, oneSpfPerName, spfRecordValid, sshHostKeyPinned,
  txtStringLength,
} from "../../policy/rules";
import { checkSpf, isSpf as isSpfText, LOOKUP_MECHANISMS, MAX_SPF_LOOKUPS, parseSpf } from "../../policy/spf-syntax";
import { describeRecord, mxTargets, stackDnsRecords } from "../../policy/stack-records";
import { secretWire } from "../support/mock-engine";
import { FakeResource, NOT_APPLICABLE, record, runResourcePolicy, runStackPolicy, txt, UNKNOWN, urnOf } from "./fake-args";
import { goodMailStack } from "./mail-stack-fixture";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

describe("SPF syntax", () => {
  test("parsed terms: qualifiers (default +), values, modifiers", () => {
    assert.deepEqual(parseSpf("v=spf1 ip4:192.0.2.0/24 -a:Mail.Example.com ~mx ?include:_spf.example.com redirect=x.example EXP=why.example -ALL"), {
      terms: [
        { qualifier: "+", mechanism: "ip4", value: "192.0.2.0" },
        { qualifier: "-", mechanism: "a", value: "Mail.Example.com" },
        { qualifier: "~", mechanism: "mx" },
        { qualifier: "?", mechanism: "include", value: "_spf.example.com" },
        { qualifier: "-", mechanism: "all" },
      ],
      modifiers: { redirect: "x.example", exp: "why.example" },
      errors: [],
    });
    assert.deepEqual(parseSpf("spf1 -all").errors, ['must start with "v=spf1", starts with "spf1"']);
    assert.deepEqual(parseSpf("").errors, ['must start with "v=spf1", starts with ""']);
    assert.ok(isSpfText("  v=spf1") && isSpfText("V=SPF1 -all") && !isSpfText("v=spf10 -all") && !isSpfText("x v=spf1"));
  });

  test("each malformed term has its own message", () => {
    const errors = (word: string) => parseSpf(`v=spf1 ${word} -all`).errors;
    assert.deepEqual(errors("all:x"), ['"all:x": all takes no argument: all:x']);
    assert.deepEqual(errors("all/24"), ['"all/24": all takes no argument: all/24']);
    assert.deepEqual(errors("include:a.example/24"), ['"include:a.example/24": include needs a domain: include:a.example/24']);
    assert.deepEqual(errors("exists:"), ['"exists:": exists needs a domain: exists:']);
    assert.deepEqual(errors("include:a@b.example"), ['"include:a@b.example": include needs a domain: include:a@b.example']);
    assert.deepEqual(errors("a:a@b.example"), ['"a:a@b.example": bad domain in a:a@b.example']);
    assert.deepEqual(errors("mx/24x"), ['"mx/24x": bad prefix length']);
    assert.deepEqual(errors("a//"), ['"a//": bad prefix length']);
    assert.deepEqual(errors("a/24//64"), []);
    assert.deepEqual(errors("a//64"), []);
    assert.deepEqual(errors("ptr:a@x"), ['"ptr:a@x": bad domain in ptr:a@x']);
    assert.deepEqual(errors("ptr:example.com"), []);
    assert.deepEqual(errors("ip4"), ['"ip4": bad ip4: not an IPv4 address']);
    assert.deepEqual(errors("ip4:192.0.2.1/32"), []);
    assert.deepEqual(errors("ip4:192.0.2.1/0"), []);
    assert.deepEqual(errors("ip6:2001:db8::/129"), ['"ip6:2001:db8::/129": bad ip6: bad IPv6 prefix length']);
    assert.deepEqual(errors("ip6:2001:db8::/128"), []);
    assert.deepEqual(errors("ip6:2001:db8::/64"), []);
    assert.deepEqual(errors("ip6:2001:db8::/9"), []);
    assert.deepEqual(errors("ip6:2001:db8::/100"), []);
    assert.deepEqual(errors("ip6:2001:db8::/130"), ['"ip6:2001:db8::/130": bad ip6: bad IPv6 prefix length']);
    assert.deepEqual(errors("ip6:192.0.2.1"), ['"ip6:192.0.2.1": bad ip6: not an IPv6 address']);
    assert.deepEqual(errors("ip4:192.0.2.1/33"), ['"ip4:192.0.2.1/33": bad ip4: bad IPv4 prefix length']);
    assert.deepEqual(errors("ip4:192.0.2.1/19"), []);
    assert.deepEqual(errors("ip4:192.0.2.1/29"), []);
    assert.deepEqual(errors("+"), ['unknown term: "+" is not an SPF term']);
    assert.deepEqual(errors("foo:bar"), ['unknown term: "foo:bar" (unknown mechanism)']);
    assert.deepEqual(errors("redirect=a@x"), ['bad redirect domain: "redirect=a@x" is not a domain']);
    assert.deepEqual(parseSpf("v=spf1 redirect=a.example redirect=b.example").errors, ["redirect= appears twice"]);
    assert.deepEqual(parseSpf("v=spf1 exp=a.example exp=b.example -all").errors, ["exp= appears twice"]);
    assert.deepEqual(errors("x-custom=anything"), [], "unknown modifiers parse (checkSpf refuses them)");
    assert.deepEqual(errors("exists:%{i}._spf.example.com"), []);
  });

  test("our records: lookups counted (redirect too), unknown modifiers and early all refused, the ending named", () => {
    assert.equal(MAX_SPF_LOOKUPS, 10);
    assert.deepEqual([...LOOKUP_MECHANISMS].sort(), ["a", "exists", "include", "mx", "ptr"]);
    assert.deepEqual(checkSpf("v=spf1 a mx ptr exists:x.example include:y.example redirect=z.example"), {
      problems: ['must end with "~all" (soft fail) or "-all" (fail), ends with "redirect=z.example"'], lookups: 6,
    });
    assert.deepEqual(checkSpf("v=spf1").problems, ['must end with "~all" (soft fail) or "-all" (fail), ends with "v=spf1"']);
    assert.deepEqual(checkSpf("v=spf1 ip4:192.0.2.1 -ALL").problems, []);
    assert.deepEqual(checkSpf("v=spf1 ~all -all").problems, ['"~all": terms after all are never evaluated']);
    assert.deepEqual(checkSpf("v=spf1 x=1 -all").problems, ['unknown modifier "x=1" (only redirect= and exp=)']);
    const eleven = `v=spf1 ${Array.from({ length: 10 }, (_, i) => `include:s${i}.example`).join(" ")} redirect=r.example -all`;
    assert.deepEqual(checkSpf(eleven), { problems: ["11 DNS lookups, at most 10 are allowed (include/a/mx/ptr/exists/redirect each cost one)"], lookups: 11 });
    assert.equal(checkSpf("v=spf1 ip4:192.0.2.1 ip6:2001:db8::1 -all").lookups, 0);
  });
});

describe("DMARC syntax", () => {
  test("tags, and each problem with its message", () => {
    assert.deepEqual(parseDmarc("v=DMARC1; P=Reject; rua=mailto:a@x.test,mailto:b@y.test!10m; pct=100; sp=none; adkim=S"), {
      tags: { v: "DMARC1", p: "Reject", rua: "mailto:a@x.test,mailto:b@y.test!10m", pct: "100", sp: "none", adkim: "S" }, errors: [],
    });
    const errors = (t: string) => parseDmarc(t).errors;
    assert.deepEqual(errors(""), ["empty", 'has no p= tag; add "p=quarantine" (or none/reject)']);
    assert.deepEqual(errors("v=DMARC1"), ['has no p= tag; add "p=quarantine" (or none/reject)']);
    assert.deepEqual(errors("v=DMARC1; p=quarantine; junk"), ["not a tag: junk"]);
    assert.deepEqual(errors("p=reject; v=DMARC1"), ['must start with "v=DMARC1", starts with "p=reject"']);
    assert.deepEqual(errors("v=DMARC2; p=reject"), ['must start with "v=DMARC1", starts with "v=DMARC2"']);
    assert.deepEqual(errors("v=DMARC1; p=reject; p=none"), ["p= appears twice"]);
    assert.deepEqual(errors("v=DMARC1; p=maybe"), ["p=maybe is not one of none|quarantine|reject"]);
    assert.deepEqual(errors("v=DMARC1; p=none; sp=maybe"), ["sp=maybe is not one of none|quarantine|reject"]);
    assert.deepEqual(errors("v=DMARC1; p=none; adkim=x; aspf=rs"), ["adkim=x is not r or s", "aspf=rs is not r or s"]);
    assert.deepEqual(errors("v=DMARC1; p=none; pct=101"), ["pct=101 is not 0..100"]);
    assert.deepEqual(errors("v=DMARC1; p=none; pct=x"), ["pct=x is not 0..100"]);
    assert.deepEqual(errors("v=DMARC1; p=none; pct=0"), []);
    assert.deepEqual(errors("v=DMARC1; p=none; rua=a@x.test; ruf=mailto:b@y.test, mailto:c"), ["rua: not a mailto: URI: a@x.test", "ruf: not a mailto: URI: mailto:c"]);
    assert.ok(isDmarcText(" v = DMARC1 ; p=none") && isDmarcText("v=DMARC1") && !isDmarcText("v=DMARC10; p=none") && !isDmarcText("x; v=DMARC1"));
  });

  test("our records: p= must come right after v=DMARC1", () => {
    assert.deepEqual(checkDmarc("v=DMARC1; rua=mailto:a@x.test; p=reject"), ["p= must directly follow v=DMARC1 (RFC 7489 §6.4)"]);
    assert.deepEqual(checkDmarc("v=DMARC1;p=reject"), []);
    assert.deepEqual(checkDmarc("v=DMARC1; p=maybe; fo=1"), ["p=maybe is not one of none|quarantine|reject"], "a bad p= is reported once");
  });
});

describe("record views", () => {
  test("names normalised, types upper case, content only when text, proxied only when true", () => {
    assert.equal(normaliseName("Mail.User.Tax."), "mail.user.tax");
    assert.deepEqual(dnsRecordView({ name: "User.Tax.", type: "txt", content: '"v=spf1 -all"', proxied: "true" }),
      { name: "user.tax", type: "TXT", content: '"v=spf1 -all"', proxied: false });
    assert.deepEqual(dnsRecordView({ content: 5, proxied: true }), { name: "", type: "", content: undefined, proxied: true });
    assert.deepEqual(txtStrings('"a\\"b" "c"'), ['a\\"b', "c"]);
    assert.deepEqual(txtStrings("plain"), ["plain"]);
    assert.equal(txtValue('"v=spf1 " "-all"'), "v=spf1 -all");
    const view = (type: string, content: string | undefined) => ({ name: "x", type, content, proxied: false });
    assert.ok(isSpf(view("TXT", '"v=spf1 -all"')) && !isSpf(view("SPF", '"v=spf1 -all"')) && !isSpf(view("TXT", undefined)));
    assert.ok(isDmarc(view("TXT", '"v=DMARC1; p=none"')) && !isDmarc(view("CNAME", "v=DMARC1")) && !isDmarc(view("TXT", undefined)));
  });

  test("stack records carry resource name and URN; MX targets normalised; unknown MX content skipped", () => {
    const mx = record("MX", "user.tax", "Mail.User.Tax.", { priority: 10 });
    const unknown = record("MX", "user.tax", UNKNOWN, { priority: 20 });
    unknown.props.content = undefined;
    const asPolicy = (r: FakeResource) => ({ ...r, urn: urnOf(r) });
    const views = stackDnsRecords([mx, unknown, { type: "tls:index/privateKey:PrivateKey", name: "k", props: {} }].map(asPolicy) as never);
    assert.equal(views.length, 2);
    assert.equal(views[0]!.resource, mx.name);
    assert.equal(views[0]!.urn, urnOf(mx));
    assert.deepEqual([...mxTargets(views)], ["mail.user.tax"]);
    assert.equal(describeRecord({ resource: "dns-mx", type: "MX", name: "user.tax" }), 'DnsRecord "dns-mx" (MX user.tax)');
  });
});

describe("mail host rules", () => {
  test("a proxied record at an MX target, or any proxied A/AAAA, is named with the reason", async () => {
    const stack = goodMailStack();
    stack.push(record("TXT", "mail.user.tax", '"x"', { proxied: true }), record("A", "www.user.tax", "203.0.113.80", { proxied: true }),
      record("CNAME", "blog.user.tax", "example.net", { proxied: true }));
    const messages = await runStackPolicy(mailHostNotProxied, stack);
    assert.deepEqual(messages.map((m) => m.replace(/ \[.*\]$/, "")), [
      `DnsRecord "dns-txt-mail.user.tax" (TXT mail.user.tax) is proxied, but mail.user.tax is an MX target: SMTP cannot pass Cloudflare's proxy. Fix: set proxied: false.`,
      `DnsRecord "dns-a-www.user.tax" (A www.user.tax) is proxied, but www.user.tax is a mail host address: SMTP cannot pass Cloudflare's proxy. Fix: set proxied: false.`,
    ]);
    assert.ok(messages[0]!.endsWith(`[${urnOf(stack.at(-3)!)}]`), messages[0]);
  });

  test("a CNAME at an MX target names the record and the fix", async () => {
    const stack = goodMailStack().filter((r) => r.props.name !== "mail.user.tax");
    const cname = record("CNAME", "mail.user.tax", "vps.example.net");
    const messages = await runStackPolicy(mxTargetNotCname, [...stack, cname]);
    assert.deepEqual(messages, [`DnsRecord "dns-cname-mail.user.tax" (CNAME mail.user.tax) is a CNAME at an MX target (RFC 2181 §10.3 forbids it). Fix: publish A/AAAA records for mail.user.tax instead, or point the MX at the canonical name. [${urnOf(cname)}]`]);
  });
});

describe("SPF and DMARC rules", () => {
  test("spf-record-valid: one violation per problem; not applicable to other types", async () => {
    const messages = await runResourcePolicy(spfRecordValid, txt("user.tax", "v=spf1 foo=1 +all"));
    assert.deepEqual(messages, [
      'DnsRecord "dns-txt-user.tax" (TXT user.tax): SPF unknown modifier "foo=1" (only redirect= and exp=). Fix: correct mailstack:domains[].spf (include, all) or the record content.',
      'DnsRecord "dns-txt-user.tax" (TXT user.tax): SPF must end with "~all" (soft fail) or "-all" (fail), ends with "+all". Fix: correct mailstack:domains[].spf (include, all) or the record content.',
    ]);
    assert.equal(await runResourcePolicy(spfRecordValid, { type: "random:index/randomPassword:RandomPassword", name: "x", props: {} }), NOT_APPLICABLE);
  });

  test("one-spf-per-name: the message counts and names every record at that name", async () => {
    const a = txt("user.tax", "v=spf1 -all");
    const b = { ...txt("user.tax", "v=spf1 ~all"), name: "dns-txt-user.tax-2" };
    const messages = await runStackPolicy(oneSpfPerName, [a, b, txt("mail.user.tax", "v=spf1 -all")]);
    assert.deepEqual(messages, [
      `DnsRecord "dns-txt-user.tax" (TXT user.tax) is one of 2 SPF records at user.tax (dns-txt-user.tax, dns-txt-user.tax-2); receivers then fail SPF (permerror). Fix: merge them into one v=spf1 record. [${urnOf(a)}]`,
      `DnsRecord "dns-txt-user.tax-2" (TXT user.tax) is one of 2 SPF records at user.tax (dns-txt-user.tax, dns-txt-user.tax-2); receivers then fail SPF (permerror). Fix: merge them into one v=spf1 record. [${urnOf(b)}]`,
    ]);
  });

  test("dmarc-for-sending-domains: exact messages, domains in order, a non-TXT _dmarc does not count", async () => {
    const stack = [
      record("MX", "b.example", "mail.user.tax", { priority: 10 }), txt("b.example", "v=spf1 -all"),
      record("TXT", "s._domainkey.a.example", '"v=DKIM1; p=AAAA"'),
      record("CNAME", "_dmarc.a.example", "dmarc.elsewhere.example"),
    ];
    assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, stack), [
      'Sending domain a.example has no DMARC record. Fix: publish a TXT at _dmarc.a.example, e.g. "v=DMARC1; p=quarantine" (mailstack:domains[].dmarc).',
      'Sending domain b.example has no DMARC record. Fix: publish a TXT at _dmarc.b.example, e.g. "v=DMARC1; p=quarantine" (mailstack:domains[].dmarc).',
    ]);
    const two = [...goodMailStack(), { ...txt("_dmarc.user.tax", "v=DMARC1; p=reject"), name: "dns-dmarc-2" }];
    const messages = await runStackPolicy(dmarcForSendingDomains, two);
    assert.equal(messages.length, 2);
    assert.match(messages[0]!, /^DnsRecord "dns-txt-_dmarc\.user\.tax" \(TXT _dmarc\.user\.tax\) is one of 2 DMARC records for user\.tax; receivers then ignore DMARC\. Fix: keep one\. \[urn:/);
    const bad = [...goodMailStack().filter((r) => r.props.name !== "_dmarc.user.tax"), txt("_dmarc.user.tax", "v=DMARC1; rua=mailto:a@user.tax; p=reject")];
    assert.deepEqual((await runStackPolicy(dmarcForSendingDomains, bad)).map((m) => m.replace(/ \[.*\]$/, "")),
      ['DnsRecord "dns-txt-_dmarc.user.tax" (TXT _dmarc.user.tax): DMARC p= must directly follow v=DMARC1 (RFC 7489 §6.4). Fix: mailstack:domains[].dmarc.policy = none | quarantine | reject.']);
    const spfOnly = [txt("user.tax", "v=spf1 -all"), txt("_dmarc.other.example", "v=DMARC1; p=none")];
    assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, spfOnly), []);
  });
});

describe("key, TXT, command and SSH rules", () => {
  const KEY = "tls:index/privateKey:PrivateKey";
  test("dkim-key-strength: the exact message; 2047 bits refused, 2048 and bits as text accepted; no algorithm", async () => {
    const key = (props: Record<string, unknown>) => runResourcePolicy(dkimKeyStrength, { type: KEY, name: "dkim-x-key", props });
    assert.deepEqual(await key({ algorithm: "RSA", rsaBits: 2047 }), ['tls.PrivateKey "dkim-x-key" is a DKIM key with RSA 2047 bits. Fix: algorithm "RSA" with rsaBits >= 2048 (or "ED25519").']);
    assert.deepEqual(await key({ algorithm: "RSA", rsaBits: "4096" }), []);
    assert.deepEqual(await key({}), ['tls.PrivateKey "dkim-x-key" is a DKIM key with algorithm (none). Fix: algorithm "RSA" with rsaBits >= 2048 (or "ED25519").']);
  });

  test("txt-string-max-255-bytes: the exact message, a second long string counted separately", async () => {
    const messages = await runResourcePolicy(txtStringLength, record("TXT", "x.user.tax", `"${"a".repeat(256)}" "${"b".repeat(300)}"`));
    assert.deepEqual(messages, [
      'DnsRecord "dns-txt-x.user.tax" (TXT x.user.tax): string 1 is 256 bytes (max 255). Fix: split the value into quoted strings of at most 255 bytes ("…" "…"), e.g. with plans/txt.ts txtContent.',
      'DnsRecord "dns-txt-x.user.tax" (TXT x.user.tax): string 2 is 300 bytes (max 255). Fix: split the value into quoted strings of at most 255 bytes ("…" "…"), e.g. with plans/txt.ts txtContent.',
    ]);
    assert.equal(await runResourcePolicy(txtStringLength, { type: KEY, name: "k", props: {} }), NOT_APPLICABLE);
  });

  test("secrets: each pattern, the wire marker, policy's Secret; other values are not secrets", () => {
    assert.deepEqual(SECRET_PATTERNS.map((p) => p.what), ["a password option or assignment", "a private key", "a bearer token", "an API token assignment"]);
    assert.equal(secretIn("--passwd=x"), "a password option or assignment");
    assert.equal(secretIn("password: x"), "a password option or assignment");
    assert.equal(secretIn("-----BEGIN EC PRIVATE KEY-----"), "a private key");
    assert.equal(secretIn("authorization: bearer abc"), "a bearer token");
    assert.equal(secretIn("API_TOKEN=abc"), "an API token assignment");
    assert.equal(secretIn("api-key = abc"), "an API token assignment");
    assert.equal(secretIn("SECRET_KEY=abc"), "an API token assignment");
    assert.equal(secretIn("apt-get install -y chasquid"), undefined);
    assert.equal(secretIn("my_api_token_file"), undefined);
    assert.equal(secretIn(42), undefined);
    assert.equal(secretIn(secretWire("x")), "a secret value");
    assert.equal(secretIn(new Secret("x")), "a secret value");
    assert.ok(!isSecretMarker(null) && !isSecretMarker("x") && !isSecretMarker({ value: "x" }));
  });

  test("remote-command-no-secrets: environment names listed, a secret environment, an empty one is fine", async () => {
    const cmd = (props: Record<string, unknown>): FakeResource => ({ type: "command:remote:Command", name: "step", props: { create: "true", ...props } });
    assert.deepEqual(await runResourcePolicy(commandNoSecrets, cmd({ environment: { A: "1", B: "2" } })),
      ['remote.Command "step": sets environment A, B; it travels as SSH setenv, which stock sshd rejects (AcceptEnv LANG LC_*), and is no place for secrets. Fix: drop environment; put values in stdin, or plain settings as VAR=value in the command.']);
    assert.match(String(await runResourcePolicy(commandNoSecrets, cmd({ environment: secretWire({ A: "1" }) }))), /sets environment \(secret\);/);
    assert.deepEqual(await runResourcePolicy(commandNoSecrets, cmd({ environment: {} })), []);
    assert.deepEqual(await runResourcePolicy(commandNoSecrets, cmd({ create: "echo 'password=x'", delete: "API_KEY=y rm" })), [
      'remote.Command "step": create contains a password option or assignment; the command text is shown in logs and in the provider\'s error message. Fix: pass it on stdin (e.g. `cmd --password-stdin` with stdin: secret).',
      'remote.Command "step": delete contains an API token assignment; the command text is shown in logs and in the provider\'s error message. Fix: pass it on stdin (e.g. `cmd --password-stdin` with stdin: secret).',
    ]);
  });

  test("ssh-host-key-pinned: the exact message, CopyToRemote too, a proxy without its key, a key line without a key", async () => {
    const ssh = (type: string, connection: unknown): FakeResource => ({ type, name: "step", props: { connection } });
    assert.deepEqual(await runResourcePolicy(sshHostKeyPinned, ssh("command:remote:CopyToRemote", { host: "203.0.113.25" })),
      ['CopyToRemote "step": connection to 203.0.113.25 does not pin the SSH host key. Fix: set mailstack:hosts[].sshHostKey to the output of `ssh-keyscan -t ed25519 203.0.113.25` (connection.hostKey).']);
    assert.equal((await runResourcePolicy(sshHostKeyPinned, ssh("command:remote:CopyFile", { host: "h", hostKey: "ssh-ed25519" }))).length, 1);
    assert.deepEqual(await runResourcePolicy(sshHostKeyPinned, ssh("command:remote:Command", { host: "h", hostKey: `  ${HOST_KEY}  ` })), []);
    assert.deepEqual(await runResourcePolicy(sshHostKeyPinned, ssh("command:remote:Command", { host: "h", hostKey: HOST_KEY, proxy: { host: "jump.example" } })),
      ['Command "step": proxy (jump host) jump.example does not pin its SSH host key. Fix: set connection.proxy.hostKey.']);
    assert.deepEqual(await runResourcePolicy(sshHostKeyPinned, ssh("command:remote:Command", { host: "h", hostKey: HOST_KEY, proxy: { host: "j", hostKey: HOST_KEY } })), []);
    assert.match(String(await runResourcePolicy(sshHostKeyPinned, ssh("command:remote:Command", {}))), /connection to \? does not pin/);
    assert.equal(await runResourcePolicy(sshHostKeyPinned, ssh("tls:index/privateKey:PrivateKey", {})), NOT_APPLICABLE);
  });
});
