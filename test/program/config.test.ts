import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StackConfigError, validateStackConfig } from "../../stacks/validate";
import { clone, ConfigObject, problemsOf, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml");

/** Applies `edit` to a copy of the seed config. */
function seedWith(edit: (c: any) => void): ConfigObject {
  const c = clone(seed) as any;
  edit(c);
  return c;
}

describe("stack config validation", () => {
  test("the example prod stack is valid and gets its defaults", () => {
    const c = validateStackConfig(toEngineConfig(seed));
    assert.equal(c.hosts.length, 1);
    assert.deepEqual(c.hosts[0], {
      hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", ipv6: "2001:db8:25::25",
      sshUser: "root", sshPort: 22, sshHostKey: undefined, firewall: true, owner: true,
    });
    assert.equal(c.domains[0].zone, "user.tax");
    assert.equal(c.domains[0].dkimSelector, "mailstack");
    assert.deepEqual(c.domains[0].aliases, { "*": ["your.name@gmail.com"], i: ["your.name@gmail.com"] });
    assert.equal(c.acme.directory, "https://acme-v02.api.letsencrypt.org/directory");
    assert.equal(c.dnsTtl, 3600);
    assert.equal(c.monitoringPort, undefined);
  });

  const cases: [string, ConfigObject, { key: string; message: RegExp; fix: RegExp }][] = [
    ["bad hostname", seedWith((c) => { c["mailstack:hosts"][0].hostname = "Mail_Server"; }),
      { key: "mailstack:hosts[0].hostname", message: /not a lower-case host name/, fix: /PTR name/ }],
    ["bad IPv4", seedWith((c) => { c["mailstack:hosts"][0].ipv4 = "203.0.113"; }),
      { key: "mailstack:hosts[0].ipv4", message: /not an IPv4 address/, fix: /pulumi config set --path 'mailstack:hosts\[0\]\.ipv4'/ }],
    ["bad IPv6", seedWith((c) => { c["mailstack:hosts"][0].ipv6 = "2001:db8::zz"; }),
      { key: "mailstack:hosts[0].ipv6", message: /not an IPv6 address/, fix: /remove the key/ }],
    ["bad SSH port", seedWith((c) => { c["mailstack:hosts"][0].sshPort = 70000; }),
      { key: "mailstack:hosts[0].sshPort", message: /1 to 65535/, fix: /port sshd listens on/ }],
    ["bad host key", seedWith((c) => { c["mailstack:hosts"][0].sshHostKey = "AAAAC3Nza"; }),
      { key: "mailstack:hosts[0].sshHostKey", message: /host key line/, fix: /ssh-keyscan/ }],
    ["host outside every zone", seedWith((c) => { c["mailstack:hosts"][0].hostname = "mail.elsewhere.net"; }),
      { key: "mailstack:hosts[0].zone", message: /no configured zone contains/, fix: /hosts\[0\]\.zone/ }],
    ["no hosts", seedWith((c) => { c["mailstack:hosts"] = []; }),
      { key: "mailstack:hosts", message: /is empty/, fix: /hostname, ipv4/ }],
    ["bad acme email", seedWith((c) => { c["mailstack:acme"].email = "not-an-address"; }),
      { key: "mailstack:acme.email", message: /not an e-mail address/, fix: /expiry notices/ }],
    ["plain-http ACME directory", seedWith((c) => { c["mailstack:acme"].directory = "http://acme.example/dir"; }),
      { key: "mailstack:acme.directory", message: /not an https URL/, fix: /RFC 8555/ }],
    ["duplicate user", seedWith((c) => { c["mailstack:domains"][0].users = ["i", "i"]; }),
      { key: "mailstack:domains[0].users[1]", message: /listed twice/, fix: /once/ }],
    ["user with a domain", seedWith((c) => { c["mailstack:domains"][0].users = ["i@user.tax"]; }),
      { key: "mailstack:domains[0].users[0]", message: /not a local part/, fix: /local parts/ }],
    ["duplicate domain", seedWith((c) => { c["mailstack:domains"].push(clone(c["mailstack:domains"][0])); }),
      { key: "mailstack:domains[1].name", message: /listed twice/, fix: /once/ }],
    ["domain outside its zone", seedWith((c) => { c["mailstack:domains"][0].zone = "other.tax"; }),
      { key: "mailstack:domains[0].zone", message: /not inside zone/, fix: /parents/ }],
    ["DMARC policy typo", seedWith((c) => { c["mailstack:domains"][0].dmarc.policy = "quarentine"; }),
      { key: "mailstack:domains[0].dmarc.policy", message: /not one of "none", "quarantine", "reject"/, fix: /none/ }],
    ["DMARC report address", seedWith((c) => { c["mailstack:domains"][0].dmarc.rua = ["mailto:rua"]; }),
      { key: "mailstack:domains[0].dmarc.rua[0]", message: /not an e-mail address/, fix: /rua@example.com/ }],
    ["DMARC fo", seedWith((c) => { c["mailstack:domains"][0].dmarc.fo = "2"; }),
      { key: "mailstack:domains[0].dmarc.fo", message: /fo value/, fix: /report any failure/ }],
    ["SPF +all", seedWith((c) => { c["mailstack:domains"][0].spf.all = "+all"; }),
      { key: "mailstack:domains[0].spf.all", message: /not one of "~all", "-all"/, fix: /never \+all/ }],
    ["SPF over 10 lookups", seedWith((c) => { c["mailstack:domains"][0].spf.include = Array.from({ length: 11 }, (_, i) => `_spf${i}.example.com`); }),
      { key: "mailstack:domains[0].spf.include", message: /11 DNS lookups.*stop at 10/, fix: /ip4:\/ip6:/ }],
    ["alias to nowhere", seedWith((c) => { c["mailstack:domains"][0].aliases = { "*": "" }; }),
      { key: "mailstack:domains[0].aliases.*", message: /no target address/, fix: /commas/ }],
    ["alias with a bad target", seedWith((c) => { c["mailstack:domains"][0].aliases = { i: "gmail" + ".com@" }; }),
      { key: "mailstack:domains[0].aliases.i", message: /not an address/, fix: /full addresses/ }],
    ["alias with a bad source", seedWith((c) => { c["mailstack:domains"][0].aliases = { "I Am": "x@gmail.com" }; }),
      { key: "mailstack:domains[0].aliases.I Am", message: /not a local part or "\*"/, fix: /catch-all/ }],
    ["unknown top-level key", seedWith((c) => { c["mailstack:domain"] = "user.tax"; }),
      { key: "mailstack:domain", message: /unknown key/, fix: /pulumi config rm mailstack:domain/ }],
    ["unknown nested key", seedWith((c) => { c["mailstack:hosts"][0].ip = "203.0.113.25"; }),
      { key: "mailstack:hosts[0].ip", message: /unknown key/, fix: /hostname, zone, ipv4/ }],
    ["missing ssh key", seedWith((c) => { delete c["mailstack:sshPrivateKey"]; }),
      { key: "mailstack:sshPrivateKey", message: /is missing/, fix: /--secret mailstack:sshPrivateKey/ }],
    ["ssh key that is not a key", seedWith((c) => { c["mailstack:sshPrivateKey"] = "ssh-ed25519 AAAA"; }),
      { key: "mailstack:sshPrivateKey", message: /not a PEM or OpenSSH private key/, fix: /id_ed25519/ }],
    ["missing cloudflare token", seedWith((c) => { delete c["cloudflare:apiToken"]; }),
      { key: "cloudflare:apiToken", message: /is missing/, fix: /Zone\.DNS edit/ }],
    ["two hosts with one address", seedWith((c) => { c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "203.0.113.25" }); }),
      { key: "mailstack:hosts[1].ipv4", message: /also used by mailstack:hosts\[0\]/, fix: /own name/ }],
    ["TTL out of range", seedWith((c) => { c["mailstack:dnsTtl"] = 30; }),
      { key: "mailstack:dnsTtl", message: /60 to 86400/, fix: /Cloudflare's range/ }],
    ["privileged monitoring port", seedWith((c) => { c["mailstack:monitoringPort"] = 80; }),
      { key: "mailstack:monitoringPort", message: /privileged/, fix: /0 for off/ }],
    ["key replacement switch that is not a boolean", seedWith((c) => { c["mailstack:allowKeyReplacement"] = "yes"; }),
      { key: "mailstack:allowKeyReplacement", message: /"yes" is not true or false/, fix: /protected/ }],
    ["a number where an fo value is meant, but not one", seedWith((c) => { c["mailstack:domains"][0].dmarc.fo = 2; }),
      { key: "mailstack:domains[0].dmarc.fo", message: /^2 is not a DMARC fo value/, fix: /use 1/ }],
    ["a fraction where a selector is meant", seedWith((c) => { c["mailstack:domains"][0].dkimSelector = 1.5; }),
      { key: "mailstack:domains[0].dkimSelector", message: /^1\.5 is not a DNS label/, fix: /letters, digits/ }],
  ];

  for (const [title, config, expected] of cases) {
    test(`rejects: ${title}`, () => {
      const problems = problemsOf(config);
      const match = problems.find((p) => p.key === expected.key);
      assert.ok(match, `no problem for ${expected.key}; got ${JSON.stringify(problems)}`);
      assert.match(match.message, expected.message);
      assert.match(match.fix, expected.fix);
    });
  }

  test("a whole number stands for its digits where text is meant (what `config set --path ... 1` stores)", () => {
    const numeric = seedWith((c) => {
      c["mailstack:domains"][0].dmarc.fo = 1;
      c["mailstack:domains"][0].dkimSelector = 2026;
      c["mailstack:domains"][0].users = ["i", 42];
    });
    const d = validateStackConfig(toEngineConfig(numeric)).domains[0];
    assert.deepEqual([d.dmarc.fo, d.dkimSelector, d.users], ["1", "2026", ["i", "42"]]);
    // Numbers are not taken where only words fit.
    assert.deepEqual(problemsOf(seedWith((c) => { c["mailstack:domains"][0].dmarc.policy = 1; })).map((p) => p.key), ["mailstack:domains[0].dmarc.policy"]);
  });

  test("mailstack:allowKeyReplacement: false unless set; true or false as the CLI passes them (text)", () => {
    assert.equal(validateStackConfig(toEngineConfig(seed)).allowKeyReplacement, false);
    assert.equal(validateStackConfig(toEngineConfig({ ...seed, "mailstack:allowKeyReplacement": "true" })).allowKeyReplacement, true);
    assert.equal(validateStackConfig(toEngineConfig({ ...seed, "mailstack:allowKeyReplacement": false })).allowKeyReplacement, false);
  });

  test("an IPv6 address written in another form is stored as `ip` prints it (RFC 5952)", () => {
    const config = validateStackConfig(toEngineConfig(seedWith((c) => { c["mailstack:hosts"][0].ipv6 = "2001:0DB8:0025:0000:0000:0000:0000:0025"; })));
    assert.equal(config.hosts[0].ipv6, "2001:db8:25::25");
  });

  test("every user and alias must forward outside the stack's domains (mailstack keeps no mailbox)", () => {
    const problems = (mutate: (c: any) => void) => problemsOf(seedWith(mutate)).map((p) => `${p.key}: ${p.message}`);
    // A user without an alias forwards where the catch-all does.
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].users.push("billing"); }), []);
    // Without a catch-all, that user has nowhere to go.
    assert.deepEqual(problems((c) => {
      c["mailstack:domains"][0].users.push("billing");
      delete c["mailstack:domains"][0].aliases["*"];
    }), ["mailstack:domains[0].users: mail to billing@user.tax ends at the user billing@user.tax, who has no forwarding address (mailstack keeps no mailbox)"]);
    // A catch-all to a local user who forwards nowhere but back to the catch-all loops.
    assert.match(problems((c) => {
      c["mailstack:domains"].push({ name: "shop.example", users: ["sales"], aliases: { "*": "sales" } });
    }).join("\n"), /mailstack:domains\[1\]\.aliases\.\*: mail to \*@shop\.example loops back/);
    // Through another stack domain to an outside address is fine.
    assert.deepEqual(problems((c) => {
      c["mailstack:domains"].push({ name: "shop.example", users: ["sales"], aliases: { sales: "i@user.tax", "*": "sales" } });
    }), []);
    // An alias to an address of the domain that is neither a user nor an alias (and no catch-all).
    assert.deepEqual(problems((c) => {
      c["mailstack:domains"][0].aliases = { i: "nobody" };
    }), ["mailstack:domains[0].aliases.i: mail to i@user.tax ends at nobody@user.tax, which is neither a user nor an alias"]);
  });

  test("reports every problem at once, and the message names each key and fix", () => {
    const config = seedWith((c) => {
      c["mailstack:hosts"][0].ipv4 = "1.2.3";
      c["mailstack:domains"][0].dmarc.policy = "quarentine";
      c["mailstack:acme"].email = "nope";
    });
    assert.throws(() => validateStackConfig(toEngineConfig(config)), (e: unknown) => {
      assert.ok(e instanceof StackConfigError);
      assert.equal(e.problems.length, 3);
      for (const key of ["mailstack:hosts[0].ipv4", "mailstack:domains[0].dmarc.policy", "mailstack:acme.email"]) {
        assert.ok(e.message.includes(key), `message lacks ${key}:\n${e.message}`);
      }
      assert.match(e.message, /3 problems.*nothing was changed/);
      assert.equal(e.message.split("fix:").length - 1, 3);
      return true;
    });
  });

  test("never echoes the SSH private key into an error", () => {
    const secret = "-----BEGIN NOT A KEY----- s3cr3t-material";
    const problems = problemsOf(seedWith((c) => { c["mailstack:sshPrivateKey"] = secret; }));
    assert.equal(problems.length, 1);
    assert.ok(!JSON.stringify(problems).includes("s3cr3t"));
  });

  test("CLOUDFLARE_API_TOKEN in the environment stands in for cloudflare:apiToken", () => {
    const config = seedWith((c) => { delete c["cloudflare:apiToken"]; });
    assert.equal(problemsOf(config, { CLOUDFLARE_API_TOKEN: "x" }).length, 0);
  });

  test("a host in a zone that is not a mail domain needs its zone named", () => {
    const config = seedWith((c) => { c["mailstack:hosts"][0] = { hostname: "smtp.provider.net", zone: "provider.net", ipv4: "203.0.113.7" }; });
    assert.equal(validateStackConfig(toEngineConfig(config)).hosts[0].zone, "provider.net");
  });
});
