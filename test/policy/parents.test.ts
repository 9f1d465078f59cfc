// The pack recognises DKIM keys by their DkimKey parent, which the engine writes into the URN. The
// other policy tests build URNs from names (asPolicyResources guesses a parent from the naming
// rule), so they cannot see a key that lost its parent. This test reads the URNs the program
// really registers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { dkimKeyStrength, isDkimKey } from "../../policy/dkim-key-strength";
import { DKIM_KEY_COMPONENT, TLS_PRIVATE_KEY } from "../../policy/resource-types";
import { runProgram } from "../support/run-program";
import { stackFileConfig } from "../support/stack-config";
import { NOT_APPLICABLE, runResourcePolicy } from "./fake-args";

/** The type chain of a URN (`urn:pulumi:stack::project::parent$child::name`), outermost first. */
const typeChain = (urn: string) => urn.split("::")[2]!.split("$");
const nameOf = (urn: string) => urn.split("::").slice(3).join("::");

test("every DKIM private key the program registers is a child of a DkimKey, as its URN shows", async () => {
  const { engine } = await runProgram(stackFileConfig("Pulumi.two-domains.yaml"));
  const urns: string[] = engine["urns"];
  const keys = urns.filter((u) => typeChain(u).at(-1) === TLS_PRIVATE_KEY);
  const domains = (stackFileConfig("Pulumi.two-domains.yaml")["mailstack:domains"] as { name: string }[]).map((d) => d.name);
  assert.equal(keys.length, domains.length, `one key per domain: ${keys.join(", ")}`);
  for (const urn of keys) {
    const chain = typeChain(urn);
    assert.equal(chain.at(-2), DKIM_KEY_COMPONENT, `${urn}: parent is not the DkimKey component`);
    assert.ok(isDkimKey(urn, "any-name"), `${urn} is not recognised from its URN alone`);
    // Renamed so the name no longer says "dkim-": the rule must still apply, through the URN.
    const weak = await runResourcePolicy(dkimKeyStrength, { type: TLS_PRIVATE_KEY, name: "renamed", props: { algorithm: "RSA", rsaBits: 1024 }, parentType: chain.slice(0, -1).join("$") });
    assert.ok(Array.isArray(weak) && weak.length === 1, `${nameOf(urn)}: ${String(weak)}`);
  }
});

test("isDkimKey reads the parent from the URN, not any mention of the component", () => {
  const key = (chain: string, name: string) => `urn:pulumi:prod::mailstack::${chain}::${name}`;
  assert.ok(isDkimKey(key(`${DKIM_KEY_COMPONENT}$${TLS_PRIVATE_KEY}`, "signing"), "signing"));
  assert.ok(isDkimKey(key(`mailstack:index:Stack$${DKIM_KEY_COMPONENT}$${TLS_PRIVATE_KEY}`, "signing"), "signing"));
  assert.ok(isDkimKey(key(TLS_PRIVATE_KEY, "dkim-user.tax-key"), "dkim-user.tax-key"), "the program's naming rule");
  assert.ok(!isDkimKey(key(TLS_PRIVATE_KEY, "acme-account-key"), "acme-account-key"));
  assert.ok(!isDkimKey(key(`mailstack:index:MailHost$${TLS_PRIVATE_KEY}`, "hostkey"), "hostkey"));
  assert.ok(!isDkimKey(key(TLS_PRIVATE_KEY, "my-dkim-key"), "my-dkim-key"), "dkim- must start the name");
});

test("a key outside DkimKey and without the dkim- name is left alone, whatever its strength", async () => {
  assert.equal(await runResourcePolicy(dkimKeyStrength, { type: TLS_PRIVATE_KEY, name: "acme", props: { algorithm: "RSA", rsaBits: 512 }, parentType: "mailstack:index:MailHost" }), NOT_APPLICABLE);
});
