// mailstack:fail2ban and mailstack:submissionSrv: defaults, bounds, and every problem with its key and fix.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DEFAULT_FAIL2BAN } from "../../stacks/schema";
import { validateStackConfig } from "../../stacks/validate";
import { ConfigObject, problemsOf, stackFileConfig, toEngineConfig } from "../support/stack-config";

const withKeys = (extra: ConfigObject): ConfigObject => ({ ...stackFileConfig("Pulumi.prod.yaml"), ...extra });
const valid = (extra: ConfigObject) => validateStackConfig(toEngineConfig(withKeys(extra)));

describe("fail2ban config", () => {
  test("off by default, with fail2ban's usual numbers; {} (Pulumi.yaml's default) is the same", () => {
    assert.deepEqual(valid({}).fail2ban, { enabled: false, maxRetry: 5, findTime: 600, banTime: 3600, ignoreIps: [] });
    assert.deepEqual(valid({ "mailstack:fail2ban": {} }).fail2ban, DEFAULT_FAIL2BAN);
  });

  test("every field set, as YAML or `config set --path` (text) stores it", () => {
    assert.deepEqual(valid({ "mailstack:fail2ban": { enabled: true, maxRetry: 3, findTime: "120", banTime: 86400, ignoreIps: ["203.0.113.7", "2001:db8:7::/48", "10.0.0.0/8"] } }).fail2ban,
      { enabled: true, maxRetry: 3, findTime: 120, banTime: 86400, ignoreIps: ["203.0.113.7", "2001:db8:7::/48", "10.0.0.0/8"] });
    assert.equal(valid({ "mailstack:fail2ban": { enabled: true } }).fail2ban.maxRetry, 5);
  });

  test("bounds: the edges pass, one past them is refused with the range", () => {
    assert.deepEqual(valid({ "mailstack:fail2ban": { maxRetry: 1, findTime: 60, banTime: 60 } }).fail2ban, { ...DEFAULT_FAIL2BAN, maxRetry: 1, findTime: 60, banTime: 60 });
    assert.deepEqual(valid({ "mailstack:fail2ban": { maxRetry: 100, findTime: 604800, banTime: 2592000 } }).fail2ban,
      { ...DEFAULT_FAIL2BAN, maxRetry: 100, findTime: 604800, banTime: 2592000 });
    const ps = problemsOf(withKeys({ "mailstack:fail2ban": { maxRetry: 0, findTime: 59, banTime: 2592001 } }));
    assert.deepEqual(ps.map((p) => [p.key, p.message]), [
      ["mailstack:fail2ban.maxRetry", "0 is not a whole number from 1 to 100"],
      ["mailstack:fail2ban.findTime", "59 is not a whole number from 60 to 604800"],
      ["mailstack:fail2ban.banTime", "2592001 is not a whole number from 60 to 2592000"],
    ]);
    assert.match(ps[0]!.fix, /failed logins from one address/);
    assert.match(ps[1]!.fix, /seconds/);
    assert.match(ps[2]!.fix, /how long a ban lasts/);
  });

  test("every problem at once: unknown field, not a boolean, bad addresses and networks, a duplicate", () => {
    const ps = problemsOf(withKeys({
      "mailstack:fail2ban": { enabled: "yes", maxretry: 3, ignoreIps: ["203.0.113.7", "mail.user.tax", "10.0.0.0/33", "2001:db8::/129", "1.2.3.4/8/8", "fe80::1%eth0", "203.0.113.7"] },
    }));
    assert.deepEqual(ps.map((p) => p.key), [
      "mailstack:fail2ban.maxretry", "mailstack:fail2ban.enabled",
      "mailstack:fail2ban.ignoreIps[1]", "mailstack:fail2ban.ignoreIps[2]", "mailstack:fail2ban.ignoreIps[3]", "mailstack:fail2ban.ignoreIps[4]",
      "mailstack:fail2ban.ignoreIps[5]", "mailstack:fail2ban.ignoreIps[6]",
    ]);
    assert.match(ps[0]!.fix, /use one of: enabled, maxRetry, findTime, banTime, ignoreIps/);
    assert.equal(ps[1]!.message, '"yes" is not true or false');
    assert.equal(ps[2]!.message, '"mail.user.tax" is not an IP address or network (CIDR)');
    assert.match(ps[2]!.fix, /never banned/);
    assert.equal(ps[7]!.message, '"203.0.113.7" is listed twice');
    assert.deepEqual(problemsOf(withKeys({ "mailstack:fail2ban": true })).map((p) => [p.key, p.message]), [["mailstack:fail2ban", "must be an object, got true"]]);
  });

  test("a stack that owns none of its hosts cannot turn the jail on (the owner's base step sets it up)", () => {
    const guest = stackFileConfig("Pulumi.prod.yaml") as { "mailstack:hosts": Record<string, unknown>[] };
    const hosts = guest["mailstack:hosts"].map((h) => ({ ...h, owner: false }));
    const ps = problemsOf({ ...guest, "mailstack:hosts": hosts, "mailstack:fail2ban": { enabled: true } });
    assert.deepEqual(ps.map((p) => p.key), ["mailstack:fail2ban.enabled"]);
    assert.match(ps[0]!.fix, /the stack that owns the host/);
    // Off (or only tuned) is fine there.
    assert.deepEqual(problemsOf({ ...guest, "mailstack:hosts": hosts, "mailstack:fail2ban": { maxRetry: 3 } }), []);
  });
});

describe("submissionSrv config", () => {
  test("false by default; true or false as YAML or the CLI (text) stores them; anything else refused", () => {
    assert.equal(valid({}).submissionSrv, false);
    assert.equal(valid({ "mailstack:submissionSrv": true }).submissionSrv, true);
    assert.equal(valid({ "mailstack:submissionSrv": "true" }).submissionSrv, true);
    assert.equal(valid({ "mailstack:submissionSrv": "false" }).submissionSrv, false);
    const ps = problemsOf(withKeys({ "mailstack:submissionSrv": "yes" }));
    assert.deepEqual(ps.map((p) => [p.key, p.message]), [["mailstack:submissionSrv", '"yes" is not true or false']]);
    assert.match(ps[0]!.fix, /_submissions\._tcp/);
  });
});

test("Pulumi.local.yaml turns the jail (quick to trip, the world's host side never banned) and the SRV records on, validly", () => {
  const local = stackFileConfig("Pulumi.local.yaml");
  const c = valid({ "mailstack:fail2ban": local["mailstack:fail2ban"], "mailstack:submissionSrv": local["mailstack:submissionSrv"] });
  assert.deepEqual(c.fail2ban, { enabled: true, maxRetry: 3, findTime: 600, banTime: 600, ignoreIps: ["10.78.0.1", "2001:db8:78::1"] });
  assert.equal(c.submissionSrv, true);
});
