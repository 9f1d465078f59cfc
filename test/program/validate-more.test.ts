// More of the config validator: every problem of a host at once, the cross-checks between hosts and
// domains, defaults and boundaries, and the syntax checks in stacks/checks.ts. (Mutation testing
// showed these could break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  inZone, isCertificatePem, isDnsName, isEmail, isHostname, isLocalPart, isPrivateKeyPem, isSshPublicKeyLine,
} from "../../stacks/checks";
import { KNOWN_KEYS, Problem, StackConfigError, validateStackConfig } from "../../stacks/validate";
import { clone, ConfigObject, problemsOf, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml");
const ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHRlc3Qta2V5LW5vdC1hLXJlYWwtaG9zdC1rZXk";
const CERT = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n";

function seedWith(edit: (c: any) => void): ConfigObject {
  const c = clone(seed) as any;
  edit(c);
  return c;
}

const keys = (ps: Problem[]) => ps.map((p) => p.key);
const only = (ps: Problem[], key: string): Problem => {
  const hits = ps.filter((p) => p.key === key);
  assert.equal(hits.length, 1, `${key}: ${JSON.stringify(ps)}`);
  return hits[0]!;
};
const valid = (config: ConfigObject) => validateStackConfig(toEngineConfig(config));

describe("hosts", () => {
  test("a host with every field wrong reports every field, not just the first", () => {
    const ps = problemsOf(seedWith((c) => {
      c["mailstack:hosts"][0] = {
        hostname: "Mail_Server", ipv4: "203.0.113", ipv6: "fe80::1%eth0", zone: "Not A Zone", sshUser: "Root",
        sshPort: 0, sshHostKey: "AAAAC3Nza", firewall: "yes",
      };
    }));
    assert.deepEqual(keys(ps), ["hostname", "ipv4", "ipv6", "zone", "sshUser", "sshPort", "sshHostKey", "firewall"].map((f) => `mailstack:hosts[0].${f}`));
    assert.deepEqual(ps.map((p) => p.message), [
      '"Mail_Server" is not a lower-case host name like mail.example.com',
      '"203.0.113" is not an IPv4 address',
      '"fe80::1%eth0" is not an IPv6 address',
      '"Not A Zone" is not a zone name like example.com',
      '"Root" is not a Unix user name',
      "0 is not a whole number from 1 to 65535",
      "\"AAAAC3Nza\" is not a host key line like 'ssh-ed25519 AAAA...'",
      '"yes" is not true or false',
    ]);
    assert.equal(ps[0]!.fix, "set it to the PTR name of the VPS: pulumi config set --path 'mailstack:hosts[0].hostname' mail.example.com");
    assert.equal(ps[1]!.fix, "set the VPS's public IPv4: pulumi config set --path 'mailstack:hosts[0].ipv4' 203.0.113.10");
    assert.match(ps[3]!.fix, /Cloudflare zone that holds the host name/);
    assert.match(ps[4]!.fix, /passwordless sudo/);
    assert.equal(ps[7]!.fix, "use true (default) or false");
  });

  test("a host without a name or address says so, with the fix for the right list index", () => {
    const ps = problemsOf(seedWith((c) => { c["mailstack:hosts"].push({ zone: "user.tax" }); }));
    assert.deepEqual(keys(ps), ["mailstack:hosts[1].hostname", "mailstack:hosts[1].ipv4"]);
    assert.equal(ps[0]!.message, '"" is not a lower-case host name like mail.example.com');
    assert.match(ps[0]!.fix, /'mailstack:hosts\[1\]\.hostname'/);
    assert.match(ps[1]!.fix, /'mailstack:hosts\[1\]\.ipv4'/);
  });

  test("a host that is not an object, and hosts that are not a list", () => {
    const notObject = problemsOf(seedWith((c) => { c["mailstack:hosts"] = ["mail.user.tax"]; }));
    assert.deepEqual(notObject, [{ key: "mailstack:hosts[0]", message: 'must be an object, got "mail.user.tax"',
      fix: "each host is { hostname, ipv4, ipv6?, sshUser?, sshPort?, sshHostKey?, firewall?, owner? }" }]);
    assert.deepEqual(problemsOf(seedWith((c) => { c["mailstack:hosts"] = [null]; })).map((p) => p.message), ["must be an object, got null"]);
    assert.deepEqual(problemsOf(seedWith((c) => { c["mailstack:hosts"] = [["mail.user.tax"]]; })).map((p) => p.message), ['must be an object, got ["mail.user.tax"]']);
    const notList = problemsOf(seedWith((c) => { c["mailstack:hosts"] = { hostname: "mail.user.tax", ipv4: "203.0.113.25" }; }));
    assert.deepEqual(keys(notList), ["mailstack:hosts"]);
    assert.match(notList[0]!.message, /^must be a list, got \{"hostname":"mail\.user\.tax","ipv4":"203\.0\.113\.25"\}$/);
    assert.equal(notList[0]!.fix, "hosts is a list of { hostname, ipv4, ... }");
  });

  test("long values are shortened in messages", () => {
    const long = `mail.${"a".repeat(80)}.tax`;
    const p = only(problemsOf(seedWith((c) => { c["mailstack:hosts"][0].hostname = long; })), "mailstack:hosts[0].hostname");
    assert.equal(p.message, `${JSON.stringify(long).slice(0, 57)}... is not a lower-case host name like mail.example.com`);
  });

  test("a host name that is also a mail domain is refused", () => {
    const ps = problemsOf(seedWith((c) => { c["mailstack:hosts"][0].hostname = "user.tax"; }));
    assert.deepEqual(ps, [{ key: "mailstack:hosts[0].hostname", message: '"user.tax" is also a mail domain',
      fix: "give the host its own name, e.g. mail.<domain>" }]);
  });

  test("two hosts may not share a name, an IPv4 or an IPv6 address; hosts without IPv6 do not clash", () => {
    const sameV6 = problemsOf(seedWith((c) => { c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "203.0.113.26", ipv6: "2001:db8:25::25" }); }));
    assert.deepEqual(sameV6, [{ key: "mailstack:hosts[1].ipv6", message: '"2001:db8:25::25" is also used by mailstack:hosts[0]',
      fix: "each host needs its own name and addresses" }]);
    const sameName = problemsOf(seedWith((c) => { c["mailstack:hosts"].push({ hostname: "mail.user.tax", ipv4: "203.0.113.26" }); }));
    assert.deepEqual(keys(sameName), ["mailstack:hosts[1].hostname"]);
    // A third host clashing with the first is named against the first, not the second.
    const third = problemsOf(seedWith((c) => {
      c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "203.0.113.26" }, { hostname: "mx3.user.tax", ipv4: "203.0.113.25" });
    }));
    assert.deepEqual(third.map((p) => [p.key, p.message]), [["mailstack:hosts[2].ipv4", '"203.0.113.25" is also used by mailstack:hosts[0]']]);
    const noV6 = valid(seedWith((c) => {
      c["mailstack:hosts"] = [{ hostname: "mail.user.tax", ipv4: "203.0.113.25" }, { hostname: "mx2.user.tax", ipv4: "203.0.113.26" }];
    }));
    assert.deepEqual(noV6.hosts.map((h) => [h.hostname, h.ipv6]), [["mail.user.tax", undefined], ["mx2.user.tax", undefined]]);
  });

  test("defaults and accepted forms: SSH user, port as text, host key trimmed to type and key, firewall", () => {
    const c = valid(seedWith((c) => {
      Object.assign(c["mailstack:hosts"][0], { sshUser: "deploy_1", sshPort: "2222", sshHostKey: `  ${ED25519} root@vps  `, firewall: false });
    }));
    assert.deepEqual(c.hosts[0], {
      hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", ipv6: "2001:db8:25::25",
      sshUser: "deploy_1", sshPort: 2222, sshHostKey: ED25519, firewall: false, owner: true,
    });
    assert.equal(valid(seedWith((c) => { c["mailstack:hosts"][0].firewall = true; })).hosts[0].firewall, true);
    assert.equal(valid(seedWith((c) => { c["mailstack:hosts"][0].sshPort = 65535; })).hosts[0].sshPort, 65535);
    assert.equal(valid(seedWith((c) => { c["mailstack:hosts"][0].sshPort = 1; })).hosts[0].sshPort, 1);
    for (const bad of [65536, 2.5, "22a", "-1", true, "1e3", "0x16", " 22", "a22"]) {
      const p = only(problemsOf(seedWith((c) => { c["mailstack:hosts"][0].sshPort = bad; })), "mailstack:hosts[0].sshPort");
      assert.equal(p.message, `${JSON.stringify(bad)} is not a whole number from 1 to 65535`);
    }
  });

  test("the host's zone: named, found as the longest domain zone, or refused when it does not contain the host", () => {
    const nested = seedWith((c) => {
      c["mailstack:domains"].push({ name: "eu.user.tax", users: ["i"], aliases: { "*": "me@gmail.com" } });
      c["mailstack:hosts"][0].hostname = "mail.eu.user.tax";
    });
    assert.equal(valid(nested).hosts[0].zone, "eu.user.tax");
    const nestedFirst = seedWith((c) => {
      c["mailstack:domains"].unshift({ name: "eu.user.tax", users: ["i"], aliases: { "*": "me@gmail.com" } });
      c["mailstack:hosts"][0].hostname = "mail.eu.user.tax";
    });
    assert.equal(valid(nestedFirst).hosts[0].zone, "eu.user.tax");
    const wrongZone = problemsOf(seedWith((c) => { c["mailstack:hosts"][0].zone = "other.tax"; }));
    assert.deepEqual(wrongZone, [{ key: "mailstack:hosts[0].zone", message: '"mail.user.tax" is not inside zone "other.tax"',
      fix: "set zone to a parent of the host name" }]);
    const outside = only(problemsOf(seedWith((c) => { c["mailstack:hosts"][0].hostname = "mail.elsewhere.net"; })), "mailstack:hosts[0].zone");
    assert.equal(outside.message, 'no configured zone contains "mail.elsewhere.net"');
    assert.equal(outside.fix, "name the Cloudflare zone of the host: pulumi config set --path 'mailstack:hosts[0].zone' example.net");
  });
});

describe("domains", () => {
  test("a domain with every field wrong reports every field", () => {
    const ps = problemsOf(seedWith((c) => {
      c["mailstack:domains"][0] = {
        name: "User.Tax", zone: "-bad-", users: ["i", "Bob", "i"], aliases: { "*": "", "x y": "a@b.com", ok: "not an address" },
        spf: { include: ["_spf.google.com", "bad domain", "_spf.google.com"], all: "?all" },
        dmarc: { policy: "strict", fo: "x", rua: ["nobody"], ruf: "ruf@user.tax", adkim: "q", aspf: "t" },
        dkimSelector: "-sel",
      };
      c["mailstack:hosts"][0].zone = "user.tax";
    }));
    const k = "mailstack:domains[0]";
    assert.deepEqual(keys(ps), [
      `${k}.name`, `${k}.zone`, `${k}.users[1]`, `${k}.users[2]`, `${k}.aliases.*`, `${k}.aliases.ok`, `${k}.aliases.x y`,
      `${k}.spf.include[1]`, `${k}.spf.include[2]`, `${k}.spf.all`,
      `${k}.dmarc.policy`, `${k}.dmarc.fo`, `${k}.dmarc.adkim`, `${k}.dmarc.aspf`, `${k}.dmarc.rua[0]`, `${k}.dmarc.ruf`,
      `${k}.dkimSelector`,
    ]);
    const msg = (key: string) => only(ps, `${k}.${key}`).message;
    assert.equal(msg("name"), '"User.Tax" is not a lower-case domain name');
    assert.equal(msg("zone"), '"-bad-" is not a zone name');
    assert.equal(msg("users[1]"), '"Bob" is not a local part (lower case, no @domain)');
    assert.equal(msg("users[2]"), '"i" is listed twice');
    assert.equal(msg("spf.include[1]"), '"bad domain" is not a domain name');
    assert.equal(msg("spf.include[2]"), '"_spf.google.com" is listed twice');
    assert.equal(msg("spf.all"), '"?all" is not one of "~all", "-all"');
    assert.equal(msg("dmarc.policy"), '"strict" is not one of "none", "quarantine", "reject"');
    assert.equal(msg("dmarc.adkim"), '"q" is not one of "r", "s"');
    assert.equal(msg("dmarc.aspf"), '"t" is not one of "r", "s"');
    assert.equal(msg("dmarc.rua[0]"), '"nobody" is not an e-mail address');
    assert.equal(msg("dmarc.ruf"), 'must be a list, got "ruf@user.tax"');
    assert.equal(msg("dkimSelector"), '"-sel" is not a DNS label');
    assert.equal(msg("aliases.ok"), '"not an address" is not an address');
    const fix = (key: string) => only(ps, `${k}.${key}`).fix;
    assert.match(fix("name"), /domain you send from/);
    assert.match(fix("zone"), /Cloudflare zone that holds the domain/);
    assert.match(fix("users[1]"), /local parts like \["i", "billing"\]/);
    assert.equal(fix("users[2]"), "list it once");
    assert.match(fix("spf.include[1]"), /_spf\.google\.com/);
    assert.match(fix("dmarc.policy"), /monitor only/);
    assert.match(fix("dmarc.adkim"), /relaxed.*strict/);
    assert.match(fix("dmarc.aspf"), /relaxed.*strict/);
    assert.match(fix("dmarc.ruf"), /ruf@example\.com/);
    assert.match(fix("dkimSelector"), /letters, digits and hyphens/);
  });

  test("a domain that is not an object; domains that are not a list or empty", () => {
    const hostInZone = (edit: (c: any) => void) => seedWith((c) => { edit(c); c["mailstack:hosts"][0].zone = "user.tax"; });
    assert.deepEqual(problemsOf(hostInZone((c) => { c["mailstack:domains"] = ["user.tax"]; })), [{ key: "mailstack:domains[0]",
      message: 'must be an object, got "user.tax"', fix: "each domain is { name, zone?, users, aliases?, spf?, dmarc?, dkimSelector? }" }]);
    assert.deepEqual(problemsOf(hostInZone((c) => { c["mailstack:domains"] = "user.tax"; })).map((p) => [p.key, p.fix]),
      [["mailstack:domains", "domains is a list of { name, users, ... }"]]);
    const empty = problemsOf(hostInZone((c) => { c["mailstack:domains"] = []; }));
    assert.equal(empty.length, 1);
    assert.deepEqual(empty[0], { key: "mailstack:domains", message: "is empty", fix: "add at least one domain you send from" });
  });

  test("a domain needs users or aliases; aliases alone are enough", () => {
    const none = problemsOf(seedWith((c) => { c["mailstack:domains"][0] = { name: "user.tax" }; }));
    assert.deepEqual(none, [{ key: "mailstack:domains[0].users", message: "the domain has no users and no aliases",
      fix: "add a user who sends, or aliases that forward mail" }]);
    const aliasesOnly = valid(seedWith((c) => { c["mailstack:domains"][0] = { name: "user.tax", aliases: { "*": "me@gmail.com" } }; }));
    assert.deepEqual(aliasesOnly.domains[0].users, []);
    assert.deepEqual(aliasesOnly.domains[0].aliases, { "*": ["me@gmail.com"] });
  });

  test("defaults of a minimal domain: zone = name, SPF ~all, DMARC quarantine, selector mailstack", () => {
    const c = valid(seedWith((c) => { c["mailstack:domains"][0] = { name: "user.tax", users: ["i"], aliases: { i: "me@gmail.com" } }; }));
    assert.deepEqual(c.domains[0], {
      name: "user.tax", zone: "user.tax", users: ["i"], aliases: { i: ["me@gmail.com"] },
      spf: { include: [], all: "~all" },
      dmarc: { policy: "quarantine", fo: undefined, rua: [], ruf: [], adkim: undefined, aspf: undefined },
      dkimSelector: "mailstack",
    });
  });

  test("accepted forms: mailto: report addresses, strict alignment, -all, a parent zone, a custom selector", () => {
    const c = valid(seedWith((c) => {
      c["mailstack:domains"][0] = {
        name: "news.user.tax", zone: "user.tax", users: ["i"], aliases: { i: "me@gmail.com" }, spf: { all: "-all" }, dkimSelector: "s2026a",
        dmarc: { policy: "reject", rua: ["mailto:rua@user.tax", "dmarc@example.com"], ruf: ["mailto:ruf@user.tax"], adkim: "s", aspf: "r", fo: "d:s" },
      };
      c["mailstack:hosts"][0].zone = "user.tax";
    }));
    const d = c.domains[0];
    assert.equal(d.zone, "user.tax");
    assert.equal(d.spf.all, "-all");
    assert.equal(d.dkimSelector, "s2026a");
    assert.deepEqual(d.dmarc, { policy: "reject", fo: "d:s", rua: ["rua@user.tax", "dmarc@example.com"], ruf: ["ruf@user.tax"], adkim: "s", aspf: "r" });
  });

  test("spf and dmarc that are not objects, with unknown keys inside", () => {
    const ps = problemsOf(seedWith((c) => {
      c["mailstack:domains"][0].spf = "v=spf1 -all";
      c["mailstack:domains"][0].dmarc = { policy: "reject", pct: 50 };
    }));
    assert.deepEqual(ps.map((p) => [p.key, p.message]), [
      ["mailstack:domains[0].spf", 'must be an object, got "v=spf1 -all"'],
      ["mailstack:domains[0].dmarc.pct", "unknown key"],
    ]);
    assert.equal(ps[0]!.fix, 'spf is { include?: [domain...], all?: "~all" | "-all" }');
    assert.equal(ps[1]!.fix, "remove it, or use one of: policy, fo, rua, ruf, adkim, aspf");
  });

  test("exactly 10 SPF includes are allowed, 11 are not", () => {
    const includes = (n: number) => seedWith((c) => { c["mailstack:domains"][0].spf.include = Array.from({ length: n }, (_, i) => `_spf${i}.example.com`); });
    assert.equal(valid(includes(10)).domains[0].spf.include.length, 10);
    const p = only(problemsOf(includes(11)), "mailstack:domains[0].spf.include");
    assert.equal(p.message, "needs at least 11 DNS lookups; receivers stop at 10 (RFC 7208 §4.6.4) and fail SPF");
  });

  test("a duplicate domain is named at its second place", () => {
    const ps = problemsOf(seedWith((c) => {
      c["mailstack:domains"].push({ name: "other.tax", users: ["i"], aliases: { i: "me@gmail.com" } }, clone(c["mailstack:domains"][0]));
    }));
    assert.deepEqual(ps, [{ key: "mailstack:domains[2].name", message: '"user.tax" is listed twice', fix: "list each domain once" }]);
  });
});

describe("aliases", () => {
  const aliasesOf = (aliases: unknown) => valid(seedWith((c) => { c["mailstack:domains"][0].aliases = aliases; })).domains[0].aliases;
  const aliasProblems = (aliases: unknown) => problemsOf(seedWith((c) => { c["mailstack:domains"][0].aliases = aliases; }));

  test("targets: a comma list (trimmed, empties dropped), a list, local parts of the same domain", () => {
    assert.deepEqual(aliasesOf({ billing: " a@gmail.com ,, b@example.com ", sales: ["c@gmail.com", "i"], "*": "i", i: "me@gmail.com" }),
      { billing: ["a@gmail.com", "b@example.com"], sales: ["c@gmail.com", "i"], "*": ["i"], i: ["me@gmail.com"] });
  });

  test("an alias that forwards to itself, by local part or full address, is refused", () => {
    for (const target of ["i", "i@user.tax", "x@gmail.com, i@user.tax"]) {
      assert.deepEqual(aliasProblems({ i: target }), [{ key: "mailstack:domains[0].aliases.i", message: "forwards to itself", fix: "point it at another address" }], target);
    }
    // The same local part at another domain is someone else.
    assert.deepEqual(aliasesOf({ i: "i@gmail.com" }), { i: ["i@gmail.com"] });
  });

  test("bad shapes: not an object, a target that is neither text nor a list, a bad source; each reported once", () => {
    assert.deepEqual(aliasProblems(["i: x@gmail.com"]), [{ key: "mailstack:domains[0].aliases", message: 'must be an object, got ["i: x@gmail.com"]',
      fix: 'aliases is { "<local part or *>": "<address>[, <address>...]" }' }]);
    assert.deepEqual(aliasProblems(null).map((p) => p.message), ["must be an object, got null"]);
    assert.deepEqual(aliasProblems({ i: 42 }).map((p) => [p.key, p.message]), [["mailstack:domains[0].aliases.i", "42 has no target address"]]);
    assert.deepEqual(aliasProblems({ i: [42, " "] }).map((p) => p.message), ["[42,\" \"] has no target address"]);
    const two = aliasProblems({ "a@b": "x@gmail.com", i: "bad@", zz: "also bad" });
    assert.deepEqual(two.map((p) => [p.key, p.message]), [
      ["mailstack:domains[0].aliases.a@b", '"a@b" is not a local part or "*"'],
      ["mailstack:domains[0].aliases.i", '"bad@" is not an address'],
      ["mailstack:domains[0].aliases.zz", '"also bad" is not an address'],
    ]);
    assert.equal(two[0]!.fix, "use a lower-case local part (no @domain) or * for catch-all");
    assert.equal(two[1]!.fix, "use full addresses like someone@gmail.com");
    assert.equal(aliasProblems({ i: "" })[0]!.fix, "give one or more addresses separated by commas");
    assert.deepEqual(aliasProblems({ i: "a@gmail.com, b, c@@x" }).map((p) => p.message), ['"c@@x" is not an address']);
  });
});

describe("top-level keys, ACME, secrets, ports", () => {
  test("keys of other namespaces are left alone; every missing required key has its fix", () => {
    assert.equal(problemsOf({ ...seed, "aws:region": "eu-west-1", "cloudflare:email": "x" }).length, 0);
    const ps = problemsOf({ "cloudflare:apiToken": "t" });
    assert.deepEqual(keys(ps), ["mailstack:hosts", "mailstack:domains", "mailstack:acme", "mailstack:sshPrivateKey"]);
    assert.ok(ps.every((p) => p.message === "is missing"));
    assert.equal(ps[0]!.fix, "pulumi config set --path 'mailstack:hosts[0].hostname' mail.example.com && pulumi config set --path 'mailstack:hosts[0].ipv4' 203.0.113.10");
    assert.equal(ps[1]!.fix, "pulumi config set --path 'mailstack:domains[0].name' example.com && pulumi config set --path 'mailstack:domains[0].users[0]' i");
    assert.equal(ps[2]!.fix, "pulumi config set --path 'mailstack:acme.email' admin@example.com");
    assert.equal(ps[3]!.fix, "pulumi config set --secret mailstack:sshPrivateKey < ~/.ssh/id_ed25519");
  });

  test("an unknown key's fix lists every known key", () => {
    const p = only(problemsOf({ ...seed, "mailstack:ttl": "300" }), "mailstack:ttl");
    assert.equal(p.fix, `remove it (pulumi config rm mailstack:ttl), or use one of: ${KNOWN_KEYS.map((k) => `mailstack:${k}`).join(", ")}`);
    assert.ok(KNOWN_KEYS.includes("dnsTtl") && KNOWN_KEYS.includes("monitoringPort"));
  });

  test("the SSH private key must be a PEM or OpenSSH key in text", () => {
    for (const bad of ["12345", "-----BEGIN OPENSSH PRIVATE KEY-----"]) {
      assert.deepEqual(problemsOf({ ...seed, "mailstack:sshPrivateKey": bad }), [{ key: "mailstack:sshPrivateKey",
        message: "is not a PEM or OpenSSH private key", fix: "pulumi config set --secret mailstack:sshPrivateKey < ~/.ssh/id_ed25519" }], bad);
    }
    assert.equal(problemsOf({ ...seed, "mailstack:sshPrivateKey": "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n" }).length, 0);
  });

  test("the Cloudflare token: config, or a non-empty CLOUDFLARE_API_TOKEN", () => {
    const noToken = seedWith((c) => { delete c["cloudflare:apiToken"]; });
    assert.deepEqual(keys(problemsOf(noToken, { CLOUDFLARE_API_TOKEN: "" })), ["cloudflare:apiToken"]);
    assert.deepEqual(problemsOf(noToken, { CLOUDFLARE_API_TOKEN: "tok" }), []);
    assert.deepEqual(problemsOf(seed, {}), []);
  });

  test("acme: defaults, a staging directory with a CA bundle, and each field refused", () => {
    const c = valid(seedWith((c) => { c["mailstack:acme"] = { email: "i@user.tax", directory: "https://acme.test:14000/dir", caBundle: CERT }; }));
    assert.deepEqual(c.acme, { email: "i@user.tax", directory: "https://acme.test:14000/dir", caBundle: CERT });
    assert.equal(valid(seed).acme.caBundle, undefined);
    const ps = problemsOf(seedWith((c) => { c["mailstack:acme"] = { directory: "https://acme test/", caBundle: "MIIB", eab: "x" }; }));
    assert.deepEqual(ps.map((p) => [p.key, p.message]), [
      ["mailstack:acme.eab", "unknown key"],
      ["mailstack:acme.email", '"" is not an e-mail address'],
      ["mailstack:acme.directory", '"https://acme test/" is not an https URL'],
      ["mailstack:acme.caBundle", '"MIIB" is not a PEM certificate'],
    ]);
    assert.equal(ps[1]!.fix, "give the address that gets expiry notices: pulumi config set --path 'mailstack:acme.email' admin@example.com");
    assert.match(ps[3]!.fix, /PEM of the CA/);
    assert.deepEqual(problemsOf(seedWith((c) => { c["mailstack:acme"] = "i@user.tax"; })), [{ key: "mailstack:acme",
      message: 'must be an object, got "i@user.tax"', fix: "acme is { email, directory?, caBundle? }" }]);
    for (const ok of ["https://acme-staging-v02.api.letsencrypt.org/directory", "https://pebble"]) {
      assert.equal(valid(seedWith((c) => { c["mailstack:acme"].directory = ok; })).acme.directory, ok);
    }
  });

  test("dnsTtl: text or number, 60..86400; monitoringPort: 0 is off, 1024..65535", () => {
    const ttl = (v: unknown) => ({ ...seed, "mailstack:dnsTtl": v });
    assert.equal(valid(ttl("300")).dnsTtl, 300);
    assert.equal(valid(ttl(60)).dnsTtl, 60);
    assert.equal(valid(ttl(86400)).dnsTtl, 86400);
    for (const bad of [59, 86401, "abc"]) {
      assert.deepEqual(problemsOf(ttl(bad)), [{ key: "mailstack:dnsTtl", message: `${JSON.stringify(bad)} is not a whole number from 60 to 86400`,
        fix: "use 60..86400 seconds (Cloudflare's range)" }], String(bad));
    }
    const port = (v: unknown) => ({ ...seed, "mailstack:monitoringPort": v });
    assert.equal(valid(port(1024)).monitoringPort, 1024);
    assert.equal(valid(port(65535)).monitoringPort, 65535);
    assert.equal(valid(port(0)).monitoringPort, undefined);
    assert.deepEqual(problemsOf(port(1023)), [{ key: "mailstack:monitoringPort", message: "1023 is a privileged port chasquid cannot bind",
      fix: "use a free port from 1024 to 65535, or 0 for off" }]);
    assert.deepEqual(problemsOf(port(1)).map((p) => p.message), ["1 is a privileged port chasquid cannot bind"]);
    assert.deepEqual(problemsOf(port(65536)).map((p) => [p.message, p.fix]), [["65536 is not a whole number from 0 to 65535", "use a free port from 1024 to 65535, or 0 for off"]]);
  });

  test("the error: one problem is singular, and its name", () => {
    try {
      validateStackConfig(toEngineConfig({ ...seed, "mailstack:dnsTtl": 1 }));
      assert.fail("no error");
    } catch (e) {
      assert.ok(e instanceof StackConfigError);
      assert.equal(e.name, "StackConfigError");
      assert.equal(e.message, "mailstack: the stack config has 1 problem; nothing was changed.\n"
        + "  - mailstack:dnsTtl: 1 is not a whole number from 60 to 86400\n      fix: use 60..86400 seconds (Cloudflare's range)");
    }
  });
});

describe("syntax checks", () => {
  test("host names", () => {
    for (const ok of ["mail.user.tax", "a.b", "x-1.example.com", `${"a".repeat(63)}.com`]) assert.ok(isHostname(ok), ok);
    for (const bad of ["user", "Mail.user.tax", "-a.com", "a-.com", "a..com", "a.123", `${"a".repeat(64)}.com`, "a_b.com", "",
      `${Array.from({ length: 4 }, () => "a".repeat(63)).join(".")}.com`]) assert.ok(!isHostname(bad), bad);
    // 253 characters is the longest name; 254 is one too many.
    const labels = (n: number) => Array.from({ length: n }, () => "a".repeat(49)).join(".");
    const name253 = `${labels(5)}.${"b".repeat(3)}`;
    assert.equal(name253.length, 253);
    assert.ok(isHostname(name253));
    assert.ok(!isHostname(`${name253}b`));
    assert.ok(isHostname("mail.example.c0m"), "a TLD with a digit but not all digits");
  });

  test("DNS names with underscore labels", () => {
    for (const ok of ["_spf.google.com", "_a._b.example.com", "spf.example.com", "_x-1.example.com"]) assert.ok(isDnsName(ok), ok);
    for (const bad of ["_spf", "_.example.com", "_SPF.example.com", "example._spf.com", "_spf..com", "_spf.Example.com"]) assert.ok(!isDnsName(bad), bad);
  });

  test("local parts", () => {
    for (const ok of ["i", "a.b", "first_last-2", "0", `${"a".repeat(64)}`]) assert.ok(isLocalPart(ok), ok);
    for (const bad of ["", "I", "a..b", ".a", "a.", "a+b", "a@b", "a b", "-", `${"a".repeat(65)}`]) assert.ok(!isLocalPart(bad), bad);
  });

  test("e-mail addresses", () => {
    for (const ok of ["i@user.tax", "First.Last+tag@Gmail.com", "a@b.co", `${"a".repeat(64)}@x.com`, "o'brien@example.com"]) assert.ok(isEmail(ok), ok);
    for (const bad of ["@user.tax", "i@", "i@user", "i user@user.tax", ".i@user.tax", "i.@user.tax", `${"a".repeat(65)}@x.com`, "i@user..tax", "nobody"]) {
      assert.ok(!isEmail(bad), bad);
    }
    assert.ok(isEmail("a@b@user.tax") === false, "the part before the last @ must be a valid local part");
  });

  test("SSH public key lines, private keys, certificates", () => {
    for (const ok of [ED25519, `${ED25519} comment here`, "ssh-rsa AAAAB3NzaC1yc2E=", "ecdsa-sha2-nistp256 AAAAE2Vj", "ecdsa-sha2-nistp521 AAAA",
      "sk-ssh-ed25519@openssh.com AAAAGnNr", `  ${ED25519}  `]) assert.ok(isSshPublicKeyLine(ok), ok);
    for (const bad of ["AAAAC3Nza", "ssh-dss AAAAB3", "ssh-ed25519", "ssh-ed25519 AAAA===", "ecdsa-sha2-nistp128 AAAA", "xssh-ed25519 AAAA", "ssh-ed25519 AAAA-"]) {
      assert.ok(!isSshPublicKeyLine(bad), bad);
    }
    for (const kind of ["OPENSSH ", "RSA ", "EC ", ""]) {
      assert.ok(isPrivateKeyPem(`-----BEGIN ${kind}PRIVATE KEY-----\nabc\n-----END ${kind}PRIVATE KEY-----`), kind);
    }
    assert.ok(!isPrivateKeyPem("-----BEGIN DSA PRIVATE KEY-----\nabc\n-----END DSA PRIVATE KEY-----"));
    assert.ok(!isPrivateKeyPem("-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----"));
    assert.ok(!isPrivateKeyPem("-----BEGIN PUBLIC KEY-----\nabc\n-----END PUBLIC KEY-----"));
    assert.ok(isCertificatePem(CERT));
    assert.ok(!isCertificatePem("-----BEGIN CERTIFICATE----------END CERTIFICATE-----"));
    assert.ok(!isCertificatePem("MIIB"));
  });

  test("zones", () => {
    assert.ok(inZone("user.tax", "user.tax"));
    assert.ok(inZone("mail.user.tax", "user.tax"));
    assert.ok(!inZone("notuser.tax", "user.tax"));
    assert.ok(!inZone("user.tax", "mail.user.tax"));
  });
});
