// mailstack:submissionSrv under the mock engine: the SRV records as DnsRecord resources with data.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { unwrapSecrets } from "../support/mock-engine";
import { runProgram } from "../support/run-program";
import { clone, ConfigObject, stackFileConfig } from "../support/stack-config";

const DNS = "cloudflare:index/dnsRecord:DnsRecord";

function twoByTwo(submissionSrv: boolean): ConfigObject {
  const c = clone(stackFileConfig("Pulumi.prod.yaml")) as any;
  c["mailstack:hosts"].push({ hostname: "mx2.user.tax", ipv4: "198.51.100.7" });
  c["mailstack:domains"].push({ name: "shop.example", users: ["sales"], aliases: { "*": "boss@gmail.test" } });
  c["mailstack:submissionSrv"] = submissionSrv;
  return c;
}

describe("submission SRV records under the mock engine", () => {
  test("under the mock engine: one DnsRecord per SRV record with data; a second run changes nothing", async () => {
    const first = await runProgram(twoByTwo(true));
    const r = first.engine.find(DNS, "dns-srv-_submission._tcp.shop.example");
    const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
    assert.equal(inputs.content, undefined);
    assert.deepEqual([inputs.type, inputs.name, inputs.priority, inputs.data, inputs.ttl, inputs.proxied],
      ["SRV", "_submission._tcp.shop.example", 0, { priority: 0, weight: 1, port: 587, target: "mail.user.tax" }, 3600, false]);
    assert.equal(first.engine.ofType(DNS).filter((x) => x.inputs.type === "SRV").length, 4);
    const second = await runProgram(twoByTwo(true), { state: first.engine.state });
    assert.deepEqual(second.engine.registrations.filter((x) => x.custom && x.change !== "same").map((x) => x.name), []);
  });

  test("turning it on adds the SRV records only", async () => {
    const off = await runProgram(twoByTwo(false));
    const on = await runProgram(twoByTwo(true), { state: off.engine.state });
    const changed = on.engine.registrations.filter((x) => x.custom && x.change !== "same").map((x) => `${x.change} ${x.name}`);
    assert.deepEqual(changed.sort(), [
      "create dns-srv-_submission._tcp.shop.example", "create dns-srv-_submission._tcp.user.tax",
      "create dns-srv-_submissions._tcp.shop.example", "create dns-srv-_submissions._tcp.user.tax",
    ]);
  });
});
