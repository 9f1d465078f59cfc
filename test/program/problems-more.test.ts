// Every problem the config validator reports, as the person running `pulumi up` reads it: the key,
// what is wrong, and the fix, exactly. The other validator tests pin the keys and most messages; these
// pin the fix texts too (a fix emptied or swapped would leave a user with no way forward), for the
// options added later (Ed25519, rotation, Contabo, reverse DNS, fail2ban) as much as for hosts and
// domains. (Mutation testing showed these could break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { validateStackConfig } from "../../stacks/validate";
import { problemsOf, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml") as any;
const SECRET_CONTABO = { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["mailstack:contabo"]) };
const problems = (edit: (c: any) => void, env: Record<string, string> = {}) => {
  const c = structuredClone(seed);
  edit(c);
  return problemsOf(c, env);
};
const p = (key: string, message: string, fix: string) => ({ key: `mailstack:${key}`, message, fix });

describe("host problems", () => {
  test("every field of a host, and a key it does not know", () => {
    assert.deepEqual(problems((c) => {
      c["mailstack:hosts"][0] = {
        hostname: "Mail_Server", ipv4: "203.0.113", ipv6: "fe80::1%eth0", zone: "Not A Zone", sshUser: "Root", sshPort: 0,
        sshHostKey: "AAAAC3Nza", firewall: "yes", owner: "no", extra: 1,
      };
    }), [
      p("hosts[0].extra", "unknown key", "remove it, or use one of: hostname, zone, ipv4, ipv6, sshUser, sshPort, sshHostKey, firewall, owner"),
      p("hosts[0].hostname", '"Mail_Server" is not a lower-case host name like mail.example.com',
        "set it to the PTR name of the VPS: pulumi config set --path 'mailstack:hosts[0].hostname' mail.example.com"),
      p("hosts[0].ipv4", '"203.0.113" is not an IPv4 address', "set the VPS's public IPv4: pulumi config set --path 'mailstack:hosts[0].ipv4' 203.0.113.10"),
      p("hosts[0].ipv6", '"fe80::1%eth0" is not an IPv6 address',
        "set the VPS's public IPv6 (Contabo shows it in the panel), or remove the key to publish no AAAA"),
      p("hosts[0].zone", '"Not A Zone" is not a zone name like example.com', "set it to the Cloudflare zone that holds the host name"),
      p("hosts[0].sshUser", '"Root" is not a Unix user name', "use root, or a user with passwordless sudo"),
      p("hosts[0].sshPort", "0 is not a whole number from 1 to 65535", "use the port sshd listens on (22 by default)"),
      p("hosts[0].sshHostKey", "\"AAAAC3Nza\" is not a host key line like 'ssh-ed25519 AAAA...'",
        "copy it from `ssh-keyscan -t ed25519 <ip>` (drop the leading host name), after checking it against the provider's console"),
      p("hosts[0].firewall", '"yes" is not true or false', "use true (default) or false"),
      p("hosts[0].owner", '"no" is not true or false',
        "use true (default: this stack sets the host up) or false (another stack owns the host; this one adds its domains)"),
    ]);
  });

  test("the host list: not objects, empty, shared names and addresses, a host named like a domain, zones", () => {
    assert.deepEqual(problems((c) => { c["mailstack:hosts"] = [5]; }),
      [p("hosts[0]", "must be an object, got 5", "each host is { hostname, ipv4, ipv6?, sshUser?, sshPort?, sshHostKey?, firewall?, owner? }")]);
    assert.deepEqual(problems((c) => { c["mailstack:hosts"] = []; }), [p("hosts", "is empty", "add the VPS: { hostname, ipv4, ipv6? }")]);
    const fix = "each host needs its own name and addresses";
    assert.deepEqual(problems((c) => { c["mailstack:hosts"].push({ ...c["mailstack:hosts"][0] }); }), [
      p("hosts[1].hostname", '"mail.user.tax" is also used by mailstack:hosts[0]', fix),
      p("hosts[1].ipv4", '"203.0.113.25" is also used by mailstack:hosts[0]', fix),
      p("hosts[1].ipv6", '"2001:db8:25::25" is also used by mailstack:hosts[0]', fix),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:hosts"][0].hostname = "user.tax"; }),
      [p("hosts[0].hostname", '"user.tax" is also a mail domain', "give the host its own name, e.g. mail.<domain>")]);
    assert.deepEqual(problems((c) => { c["mailstack:hosts"][0].hostname = "mail.other.tax"; }), [p("hosts[0].zone", 'no configured zone contains "mail.other.tax"',
      "name the Cloudflare zone of the host: pulumi config set --path 'mailstack:hosts[0].zone' example.net")]);
    assert.deepEqual(problems((c) => { c["mailstack:hosts"][0].zone = "other.tax"; }),
      [p("hosts[0].zone", '"mail.user.tax" is not inside zone "other.tax"', "set zone to a parent of the host name")]);
  });
});

describe("domain problems", () => {
  test("zone, SPF, DMARC fo, selectors, and a key it does not know", () => {
    assert.deepEqual(problems((c) => {
      c["mailstack:domains"][0] = {
        name: "user.tax", zone: "other.tax", users: ["i"], aliases: { i: "me@gmail.com" }, dmarc: { fo: "2" },
        spf: { include: ["bad domain"], all: "+all" }, dkimSelector: "-x", ed25519Selector: "Bad_", extra: 1,
      };
      c["mailstack:hosts"][0].zone = "user.tax";
    }), [
      p("domains[0].extra", "unknown key",
        "remove it, or use one of: name, zone, users, aliases, spf, dmarc, dkimSelector, ed25519Selector, dkimRotation"),
      p("domains[0].zone", '"user.tax" is not inside zone "other.tax"', "set zone to the domain itself or one of its parents"),
      p("domains[0].spf.include[0]", '"bad domain" is not a domain name', "list domains like _spf.google.com"),
      p("domains[0].spf.all", '"+all" is not one of "~all", "-all"', 'use "~all" (soft fail) or "-all" (hard fail); never +all or ?all'),
      p("domains[0].dmarc.fo", "\"2\" is not a DMARC fo value (0, 1, d, s joined by ':')", "use 1 (report any failure), 0 (report when all fail), d or s"),
      p("domains[0].dkimSelector", '"-x" is not a DNS label', "use letters, digits and hyphens, e.g. mailstack or 2026a"),
      p("domains[0].ed25519Selector", '"Bad_" is not a DNS label', "use letters, digits and hyphens, e.g. mailstack-ed"),
    ]);
  });

  test("a name, users and DMARC that are not what they should be", () => {
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].dmarc = 1; }),
      [p("domains[0].dmarc", "must be an object, got 1", "dmarc is { policy, fo?, rua?: [address], ruf?: [address], adkim?, aspf? }")]);
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].name = "User.Tax"; c["mailstack:domains"][0].zone = "user.tax"; c["mailstack:hosts"][0].zone = "user.tax"; }),
      [p("domains[0].name", '"User.Tax" is not a lower-case domain name', "set it to the domain you send from, e.g. example.com")]);
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].zone = "User.Tax"; c["mailstack:hosts"][0].zone = "user.tax"; }),
      [p("domains[0].zone", '"User.Tax" is not a zone name', "set it to the Cloudflare zone that holds the domain")]);
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].users = ["I"]; }),
      [p("domains[0].users[0]", '"I" is not a local part (lower case, no @domain)', 'list local parts like ["i", "billing"]')]);
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].spf.include = Array.from({ length: 11 }, (_, i) => `_spf${i}.example.com`); }),
      [p("domains[0].spf.include", "needs at least 11 DNS lookups; receivers stop at 10 (RFC 7208 §4.6.4) and fail SPF",
        "drop includes, or replace them with the ip4:/ip6: ranges they stand for")]);
  });

  test("the Ed25519 selector may not be the RSA key's", () => {
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].ed25519Selector = "mailstack"; }), [p("domains[0].ed25519Selector",
      "\"mailstack\" is also the RSA key's dkimSelector", "give the Ed25519 key a selector of its own, e.g. mailstack-ed")]);
  });

  test("a rotation: each field, a missing or reused selector, a wait shorter than the TTL", () => {
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].dkimRotation = { nextSelector: "Bad", publishWait: -1, keepOld: "x", extra: 1 }; }), [
      p("domains[0].dkimRotation.extra", "unknown key", "remove it, or use one of: nextSelector, publishWait, keepOld"),
      p("domains[0].dkimRotation.nextSelector", '"Bad" is not a DNS label', "name the new key's selector, e.g. 2026b"),
      p("domains[0].dkimRotation.publishWait", "-1 is not a whole number from 0 to 31536000", "give seconds, at least mailstack:dnsTtl"),
      p("domains[0].dkimRotation.keepOld", '"x" is not a whole number from 0 to 31536000',
        "give seconds (7 days: 604800) for mail signed with the old key to be checked"),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].dkimRotation = {}; }),
      [p("domains[0].dkimRotation.nextSelector", '"" is not a DNS label', "name the new key's selector, e.g. 2026b")]);
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].dkimRotation = "2026b"; }),
      [p("domains[0].dkimRotation", 'must be an object, got "2026b"', "dkimRotation is { nextSelector, publishWait?, keepOld? }")]);
    assert.deepEqual(problems((c) => {
      c["mailstack:domains"][0].ed25519Selector = "ed";
      c["mailstack:domains"][0].dkimRotation = { nextSelector: "ed", publishWait: 60 };
    }), [
      p("domains[0].dkimRotation.nextSelector", '"ed" is already a selector of this domain', "give the new key a selector never used before, e.g. 2026b"),
      p("domains[0].dkimRotation.publishWait", "60 s is shorter than the records' TTL (3600 s): resolvers may not have the new key yet",
        "use at least 3600, or remove the key to wait exactly the TTL"),
    ]);
  });

  test("a rotation read: the wait defaults to the TTL, keepOld to a week; the bounds pass", () => {
    const rotationOf = (dkimRotation: unknown, ttl = 300) => {
      const c = structuredClone(seed);
      c["mailstack:dnsTtl"] = ttl;
      c["mailstack:domains"][0].dkimRotation = dkimRotation;
      return validateStackConfig(toEngineConfig(c)).domains[0]!.dkimRotation;
    };
    assert.deepEqual(rotationOf({ nextSelector: "2026b" }), { nextSelector: "2026b", publishWait: 300, keepOld: 604800 });
    assert.deepEqual(rotationOf({ nextSelector: "2026b", publishWait: 300, keepOld: 0 }), { nextSelector: "2026b", publishWait: 300, keepOld: 0 });
    assert.deepEqual(rotationOf({ nextSelector: "2026b", publishWait: 31_536_000, keepOld: 31_536_000 }),
      { nextSelector: "2026b", publishWait: 31_536_000, keepOld: 31_536_000 });
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].dkimRotation = { nextSelector: "2026b", publishWait: 31_536_001, keepOld: -1 }; })
      .map((x) => x.message), ["31536001 is not a whole number from 0 to 31536000", "-1 is not a whole number from 0 to 31536000"]);
  });
});

describe("ACME, Contabo, reverse DNS, fail2ban and the flags", () => {
  test("acme: each field", () => {
    assert.deepEqual(problems((c) => { c["mailstack:acme"] = { email: "x", directory: "http://a", caBundle: "MIIB" }; }), [
      p("acme.email", '"x" is not an e-mail address', "give the address that gets expiry notices: pulumi config set --path 'mailstack:acme.email' admin@example.com"),
      p("acme.directory", '"http://a" is not an https URL', "use an RFC 8555 directory URL, e.g. https://acme-staging-v02.api.letsencrypt.org/directory"),
      p("acme.caBundle", '"MIIB" is not a PEM certificate', "paste the PEM of the CA that signs the ACME server's HTTPS endpoint, or remove the key"),
    ]);
  });

  test("contabo: each field wrong, with where to copy it from", () => {
    const secretFix = (field: string, label: string) => `pulumi config set --secret --path 'mailstack:contabo.${field}'   (paste the ${label} at the prompt)`;
    assert.deepEqual(problems((c) => {
      c["mailstack:contabo"] = { clientId: "a b", apiUser: "me", clientSecret: 5, apiPassword: "", authUrl: "ftp://x", apiUrl: "http://api.contabo.com" };
    }, SECRET_CONTABO), [
      p("contabo.clientId", '"a b" is not a client id',
        "copy \"ClientId\" from https://my.contabo.com/api/details: pulumi config set --path 'mailstack:contabo.clientId' INT-12345678"),
      p("contabo.apiUser", '"me" is not an e-mail address',
        "copy \"API User\" (your account's e-mail) from https://my.contabo.com/api/details: pulumi config set --path 'mailstack:contabo.apiUser' you@example.com"),
      p("contabo.clientSecret", "must be text (the Client Secret)", secretFix("clientSecret", "Client Secret")),
      p("contabo.apiPassword", "must be text (the API Password)", secretFix("apiPassword", "API Password")),
      p("contabo.authUrl", '"ftp://x" is not an https URL', "remove the key to use https://auth.contabo.com/auth/realms/contabo/protocol/openid-connect/token"),
      p("contabo.apiUrl", '"http://api.contabo.com" is not an https URL', "remove the key to use https://api.contabo.com"),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:contabo"] = { x: 1 }; }, SECRET_CONTABO), [
      p("contabo.x", "unknown key", "remove it, or use one of: clientId, clientSecret, apiUser, apiPassword, authUrl, apiUrl"),
      p("contabo.clientId", '"" is not a client id',
        "copy \"ClientId\" from https://my.contabo.com/api/details: pulumi config set --path 'mailstack:contabo.clientId' INT-12345678"),
      p("contabo.apiUser", '"" is not an e-mail address',
        "copy \"API User\" (your account's e-mail) from https://my.contabo.com/api/details: pulumi config set --path 'mailstack:contabo.apiUser' you@example.com"),
      p("contabo.clientSecret", "is missing", secretFix("clientSecret", "Client Secret")),
      p("contabo.apiPassword", "is missing", secretFix("apiPassword", "API Password")),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:contabo"] = { clientId: "INT-1", apiUser: "me@user.tax", clientSecret: "s", apiPassword: "p" }; }), [
      p("contabo.clientSecret", "is stored in plain text in the stack file", `remove it there, then: ${secretFix("clientSecret", "Client Secret")}`),
      p("contabo.apiPassword", "is stored in plain text in the stack file", `remove it there, then: ${secretFix("apiPassword", "API Password")}`),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:contabo"] = "INT-1"; }), [p("contabo", 'must be an object, got "INT-1"',
      "contabo is { clientId, clientSecret, apiUser, apiPassword } from https://my.contabo.com/api/details")]);
  });

  test("reverseDns: each field, and not an object", () => {
    assert.deepEqual(problems((c) => { c["mailstack:reverseDns"] = { check: "x", resolver: "dns", y: 1 }; }), [
      p("reverseDns.y", "unknown key", "remove it, or use one of: check, resolver"),
      p("reverseDns.check", '"x" is not one of "stop", "warn"', "use stop (default: no certificate until the PTR is right) or warn (go on, and say so)"),
      p("reverseDns.resolver", '"dns" is not an IP address', "give a resolver's address, e.g. 1.1.1.1, or remove the key to use this machine's"),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:reverseDns"] = "stop"; }),
      [p("reverseDns", 'must be an object, got "stop"', "reverseDns is { check?: stop | warn, resolver?: <IP address> }")]);
  });

  test("fail2ban: each field, not an object, and on in a stack that owns no host", () => {
    assert.deepEqual(problems((c) => { c["mailstack:fail2ban"] = { enabled: "x", maxRetry: 0, findTime: 1, banTime: 1, ignoreIps: ["x"] }; }), [
      p("fail2ban.enabled", '"x" is not true or false', "use true (ban addresses that fail to log in) or false (default: no jail)"),
      p("fail2ban.maxRetry", "0 is not a whole number from 1 to 100", "use how many failed logins from one address ban it, e.g. 5 (default)"),
      p("fail2ban.findTime", "1 is not a whole number from 60 to 604800", "use the window failures are counted in, in seconds: 60 to 604800 (a week); default 600"),
      p("fail2ban.banTime", "1 is not a whole number from 60 to 2592000", "use how long a ban lasts, in seconds: 60 to 2592000 (30 days); default 3600"),
      p("fail2ban.ignoreIps[0]", '"x" is not an IP address or network (CIDR)', 'list addresses or networks never banned, e.g. ["203.0.113.7", "2001:db8:7::/48"]'),
    ]);
    assert.deepEqual(problems((c) => { c["mailstack:fail2ban"] = [1]; }), [p("fail2ban", "must be an object, got [1]",
      "fail2ban is { enabled?, maxRetry?, findTime?, banTime?, ignoreIps?: [address or network] }")]);
    assert.deepEqual(problems((c) => { c["mailstack:hosts"][0].owner = false; c["mailstack:fail2ban"] = { enabled: true }; }), [p("fail2ban.enabled",
      "this stack owns none of its hosts, and the jail is set up by the host's owner",
      "set mailstack:fail2ban in the stack that owns the host (owner: true), and remove it here")]);
  });

  test("the flags and the Cloudflare token", () => {
    assert.deepEqual(problems((c) => { c["mailstack:submissionSrv"] = 1; }), [p("submissionSrv", "1 is not true or false",
      "use true (publish _submissions._tcp and _submission._tcp SRV records per domain) or false (default)")]);
    assert.deepEqual(problems((c) => { c["mailstack:allowKeyReplacement"] = "yes"; }), [p("allowKeyReplacement", '"yes" is not true or false',
      "use false (default: DKIM keys and passwords are protected) or true (only while replacing or removing them, see the README)")]);
    assert.deepEqual(problems((c) => { delete c["cloudflare:apiToken"]; }), [{ key: "cloudflare:apiToken", message: "is missing",
      fix: "create a token with Zone.DNS edit on the zone, then: pulumi config set --secret cloudflare:apiToken <token>" }]);
  });
});
