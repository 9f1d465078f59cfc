// Corners of the plans that mutation testing found unpinned: the records of a host another stack
// owns, DMARC report authorisations in the target's own zone, the aliases file's order, the host's
// reports with noise in them, step parameter names, and the owner's verify and remove steps.
// (See README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderAliasesFile } from "../../plans/aliases-file";
import { dkimKeysOf, planDnsRecords } from "../../plans/dns";
import { parseBaseReport, parsePreflight } from "../../plans/host/preflight";
import { stepCommand } from "../../plans/host/step-command";
import { chasquidDeleteCommand, HostPlanInput, verifyCommand } from "../../plans/host/steps";
import { dmarcValue } from "../../plans/mail-records";
import { DEFAULT_FAIL2BAN } from "../../stacks/schema";
import type { DomainConfig, HostConfig, StackConfig } from "../../stacks/schema";

const host = (over: Partial<HostConfig> = {}): HostConfig =>
  ({ hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", sshUser: "root", sshPort: 22, firewall: true, owner: true, ...over });
const domain = (name: string, over: Partial<DomainConfig> = {}): DomainConfig =>
  ({ name, zone: name, users: ["i"], aliases: {}, spf: { include: [], all: "~all" }, dmarc: { policy: "quarantine", rua: [], ruf: [] }, dkimSelector: "mailstack", ...over });
const stack = (hosts: HostConfig[], domains: DomainConfig[]): StackConfig =>
  ({ hosts, domains, acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, dnsTtl: 300, allowKeyReplacement: false, reverseDns: { check: "stop" },
    fail2ban: DEFAULT_FAIL2BAN, submissionSrv: false });
const plan = (config: StackConfig) =>
  planDnsRecords(config, Object.fromEntries(config.domains.flatMap(dkimKeysOf).map((k) => [k.recordName, "v=DKIM1; k=rsa; p=AAAA"])));
const KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKJDWId4c0K";

describe("DNS plan corners", () => {
  test("a host another stack owns: MX and SPF name it, but its A, AAAA and HELO SPF are its owner's", () => {
    const records = plan(stack([host({ owner: false, ipv6: "2001:db8::25" })], [domain("shop.example")]));
    assert.deepEqual(records.map((r) => r.key), ["mx-shop.example-mail.user.tax", "txt-shop.example", "txt-mailstack._domainkey.shop.example", "txt-_dmarc.shop.example"]);
    assert.equal(records[1]!.content, '"v=spf1 ip4:203.0.113.25 ip6:2001:db8::25 ~all"');
  });

  test("a report authorisation lives in the zone of the domain that receives the reports", () => {
    const a = domain("a.example", { zone: "a.example", dmarc: { policy: "none", rua: ["r@news.b.example"], ruf: [] } });
    const b = domain("news.b.example", { zone: "b.example" });
    const auth = plan(stack([host()], [a, b])).filter((r) => r.comment === "mailstack: DMARC report authorisation");
    assert.deepEqual(auth.map((r) => [r.zone, r.name]), [["b.example", "a.example._report._dmarc.news.b.example"]]);
  });

  test("DMARC: every report address, joined by commas", () => {
    assert.equal(dmarcValue({ policy: "reject", rua: ["a@x.test", "b@y.test"], ruf: ["c@x.test", "d@y.test"] }),
      "v=DMARC1; p=reject; rua=mailto:a@x.test,mailto:b@y.test; ruf=mailto:c@x.test,mailto:d@y.test");
  });
});

describe("chasquid files and host reports", () => {
  test("aliases without a catch-all: sorted by name whatever the config's order", () => {
    assert.equal(renderAliasesFile("d", { zed: ["x@y.z"], amy: ["x@y.z"], kim: ["x@y.z"], bob: ["x@y.z"] }).split("\n").slice(1, -1).join(","),
      "amy: x@y.z,bob: x@y.z,kim: x@y.z,zed: x@y.z");
  });

  test("without a catch-all, a user gets no line of its own (validation asks for one; the file never invents it)", () => {
    assert.equal(renderAliasesFile("d", { i: ["me@gmail.com"] }, ["i", "j"]).split("\n").slice(1, -1).join(","), "i: me@gmail.com");
    assert.equal(renderAliasesFile("d", { "*": ["me@gmail.com"] }, ["j"]).split("\n").slice(1, -1).join(","), "j: me@gmail.com,*: me@gmail.com");
  });

  test("lines without '=' are noise, even when they start like a key", () => {
    assert.deepEqual(parseBaseReport("debian-12", "chasquid=1.15.0-1+b4\ndkim=native\ndkimx\nchasquidy\n"), { os: "debian-12", chasquid: "1.15.0-1+b4", dkim: "native" });
    assert.deepEqual(parsePreflight(`os=debian-13\nhostkey=${KEY}\nosx\nhostkeyz\n`), { os: "debian-13", hostKey: KEY });
  });

  test("the host key must be exactly a type and a key: nothing before it, nothing after it", () => {
    for (const bad of [`x${KEY}`, `${KEY} root@mail`, `${KEY}!`]) {
      assert.throws(() => parsePreflight(`os=debian-13\nhostkey=${bad}\n`), /^Error: preflight printed no usable facts: /, bad);
    }
  });
});

describe("host step corners", () => {
  const input = (over: Partial<HostPlanInput> = {}): HostPlanInput => ({
    host: host(), stack: "mailstack/prod", acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, firewall: true,
    domains: [{ name: "user.tax", dkimSelector: "mailstack", aliasesFile: "" }], ...over,
  });

  test("parameter names are MS_ and upper case from start to end", () => {
    for (const bad of ["XMS_DOMAIN", "MS_DOMAINx", "MS_"]) assert.throws(() => stepCommand("domain", { [bad]: "x" }), /must look like MS_NAME/, bad);
  });

  test("the owner's verify checks the firewall when it installed one, and says no when not", () => {
    assert.match(verifyCommand(input()), /^MS_FIREWALL='yes'$/m);
    assert.match(verifyCommand(input({ firewall: false })), /^MS_FIREWALL='no'$/m);
  });

  test("removing chasquid's config names the stack (it only removes what this stack made)", () => {
    assert.match(chasquidDeleteCommand(input()), /^# mailstack step: chasquid-remove\nMS_STACK='mailstack\/prod'\n/m);
  });
});
