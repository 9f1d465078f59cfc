// The SMTP group's texts and corners: a certificate without the usual names, 465 without TLS,
// the banner read from a 220 reply only, and the ids/expectations of each STARTTLS branch.
// (Mutation testing showed these could break unnoticed; see README, Mutation testing.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type * as tls from "node:tls";
import { bannerCheck, certChecks, legacyTlsCheck, reachCheck, smtpChecks, starttlsCheck } from "../../doctor/checks/smtp";
import type { FakeZone } from "../../doctor/fake-resolver";
import type { PortProbe } from "../../doctor/probe";
import type { TlsFacts } from "../../doctor/smtp-client";
import { fixtureContext, fixtureOutputs, HOST, IPV4, zoneOf } from "./fixture";

const now = new Date("2026-06-01T00:00:00Z");
const probe = (p: Partial<PortProbe>): PortProbe => ({ host: HOST, address: IPV4, port: 25, ...p });
const facts = (cert: Partial<tls.PeerCertificate> | undefined, over: Partial<TlsFacts> = {}): TlsFacts =>
  ({ protocol: "TLSv1.3", authorized: true, cert: cert as tls.PeerCertificate, ...over });
const valid_to = new Date(now.getTime() + 60 * 86_400_000).toUTCString();

describe("certificate texts", () => {
  test("no certificate: the fix says to re-run the certificate step for the host", () => {
    const [r] = certChecks(HOST, "w", facts(undefined), now);
    assert.equal(r!.fix, `re-run pulumi up (certificate step) for ${HOST}`);
  });

  test("no SAN and no CN, an issuer with neither CN nor O: shown as ?", () => {
    const [name, chain] = certChecks(HOST, "w", facts({ subject: { O: "Org" } as tls.Certificate, issuer: { C: "NL" } as tls.Certificate, valid_to }), now);
    assert.deepEqual([name!.status, name!.observed], ["fail", "CN=?"]);
    assert.deepEqual([chain!.status, chain!.observed, chain!.expected], ["pass", "verified (issuer ?)", "chain to a trusted root (system roots + --ca)"]);
  });
});

describe("banner, reach and STARTTLS texts", () => {
  test("the banner name comes from a 220 reply only; a greeting with leading blanks still counts", () => {
    const busy = bannerCheck(probe({ banner: `421 4.3.2 ${HOST} busy, 220 ${HOST} later`, ehloGreeting: HOST }));
    assert.deepEqual([busy.status, busy.observed], ["fail", `banner ?, EHLO ${HOST}`]);
    const blank = bannerCheck(probe({ banner: `220 ${HOST} ESMTP`, ehloGreeting: `  ${HOST} Hello doctor` }));
    assert.deepEqual([blank.status, blank.observed], ["pass", `banner ${HOST}, EHLO ${HOST}`]);
  });

  test("reach on 587: the fix is the firewall line alone", () => {
    const r = reachCheck(probe({ port: 587, error: "ETIMEDOUT" }));
    assert.equal(r.fix, "open 587/tcp over IPv4 in the provider firewall and on the host (nft/ufw), and check systemctl status chasquid");
  });

  test("STARTTLS: each branch is smtp.starttls with the same expectation", () => {
    const expected = "STARTTLS offered and the handshake works";
    const no = starttlsCheck(probe({ starttls: false }));
    const broken = starttlsCheck(probe({ starttls: true, tls: { protocol: null, authorized: false, error: "STARTTLS refused: 454 x" } }));
    const ok = starttlsCheck(probe({ starttls: true, tls: { protocol: "TLSv1.3", authorized: true } }));
    assert.deepEqual([no, broken, ok].map((r) => [r.id, r.target, r.expected]), Array(3).fill(["smtp.starttls", `${IPV4}:25`, expected]));
    assert.equal(broken.fix, no.fix);
  });
});

test("TLS 1.1: every outcome is smtp.tls-version at the endpoint", () => {
  const outcomes = [legacyTlsCheck("w", { kind: "accepted", protocol: "TLSv1.1" }), legacyTlsCheck("w", { kind: "refused", detail: "alert 70" }),
    legacyTlsCheck("w", { kind: "unknown", detail: "x" })];
  assert.deepEqual(outcomes.map((r) => [r.id, r.target]), Array(3).fill(["smtp.tls-version", "w"]));
});

describe("465 without TLS", () => {
  test("a TLS error on 465 fails smtp.cert with it; no TLS facts at all says no TLS", async () => {
    const o = { ...fixtureOutputs(), records: fixtureOutputs().records.filter((r) => r.type !== "AAAA") };
    const ctx = fixtureContext(zoneOf(o) as FakeZone, o, {});
    const base = { banner: `220 ${HOST}`, ehloGreeting: HOST };
    const failed = await smtpChecks(ctx, [probe({ ...base, port: 465, tls: { protocol: null, authorized: false, error: "wrong version number" } })]);
    const cert = failed.find((r) => r.id === "smtp.cert")!;
    assert.deepEqual([cert.target, cert.status, cert.observed, cert.expected, cert.fix],
      [`${IPV4}:465`, "fail", "wrong version number", `TLS with a certificate for ${HOST}`, `re-run pulumi up (certificate step) for ${HOST}`]);
    const none = await smtpChecks(ctx, [probe({ ...base, port: 465 })]);
    assert.equal(none.find((r) => r.id === "smtp.cert")?.observed, "no TLS");
    const plain25 = await smtpChecks(ctx, [probe({ ...base, port: 25, starttls: false })]);
    assert.ok(!plain25.some((r) => r.id === "smtp.cert"), "25 without STARTTLS has no certificate to check");
  });
});
