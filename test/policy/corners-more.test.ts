// Corners of the policy pack that mutation testing found unpinned: DMARC and SPF syntax edges, records
// whose content is unknown in preview, SRV and MX target forms, why a rule does not apply, and what
// `known` lets through. (See README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { UnknownValueError } from "@pulumi/policy";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { dnsRecordView } from "../../policy/dns-record";
import { checkDmarc, parseDmarc } from "../../policy/dmarc-syntax";
import { known } from "../../policy/known";
import {
  commandNoSecrets, dkimKeyStrength, dmarcForSendingDomains, mailHostNotProxied, spfRecordValid, sshHostKeyPinned, txtStringLength,
} from "../../policy/rules";
import { secretIn } from "../../policy/command-secrets";
import { checkSpf, parseSpf } from "../../policy/spf-syntax";
import { mxTargets, stackDnsRecords } from "../../policy/stack-records";
import { FakeResource, record, resourceArgs, runResourcePolicy, runStackPolicy, txt, UNKNOWN, urnOf } from "./fake-args";

const HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl";

/** Why a resource rule says it does not apply to `r` (undefined when it applies). */
function notApplicableReason(policy: ResourceValidationPolicy, r: FakeResource): string | undefined {
  const args = { ...resourceArgs(r), notApplicable: (reason?: string): never => { throw Object.assign(new Error("n/a"), { reason }); } };
  try {
    for (const validate of [policy.validateResource ?? []].flat()) validate(args, () => {});
  } catch (e) {
    return (e as { reason?: string }).reason;
  }
  return undefined;
}

describe("DMARC syntax corners", () => {
  const errors = (t: string) => parseDmarc(t).errors;
  test("tags: a name of letters at the start of the part, spaces around '=', one line", () => {
    assert.deepEqual(errors("v=DMARC1; p=none; 1x=y"), ["not a tag: 1x=y"]);
    assert.deepEqual(errors("v=DMARC1; p =none; sp= reject"), []);
    assert.deepEqual(errors("v=DMARC1; p=none; rua=mailto:a@x.test\nfo=1"), ["not a tag: rua=mailto:a@x.test\nfo=1"]);
    assert.deepEqual(errors("x=DMARC1; p=none"), ['must start with "v=DMARC1", starts with "x=DMARC1"']);
  });

  test("pct= is plain digits only", () => {
    for (const pct of ["1e2", "+50", "5x", "x5"]) assert.deepEqual(errors(`v=DMARC1; p=none; pct=${pct}`), [`pct=${pct} is not 0..100`], pct);
  });

  test("report URIs: mailto: at the start, one address, a size limit only as !<digits>[kmgt] at the end", () => {
    assert.deepEqual(errors("v=DMARC1; p=none; rua=mailto:a@x.test, mailto:b@y.test!10m"), []);
    for (const bad of ["xmailto:a@x.test", "mailto:a@x.test@y.test", "mailto:a@!10m", "mailto:a@!10"]) {
      assert.deepEqual(errors(`v=DMARC1; p=none; rua=${bad}`), [`rua: not a mailto: URI: ${bad}`], bad);
    }
  });

  test("our records: p= is the second tag (empty parts skipped), and a missing p= is reported once", () => {
    assert.deepEqual(checkDmarc("v=DMARC1; ; p=reject"), []);
    assert.deepEqual(checkDmarc("v=DMARC1; p = reject"), []);
    assert.deepEqual(checkDmarc("v=DMARC1; sp=none; p=reject"), ["p= must directly follow v=DMARC1 (RFC 7489 §6.4)"]);
    assert.deepEqual(checkDmarc("v=DMARC1; rua=mailto:a@x.test"), ['has no p= tag; add "p=quarantine" (or none/reject)']);
  });
});

describe("SPF syntax corners", () => {
  test("surrounding and repeated spaces separate terms, nothing more", () => {
    assert.deepEqual(parseSpf("  v=spf1  ip4:192.0.2.1   -all "), {
      terms: [{ qualifier: "+", mechanism: "ip4", value: "192.0.2.1" }, { qualifier: "-", mechanism: "all" }], modifiers: {}, errors: [],
    });
    assert.deepEqual(checkSpf("v=spf1 -all ").problems, []);
  });

  test("modifiers and mechanisms start at the start of the term", () => {
    assert.deepEqual(parseSpf("v=spf1 1redirect=a.example -all").errors, ['unknown term: "1redirect=a.example" is not an SPF term']);
    assert.deepEqual(parseSpf("v=spf1 !a -all").errors, ['unknown term: "!a" is not an SPF term']);
    assert.deepEqual(parseSpf("v=spf1 a/x/24 -all").errors, ['"a/x/24": bad prefix length']);
    assert.deepEqual(parseSpf("v=spf1 foo=a@b -all").errors, [], "unknown modifiers are not checked as domains");
  });

  test("all is found as a whole term, with or without its qualifier", () => {
    assert.deepEqual(checkSpf("v=spf1 a:small -all").problems, []);
    assert.deepEqual(checkSpf("v=spf1 allx -all").problems, ['unknown term: "allx" (unknown mechanism)']);
    assert.deepEqual(checkSpf("v=spf1 all -all").problems, ['"all": terms after all are never evaluated']);
  });
});

describe("secret patterns: the spellings people write", () => {
  test("spaces around '=' and after 'Authorization:', names with or without a separator", () => {
    for (const text of ["password = x", "Authorization:Bearer abc", "Authorization: Bearer  abc", "APITOKEN=x", "apikey=x", "secretkey=x", "api-token = x"]) {
      assert.notEqual(secretIn(text), undefined, text);
    }
  });
});

describe("SPF names and prefixes", () => {
  test("a domain of 254 characters is too long; a prefix is one slash and digits", () => {
    const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(59)}.com`;
    assert.equal(long.length, 255);
    assert.deepEqual(parseSpf(`v=spf1 include:${long} -all`).errors, [`"include:${long}": include needs a domain: include:${long}`]);
    assert.deepEqual(parseSpf("v=spf1 ip4:192.0.2.1//24 -all").errors, ['"ip4:192.0.2.1//24": bad ip4: bad IPv4 prefix length']);
    assert.deepEqual(parseSpf("v=spf1 ip6:2001:db8:://64 -all").errors, ['"ip6:2001:db8:://64": bad ip6: bad IPv6 prefix length']);
  });
});

describe("records the rules see", () => {
  test("only SRV records have an SRV target, written with spaces and a final dot or not; an SRV without data has none", () => {
    assert.deepEqual(dnsRecordView({ name: "_submissions._tcp.user.tax", type: "SRV", data: { target: " Mail.User.Tax. " } }).srvTarget, "mail.user.tax");
    assert.equal("srvTarget" in dnsRecordView({ name: "x.user.tax", type: "MX", content: "mail.user.tax", data: { target: "mail.user.tax" } }), false);
    assert.equal("srvTarget" in dnsRecordView({ name: "_submission._tcp.user.tax", type: "SRV" }), false);
  });

  test("MX targets come from MX records only, trimmed", () => {
    const views = stackDnsRecords([record("MX", "user.tax", " Mail.User.Tax.", { priority: 10 }), record("A", "www.user.tax", "203.0.113.80")]
      .map((r) => ({ ...r, urn: urnOf(r) })) as never);
    assert.deepEqual([...mxTargets(views)], ["mail.user.tax"]);
  });

  test("known(): an unknown value is undefined; any other error is thrown", () => {
    assert.equal(known(() => { throw new UnknownValueError(UNKNOWN, ["content"]); }), undefined);
    assert.throws(() => known(() => { throw new TypeError("a bug in a rule"); }), /^TypeError: a bug in a rule$/);
    assert.equal(known(() => 5), 5);
  });
});

describe("rule corners", () => {
  test("each resource rule says why it does not apply", () => {
    const other: FakeResource = { type: "random:index/randomPassword:RandomPassword", name: "x", props: {} };
    assert.equal(notApplicableReason(commandNoSecrets, other), "only applies to command:remote:Command");
    assert.equal(notApplicableReason(dkimKeyStrength, other), "only applies to tls:index/privateKey:PrivateKey");
    assert.equal(notApplicableReason(dkimKeyStrength, { type: "tls:index/privateKey:PrivateKey", name: "acme-account", props: { algorithm: "RSA" } }),
      "not a DKIM key (outside DkimKey, name without dkim- prefix)");
    assert.equal(notApplicableReason(spfRecordValid, other), "only applies to cloudflare:index/dnsRecord:DnsRecord");
    assert.equal(notApplicableReason(txtStringLength, other), "only applies to cloudflare:index/dnsRecord:DnsRecord");
    assert.equal(notApplicableReason(sshHostKeyPinned, other), "only applies to command:remote resources");
  });

  test("dkim-key-strength: a key inside DkimKey is a DKIM key whatever its name; one inside another component is not", () => {
    const key = (parentType: string, name: string): FakeResource => ({ type: "tls:index/privateKey:PrivateKey", name, parentType, props: { algorithm: "RSA", rsaBits: 1024 } });
    assert.equal(notApplicableReason(dkimKeyStrength, key("mailstack:index:DkimKey", "k")), undefined);
    assert.equal(notApplicableReason(dkimKeyStrength, key("mailstack:index:MailHost", "acme-account")), "not a DKIM key (outside DkimKey, name without dkim- prefix)");
  });

  test("remote-command-no-secrets: a null environment is no environment", async () => {
    assert.deepEqual(await runResourcePolicy(commandNoSecrets, { type: "command:remote:Command", name: "step", props: { create: "true", environment: null } }), []);
  });

  test("ssh-host-key-pinned: a key line with two spaces is not a pinned key; a proxy without a host is named '?'", async () => {
    const ssh = (connection: unknown): FakeResource => ({ type: "command:remote:Command", name: "step", props: { connection } });
    assert.equal((await runResourcePolicy(sshHostKeyPinned, ssh({ host: "h", hostKey: "ssh-ed25519  AAAAC3Nz host" }))).length, 1);
    assert.deepEqual(await runResourcePolicy(sshHostKeyPinned, ssh({ host: "h", hostKey: HOST_KEY, proxy: {} })),
      ['Command "step": proxy (jump host) ? does not pin its SSH host key. Fix: set connection.proxy.hostKey.']);
  });

  test("txt-string-max-255-bytes looks at TXT records only", async () => {
    assert.deepEqual(await runResourcePolicy(txtStringLength, record("CNAME", "x.user.tax", `${"a".repeat(300)}.example`)), []);
  });

  test("mail-host-not-proxied: a proxied AAAA is a mail host address too", async () => {
    const aaaa = record("AAAA", "www.user.tax", "2001:db8::80", { proxied: true });
    assert.deepEqual(await runStackPolicy(mailHostNotProxied, [aaaa]), [
      `DnsRecord "dns-aaaa-www.user.tax" (AAAA www.user.tax) is proxied, but www.user.tax is a mail host address: SMTP cannot pass Cloudflare's proxy. Fix: set proxied: false. [${urnOf(aaaa)}]`,
    ]);
  });

  test("dmarc-for-sending-domains: a DKIM key is a TXT record; records of unknown content count only as the _dmarc TXT they are", async () => {
    // A CNAME at _domainkey points the key elsewhere: this stack publishes no key for the domain.
    assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, [record("CNAME", "s._domainkey.a.example", "s.dkim.provider.example")]), []);
    const unknown = (type: string, name: string) => { const r = record(type, name, UNKNOWN); r.props.content = undefined; return r; };
    const sending = [txt("s._domainkey.a.example", "v=DKIM1; p=AAAA")];
    const missing = ['Sending domain a.example has no DMARC record. Fix: publish a TXT at _dmarc.a.example, e.g. "v=DMARC1; p=quarantine" (mailstack:domains[].dmarc).'];
    assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, [...sending, unknown("TXT", "_dmarc.b.example")]), missing);
    assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, [...sending, unknown("CNAME", "_dmarc.a.example")]), missing);
    assert.deepEqual(await runStackPolicy(dmarcForSendingDomains, [...sending, unknown("TXT", "_dmarc.a.example")]), []);
  });
});
