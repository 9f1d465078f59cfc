// A deployed-looking stack for doctor tests: outputs with real record values, and the fake DNS
// zone that publishes exactly them (plus PTRs), so every DNS check passes until a test breaks it.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import * as tls from "node:tls";
import type { DnsRecordPlan } from "../../plans/dns";
import { dkimValue, dmarcValue, spfValue } from "../../plans/mail-records";
import { txtContent, txtStrings } from "../../plans/txt";
import type { DoctorContext } from "../../doctor/context";
import { fakeResolver, FakeZone } from "../../doctor/fake-resolver";
import { loopbackConnector } from "../../doctor/connector";
import { targetsOf, StackOutputs } from "../../doctor/outputs";
import type { CheckResult } from "../../doctor/types";

export const HOST = "mail.example.test";
export const DOMAIN = "example.test";
export const IPV4 = "192.0.2.10";
export const IPV6 = "2001:db8:78::10";
export const USER = "i@example.test";
export const PASSWORD = "correct-horse-battery-staple";
export const SELECTOR = "mailstack";

export const dkimPublicPem = () => generateKeyPairSync("rsa", { modulusLength: 2048 }).publicKey.export({ type: "spki", format: "pem" }).toString();
const KEY_PEM = dkimPublicPem();

const rec = (r: Omit<DnsRecordPlan, "key" | "ttl" | "proxied" | "comment" | "zone">): DnsRecordPlan =>
  ({ key: `${r.type.toLowerCase()}-${r.name}`, zone: DOMAIN, ttl: 3600, proxied: false, comment: "mailstack", ...r });

export function fixtureOutputs(): StackOutputs {
  const records: DnsRecordPlan[] = [
    rec({ name: HOST, type: "A", content: IPV4 }),
    rec({ name: HOST, type: "AAAA", content: IPV6 }),
    rec({ name: HOST, type: "TXT", content: txtContent(spfValue({ ipv4: [IPV4], ipv6: [IPV6] }, { include: [], all: "-all" })) }),
    rec({ name: DOMAIN, type: "MX", content: HOST, priority: 10 }),
    rec({ name: DOMAIN, type: "TXT", content: txtContent(spfValue({ ipv4: [IPV4], ipv6: [IPV6] }, { include: [], all: "~all" })) }),
    rec({ name: `${SELECTOR}._domainkey.${DOMAIN}`, type: "TXT", content: txtContent(dkimValue(KEY_PEM)) }),
    rec({ name: `_dmarc.${DOMAIN}`, type: "TXT", content: txtContent(dmarcValue({ policy: "quarantine", rua: [`dmarc@${DOMAIN}`], ruf: [] })) }),
  ];
  return {
    records,
    smtp: [{ address: USER, host: HOST, port: 465, alternatePort: 587, username: USER }],
    smtpPasswords: { [USER]: PASSWORD },
    dkim: { [DOMAIN]: { selector: SELECTOR, recordName: `${SELECTOR}._domainkey.${DOMAIN}` } },
    hosts: { [HOST]: { facts: {}, verification: {} } },
    warnings: [],
  };
}

/** The zone a correct deploy publishes: every planned record, PTRs, and NXDOMAIN at Spamhaus. */
export function zoneOf(outputs: StackOutputs): FakeZone {
  const zone: Record<string, unknown[]> = {};
  const add = (k: string, v: unknown) => (zone[k] ??= []).push(v);
  for (const r of outputs.records) {
    if (r.type === "TXT") add(`TXT ${r.name}`, txtStrings(r.content));
    else if (r.type === "MX") add(`MX ${r.name}`, { exchange: r.content, priority: r.priority ?? 10 });
    else if (r.type === "SRV") {
      const [weight, port, name] = r.content.split(" ");
      add(`SRV ${r.name}`, { priority: r.priority ?? 0, weight: Number(weight), port: Number(port), name });
    }
    else add(`${r.type} ${r.name}`, r.content);
  }
  add(`PTR ${IPV4}`, HOST);
  add(`PTR ${IPV6}`, HOST);
  return zone as FakeZone;
}

export function fixtureContext(zone: FakeZone, outputs = fixtureOutputs(), ports: Record<number, number> = {}, extraCa: string[] = []): DoctorContext {
  return {
    targets: targetsOf(outputs),
    resolver: fakeResolver(zone),
    net: { connector: loopbackConnector(ports), timeoutMs: 3000, ca: [...tls.rootCertificates, ...extraCa], ehloName: "doctor.mailstack.invalid" },
    now: new Date(),
  };
}

/** The one result of a check (and target): fails when there is none or more than one. */
export function oneResult(rs: CheckResult[], id: string, target?: string): CheckResult {
  const hits = rs.filter((r) => r.id === id && (target === undefined || r.target === target));
  assert.equal(hits.length, 1, `${id} ${target ?? ""}: ${JSON.stringify(rs.map((r) => `${r.id} ${r.target}`))}`);
  return hits[0]!;
}
