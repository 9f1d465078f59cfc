// More of the Ed25519 signature and the DKIM keys of a domain, as pure plans (ed25519.test.ts runs
// the program under the mock engine, which the mutation run leaves out): the record's value, every
// key a domain has during a rotation, the domain and verify steps' parameters and bundle, and the
// base step's report of a chasquid that signs through its hook. (Mutation testing showed these could
// break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, test } from "node:test";
import { dkimKeysOf, planDnsRecords } from "../../plans/dns";
import { parseBaseReport } from "../../plans/host/preflight";
import { domainCommand, domainStdin, HostPlanInput, verifyCommand } from "../../plans/host/steps";
import { dkimEd25519Value } from "../../plans/mail-records";
import { DEFAULT_FAIL2BAN } from "../../stacks/schema";
import type { DomainConfig, StackConfig } from "../../stacks/schema";

const ed25519 = generateKeyPairSync("ed25519").publicKey;
const ed25519Pem = ed25519.export({ format: "pem", type: "spki" }).toString();
const rawKey = ed25519.export({ format: "der", type: "spki" }).subarray(12).toString("base64");

const domain = (over: Partial<DomainConfig> = {}): DomainConfig => ({
  name: "user.tax", zone: "user.tax", users: ["i"], aliases: {}, spf: { include: [], all: "~all" },
  dmarc: { policy: "quarantine", rua: [], ruf: [] }, dkimSelector: "mailstack", ...over,
});
const plan = (domains: HostPlanInput["domains"]): HostPlanInput => ({
  host: { hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", sshUser: "root", sshPort: 22, firewall: true, owner: true },
  stack: "mailstack/prod", acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, firewall: true, domains,
});
/** The `NAME='value'` lines of a step's program. */
const params = (text: string) => Object.fromEntries([...text.matchAll(/^(MS_[A-Z0-9_]+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]));
const unbundle = (bundle: string) => Object.fromEntries(bundle.trim().split("\n").map((line) => {
  const [, name, b64] = line.split(" ");
  return [name!, Buffer.from(b64!, "base64").toString("utf8")];
}));

describe("Ed25519 record and keys", () => {
  test("the record carries the raw key; a key of another type is refused by name", () => {
    assert.equal(dkimEd25519Value(ed25519Pem), `v=DKIM1; k=ed25519; p=${rawKey}`);
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey.export({ format: "pem", type: "spki" }).toString();
    assert.throws(() => dkimEd25519Value(rsa), /^Error: an Ed25519 DKIM key must be Ed25519, got rsa$/);
    const x25519 = generateKeyPairSync("x25519").publicKey.export({ format: "pem", type: "spki" }).toString();
    assert.throws(() => dkimEd25519Value(x25519), /^Error: an Ed25519 DKIM key must be Ed25519, got x25519$/);
  });

  test("a domain's keys: RSA, the rotation's next RSA key, then Ed25519, each with its record name", () => {
    assert.deepEqual(dkimKeysOf(domain({ ed25519Selector: "ed", dkimRotation: { nextSelector: "2026b", publishWait: 300, keepOld: 0 } })), [
      { selector: "mailstack", algorithm: "rsa", recordName: "mailstack._domainkey.user.tax" },
      { selector: "2026b", algorithm: "rsa", recordName: "2026b._domainkey.user.tax" },
      { selector: "ed", algorithm: "ed25519", recordName: "ed._domainkey.user.tax" },
    ]);
    assert.deepEqual(dkimKeysOf(domain()).map((k) => k.selector), ["mailstack"]);
  });

  test("the plan publishes each key's record with its own comment, and refuses a key without a value", () => {
    const config: StackConfig = {
      hosts: [plan([]).host], domains: [domain({ ed25519Selector: "ed" })], acme: plan([]).acme, dnsTtl: 300, allowKeyReplacement: false,
      reverseDns: { check: "stop" }, fail2ban: DEFAULT_FAIL2BAN, submissionSrv: false,
    };
    const values = { "mailstack._domainkey.user.tax": "v=DKIM1; k=rsa; p=AAAA", "ed._domainkey.user.tax": `v=DKIM1; k=ed25519; p=${rawKey}` };
    const dkim = planDnsRecords(config, values).filter((r) => r.name.includes("._domainkey."));
    assert.deepEqual(dkim.map((r) => [r.key, r.name, r.content, r.comment]), [
      ["txt-mailstack._domainkey.user.tax", "mailstack._domainkey.user.tax", '"v=DKIM1; k=rsa; p=AAAA"', "mailstack: DKIM"],
      ["txt-ed._domainkey.user.tax", "ed._domainkey.user.tax", `"v=DKIM1; k=ed25519; p=${rawKey}"`, "mailstack: DKIM (Ed25519)"],
    ]);
    assert.throws(() => planDnsRecords(config, { "mailstack._domainkey.user.tax": "v=DKIM1; k=rsa; p=AAAA" }),
      /^Error: no DKIM record value for ed\._domainkey\.user\.tax$/);
  });
});

describe("Ed25519 on the host", () => {
  const withEd = { name: "user.tax", dkimSelector: "mailstack", ed25519Selector: "ed", aliasesFile: "i: me@gmail.com\n" };
  const rsaOnly = { name: "shop.example", dkimSelector: "s1", aliasesFile: "" };

  test("the domain step names the Ed25519 selector and ships its key beside the RSA one", () => {
    assert.equal(params(domainCommand(plan([withEd]), withEd)).MS_ED25519_SELECTOR, "ed");
    assert.deepEqual(unbundle(domainStdin(withEd, "USERS", "RSA-KEY", "ED-KEY")),
      { aliases: "i: me@gmail.com\n", "dkim-ed25519.pem": "ED-KEY", "dkim.pem": "RSA-KEY", users: "USERS" });
    assert.throws(() => domainStdin(withEd, "USERS", "RSA-KEY"), /^Error: no Ed25519 DKIM private key for user\.tax$/);
    assert.throws(() => domainStdin(withEd, "USERS", "RSA-KEY", ""), /^Error: no Ed25519 DKIM private key for user\.tax$/);
    // A domain without one ignores a key handed over by mistake.
    assert.deepEqual(Object.keys(unbundle(domainStdin(rsaOnly, "USERS", "RSA-KEY", "ED-KEY"))).sort(), ["aliases", "dkim.pem", "users"]);
  });

  test("verify checks the Ed25519 signature of exactly the domains that have one", () => {
    const both = { ...rsaOnly, name: "b.example", ed25519Selector: "ed2" };
    const p = params(verifyCommand(plan([withEd, rsaOnly, both])));
    assert.equal(p.MS_DKIM, "user.tax:mailstack shop.example:s1 b.example:s1");
    assert.equal(p.MS_DKIM_ED25519, "user.tax:ed b.example:ed2");
    assert.equal(params(verifyCommand(plan([rsaOnly]))).MS_DKIM_ED25519, undefined);
  });
});

describe("the base step's report on a chasquid that signs through its hook (Debian 12's 1.11, Ubuntu's 1.13)", () => {
  test("hook and native are the two modes; the version is kept as the package names it", () => {
    assert.deepEqual(parseBaseReport("debian-12", "chasquid=1.11-2+b4\ndkim=hook\n"), { os: "debian-12", chasquid: "1.11-2+b4", dkim: "hook" });
    assert.deepEqual(parseBaseReport("ubuntu-24.04", "dkim=hook\nchasquid=1.13-1ubuntu0.3\n"), { os: "ubuntu-24.04", chasquid: "1.13-1ubuntu0.3", dkim: "hook" });
    assert.throws(() => parseBaseReport("debian-12", "chasquid=1.11-2+b4\ndkim=\n"), /^Error: the base step reported no chasquid version: /);
    assert.throws(() => parseBaseReport("debian-12", "chasquid=\ndkim=hook\n"), /^Error: the base step reported no chasquid version: /);
  });
});
