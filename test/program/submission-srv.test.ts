// mailstack:submissionSrv: the RFC 6186 SRV records in the plan, and as the component hands them to
// the Cloudflare provider (`data`, never `content`). Under the mock engine: submission-srv-program.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { recordValue } from "../../components/dns-records";
import { planDnsRecords, planSubmissionSrv, SUBMISSION_SRV } from "../../plans/dns";
import { validateStackConfig } from "../../stacks/validate";
import { clone, ConfigObject, stackFileConfig, toEngineConfig } from "../support/stack-config";

const seed = stackFileConfig("Pulumi.prod.yaml");
const dkim = { "mailstack._domainkey.user.tax": "v=DKIM1; k=rsa; p=AAAA", "mailstack._domainkey.shop.example": "v=DKIM1; k=rsa; p=BBBB" };

/** The seed with a second host and a second domain (in its own zone), SRV on or off. */
function twoByTwo(submissionSrv: boolean): ConfigObject {
  const c = clone(seed) as any;
  c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "198.51.100.7" });
  c["mailstack:domains"].push({ name: "shop.example", users: ["sales"], aliases: { "*": "boss@gmail.test" } });
  c["mailstack:submissionSrv"] = submissionSrv;
  return c;
}
const configOf = (c: ConfigObject) => validateStackConfig(toEngineConfig(c));

describe("submission SRV records", () => {
  test("per domain: _submissions._tcp → 465 and _submission._tcp → 587 at the first host, after every other record", () => {
    const records = planDnsRecords(configOf(twoByTwo(true)), dkim);
    const srv = records.filter((r) => r.type === "SRV");
    assert.deepEqual(srv.map((r) => [r.key, r.zone, r.name, r.priority, r.content, r.srv]), [
      ["srv-_submissions._tcp.user.tax", "user.tax", "_submissions._tcp.user.tax", 0, "1 465 mail.user.tax", { weight: 1, port: 465, target: "mail.user.tax" }],
      ["srv-_submission._tcp.user.tax", "user.tax", "_submission._tcp.user.tax", 0, "1 587 mail.user.tax", { weight: 1, port: 587, target: "mail.user.tax" }],
      ["srv-_submissions._tcp.shop.example", "shop.example", "_submissions._tcp.shop.example", 0, "1 465 mail.user.tax", { weight: 1, port: 465, target: "mail.user.tax" }],
      ["srv-_submission._tcp.shop.example", "shop.example", "_submission._tcp.shop.example", 0, "1 587 mail.user.tax", { weight: 1, port: 587, target: "mail.user.tax" }],
    ]);
    assert.ok(srv.every((r) => r.ttl === 3600 && r.proxied === false && r.comment === "mailstack: mail client settings (RFC 6186)"));
    // Appended: the records before them are exactly the plan without SRV.
    assert.deepEqual(records.slice(0, records.length - srv.length), planDnsRecords(configOf(twoByTwo(false)), dkim));
    assert.deepEqual(SUBMISSION_SRV.map((s) => s.port), [465, 587]);
    const keys = records.map((r) => r.key);
    assert.equal(new Set(keys).size, keys.length);
  });

  test("off by default: no SRV record", () => {
    assert.deepEqual(planDnsRecords(configOf(seed), { "mailstack._domainkey.user.tax": dkim["mailstack._domainkey.user.tax"] }).filter((r) => r.type === "SRV"), []);
  });

  test("the dnsTtl applies, and a domain in a parent zone gets its records in that zone", () => {
    const c = clone(seed) as any;
    c["mailstack:domains"][0].name = "mail-users.user.tax";
    c["mailstack:domains"][0].zone = "user.tax";
    c["mailstack:dnsTtl"] = 300;
    c["mailstack:submissionSrv"] = true;
    const srv = planSubmissionSrv(configOf(c));
    assert.deepEqual(srv.map((r) => [r.zone, r.name, r.ttl]), [
      ["user.tax", "_submissions._tcp.mail-users.user.tax", 300], ["user.tax", "_submission._tcp.mail-users.user.tax", 300],
    ]);
  });

  test("the provider gets SRV as data (priority also at the top level, as Cloudflare returns it), never as content", () => {
    const [srv] = planSubmissionSrv(configOf(twoByTwo(true)));
    assert.deepEqual(recordValue(srv!), { priority: 0, data: { priority: 0, weight: 1, port: 465, target: "mail.user.tax" } });
    assert.throws(() => recordValue({ ...srv!, srv: undefined }), /SRV record srv-_submissions\._tcp\.user\.tax has no priority, weight, port and target/);
    const mx = planDnsRecords(configOf(seed), { "mailstack._domainkey.user.tax": dkim["mailstack._domainkey.user.tax"] }).find((r) => r.type === "MX")!;
    assert.deepEqual(recordValue(mx), { content: "mail.user.tax", priority: 10 });
  });
});
