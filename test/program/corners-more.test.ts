// Corners of the config validator and the forwarding check that mutation testing found unpinned:
// whole numbers where text is meant, long values in messages, URL and network forms, Contabo's {}
// default, rotation and Ed25519 selectors, and where forwarded mail ends. (See README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ForwardingDomain, forwardingProblems } from "../../stacks/forwarding";
import { StackConfigError, validateStackConfig } from "../../stacks/validate";
import { problemsOf, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml") as any;
const SECRET_CONTABO = { PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["mailstack:contabo"]) };
const contabo = { clientId: "INT-1", apiUser: "me@user.tax", clientSecret: "cs", apiPassword: "pw" };
const edit = (change: (c: any) => void) => {
  const c = structuredClone(seed);
  change(c);
  return c;
};
const problems = (change: (c: any) => void, env: Record<string, string> = {}) => problemsOf(edit(change), env);
const valid = (change: (c: any) => void, env: Record<string, string> = {}) => validateStackConfig(toEngineConfig(edit(change)), env);

describe("config corners", () => {
  test("a domain without a name is one problem, not also a zone problem", () => {
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0] = { users: ["i"], aliases: { i: "me@gmail.com" } }; c["mailstack:hosts"][0].zone = "user.tax"; }),
      [{ key: "mailstack:domains[0].name", message: '"" is not a lower-case domain name', fix: "set it to the domain you send from, e.g. example.com" }]);
    assert.deepEqual(problems((c) => { c["mailstack:hosts"][0] = { hostname: "mail.user.tax" }; }),
      [{ key: "mailstack:hosts[0].ipv4", message: '"" is not an IPv4 address', fix: "set the VPS's public IPv4: pulumi config set --path 'mailstack:hosts[0].ipv4' 203.0.113.10" }]);
  });

  test("a whole number stands for its digits, 0 included; a negative one does not", () => {
    assert.equal(valid((c) => { c["mailstack:domains"][0].dkimSelector = 0; }).domains[0]!.dkimSelector, "0");
    assert.deepEqual(problems((c) => { c["mailstack:contabo"] = { ...contabo, clientId: -5 }; }, SECRET_CONTABO).map((p) => [p.key, p.message]),
      [["mailstack:contabo.clientId", "-5 is not a client id"]]);
  });

  test("values up to 60 characters are quoted whole in messages, longer ones shortened", () => {
    const ps = problems((c) => { c["mailstack:dnsTtl"] = "x".repeat(58); c["mailstack:monitoringPort"] = "x".repeat(59); });
    assert.deepEqual(ps.map((p) => p.message), [
      `"${"x".repeat(58)}" is not a whole number from 60 to 86400`,
      `"${"x".repeat(56)}... is not a whole number from 0 to 65535`,
    ]);
  });

  test("the error lists each problem on its own lines", () => {
    assert.throws(() => valid((c) => { c["mailstack:dnsTtl"] = 1; c["mailstack:monitoringPort"] = 80; }), (e: unknown) => {
      assert.ok(e instanceof StackConfigError);
      assert.equal(e.message, "mailstack: the stack config has 2 problems; nothing was changed.\n"
        + "  - mailstack:dnsTtl: 1 is not a whole number from 60 to 86400\n      fix: use 60..86400 seconds (Cloudflare's range)\n"
        + "  - mailstack:monitoringPort: 80 is a privileged port chasquid cannot bind\n      fix: use a free port from 1024 to 65535, or 0 for off");
      return true;
    });
  });

  test("an alias with several bad targets names them all", () => {
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].aliases = { i: "bad@, also bad" }; }).map((p) => p.message),
      ['"bad@", "also bad" is not an address']);
  });

  test("selectors: the Ed25519 one is kept; the rotation's next one may not be the current RSA one", () => {
    assert.equal(valid((c) => { c["mailstack:domains"][0].ed25519Selector = "mailstack-ed"; }).domains[0]!.ed25519Selector, "mailstack-ed");
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].dkimRotation = { nextSelector: "mailstack" }; }).map((p) => [p.key, p.message]),
      [["mailstack:domains[0].dkimRotation.nextSelector", '"mailstack" is already a selector of this domain']]);
  });

  test("Contabo: {} (Pulumi.yaml's default) is off; URLs: https, or http to loopback and private addresses only; trailing slashes go", () => {
    assert.equal(valid((c) => { c["mailstack:contabo"] = {}; }).contabo, undefined);
    const urlOk = (apiUrl: string) => problems((c) => { c["mailstack:contabo"] = { ...contabo, apiUrl }; }, SECRET_CONTABO).length === 0;
    for (const ok of ["https://api.test", "http://localhost:8788", "http://127.0.0.1", "http://10.78.0.1:8788", "http://192.168.1.2",
      "http://172.16.0.1", "http://172.24.0.1", "http://172.31.0.1"]) assert.ok(urlOk(ok), ok);
    for (const bad of ["http://api.test", "xhttps://api.test", "https://api.test x", "http://203.10.0.1", "http://172.15.0.1", "http://172.32.0.1",
      "http://172.2a.example", "http://8.127.0.0.1"]) assert.ok(!urlOk(bad), bad);
    assert.equal(valid((c) => { c["mailstack:contabo"] = { ...contabo, apiUrl: "http://10.78.0.1:8788//" }; }, SECRET_CONTABO).contabo?.apiUrl,
      "http://10.78.0.1:8788");
  });

  test("fail2ban's networks: the widest prefixes pass, prefixes must be plain digits", () => {
    const ignore = (ip: string) => problems((c) => { c["mailstack:fail2ban"] = { ignoreIps: [ip] }; }).length === 0;
    for (const ok of ["203.0.113.7/32", "2001:db8::/128", "10.0.0.0/0"]) assert.ok(ignore(ok), ok);
    for (const bad of ["10.0.0.0/+24", "10.0.0.0/1e1", "10.0.0.0/024x"]) assert.ok(!ignore(bad), bad);
  });
});

describe("cross-checks", () => {
  test("a forwarding problem is reported beside an unrelated problem elsewhere", () => {
    assert.deepEqual(problems((c) => { c["mailstack:dnsTtl"] = 1; c["mailstack:domains"][0].aliases = { i: "nobody@user.tax" }; }).map((p) => p.key),
      ["mailstack:dnsTtl", "mailstack:domains[0].aliases.i"]);
  });

  test("fail2ban in a stack without hosts is one problem (no hosts), and a stack owning one of two hosts may turn it on", () => {
    assert.deepEqual(problems((c) => { c["mailstack:hosts"] = []; c["mailstack:fail2ban"] = { enabled: true }; }).map((p) => p.key), ["mailstack:hosts"]);
    assert.equal(valid((c) => {
      c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "203.0.113.26", owner: false });
      c["mailstack:fail2ban"] = { enabled: true };
    }).fail2ban.enabled, true);
  });

  test("a host another stack owns needs no zone of this stack's: its parent domain stands in", () => {
    assert.equal(valid((c) => { c["mailstack:hosts"][0] = { hostname: "mail.other.tax", ipv4: "203.0.113.25", owner: false }; }).hosts[0]!.zone, "other.tax");
  });

  test("the engine's list of secret keys: unreadable or not a list means none", () => {
    const withContabo = edit((c) => { c["mailstack:contabo"] = contabo; });
    for (const keys of ["not json", '{"mailstack:contabo":true}']) {
      assert.deepEqual(problemsOf(withContabo, { PULUMI_CONFIG_SECRET_KEYS: keys }).map((p) => p.message),
        ["is stored in plain text in the stack file", "is stored in plain text in the stack file"], keys);
    }
  });
});

describe("shapes and keys", () => {
  test("an ACME directory starts with https://; contabo: null is not an object; the SSH key is text, not a list", () => {
    assert.deepEqual(problems((c) => { c["mailstack:acme"].directory = "xhttps://acme.test/dir"; }).map((p) => p.key), ["mailstack:acme.directory"]);
    assert.deepEqual(problems((c) => { c["mailstack:contabo"] = null; }),
      [{ key: "mailstack:contabo", message: "must be an object, got null", fix: "contabo is { clientId, clientSecret, apiUser, apiPassword } from https://my.contabo.com/api/details" }]);
    assert.deepEqual(problems((c) => { c["mailstack:sshPrivateKey"] = [c["mailstack:sshPrivateKey"]]; }).map((p) => [p.key, p.message]),
      [["mailstack:sshPrivateKey", "is not a PEM or OpenSSH private key"]]);
  });

  test("a monitoring port out of range is reported under its key", () => {
    assert.deepEqual(problems((c) => { c["mailstack:monitoringPort"] = 65536; }).map((p) => p.key), ["mailstack:monitoringPort"]);
  });

  test("forwarding is checked only when every domain read cleanly (its keys count domains in the config's order)", () => {
    assert.deepEqual(problems((c) => {
      c["mailstack:domains"][0].aliases = {};
      c["mailstack:domains"].push({ name: "Bad.Example", users: ["x"], aliases: { x: "me@gmail.com" } });
    }).map((p) => p.key), ["mailstack:domains[1].name"]);
  });
});

describe("syntax corners", () => {
  test("forms each check refuses or accepts at its edges", () => {
    const hostProblems = (h: Record<string, unknown>) => problems((c) => { Object.assign(c["mailstack:hosts"][0], h); }).map((p) => p.message);
    assert.deepEqual(hostProblems({ sshUser: "deploy!" }), ['"deploy!" is not a Unix user name']);
    assert.deepEqual(hostProblems({ sshPort: true }), ["true is not a whole number from 1 to 65535"]);
    assert.deepEqual(hostProblems({ sshPort: ["22"] }), ['["22"] is not a whole number from 1 to 65535']);
    assert.deepEqual(problems((c) => { c["mailstack:acme"].email = "user.tax"; }).map((p) => p.message), ['"user.tax" is not an e-mail address'], "a domain alone is no address");
    const fo = (v: string) => problems((c) => { c["mailstack:domains"][0].dmarc.fo = v; }).map((p) => p.key);
    assert.deepEqual([fo("1x"), fo("x1"), fo("0:d")], [["mailstack:domains[0].dmarc.fo"], ["mailstack:domains[0].dmarc.fo"], []]);
    const selector = (v: string) => problems((c) => { c["mailstack:domains"][0].dkimSelector = v; c["mailstack:hosts"][0].zone = "user.tax"; }).map((p) => p.message);
    assert.deepEqual([selector("a"), selector("a_b")], [[], ['"a_b" is not a DNS label']]);
    const include = (v: string) => problems((c) => { c["mailstack:domains"][0].spf.include = [v]; }).map((p) => p.message);
    assert.deepEqual([include("__spf.example.com"), include("_s!.example.com"), include("_spf.example.a1"), include("_spf.example.1a")],
      [['"__spf.example.com" is not a domain name'], ['"_s!.example.com" is not a domain name'], [], []]);
  });

  test("only whole numbers of at least 0 stand for their digits; other values are refused as they are", () => {
    const clientId = (v: unknown) => problems((c) => { c["mailstack:contabo"] = { ...contabo, clientId: v }; }, SECRET_CONTABO).map((p) => p.message);
    assert.deepEqual(clientId(true), ["true is not a client id"]);
    assert.deepEqual(clientId(1.5), ["1.5 is not a client id"]);
    assert.deepEqual(clientId(2 ** 60), ["1152921504606847000 is not a client id"]);
    assert.deepEqual(clientId(12345678), []);
  });

  test("aliases given as text are refused as a whole", () => {
    assert.deepEqual(problems((c) => { c["mailstack:domains"][0].aliases = "i: me@gmail.com"; }),
      [{ key: "mailstack:domains[0].aliases", message: 'must be an object, got "i: me@gmail.com"', fix: 'aliases is { "<local part or *>": "<address>[, <address>...]" }' }]);
  });
});

describe("forwarding corners", () => {
  const fix = "forward it to an address outside the stack's domains (e.g. you@gmail.com), directly or through another alias that does";
  test("mail to a name that is not a user takes the catch-all of that domain", () => {
    const domains: ForwardingDomain[] = [
      { name: "a.example", users: [], aliases: { x: ["y@b.example"] } },
      { name: "b.example", users: [], aliases: { "*": ["me@gmail.com"] } },
    ];
    assert.deepEqual(forwardingProblems(domains), []);
  });

  test("problems in the order of the alias names; a user with an alias of its own is checked once, as that alias", () => {
    const domains: ForwardingDomain[] = [{ name: "a.example", users: ["i"], aliases: { zed: ["nobody@a.example"], i: ["ghost@a.example"], amy: ["nobody@a.example"] } }];
    assert.deepEqual(forwardingProblems(domains).map((p) => [p.key, p.problem]), [
      ["domains[0].aliases.amy", "mail to amy@a.example ends at nobody@a.example, which is neither a user nor an alias"],
      ["domains[0].aliases.i", "mail to i@a.example ends at ghost@a.example, which is neither a user nor an alias"],
      ["domains[0].aliases.zed", "mail to zed@a.example ends at nobody@a.example, which is neither a user nor an alias"],
    ]);
  });

  test("a target that forwards fine does not end the walk: the next target is followed too", () => {
    const domains: ForwardingDomain[] = [{ name: "a.example", users: ["i"], aliases: { y: ["me@gmail.com"], x: ["y@a.example", "ghost@a.example"], i: ["me@gmail.com"] } }];
    assert.deepEqual(forwardingProblems(domains).map((p) => p.problem), ["mail to x@a.example ends at ghost@a.example, which is neither a user nor an alias"]);
  });

  test("every target is followed, not only the first; the problem and its fix are exact", () => {
    const domains = [
      { name: "a.example", users: ["i"], aliases: { x: ["me@gmail.com", "i@a.example"] } },
    ];
    assert.deepEqual(forwardingProblems(domains), [
      { key: "domains[0].aliases.x", problem: "mail to x@a.example ends at the user i@a.example, who has no forwarding address (mailstack keeps no mailbox)", fix },
      { key: "domains[0].users", problem: "mail to i@a.example ends at the user i@a.example, who has no forwarding address (mailstack keeps no mailbox)",
        fix: 'add aliases.i (or a catch-all "*") with an address outside the stack\'s domains' },
    ]);
  });
});
