// Why the doctor withheld the stack's password: the reason the certificate on 587 did not verify
// is in the result, so the person knows what to fix (see smtp.cert-chain).
import assert from "node:assert/strict";
import { test } from "node:test";
import { tryLogin } from "../../doctor/checks/security";
import { certFor } from "./certs";
import { fixtureContext, fixtureOutputs, HOST, PASSWORD, USER, zoneOf } from "./fixture";
import { startScriptedServer } from "./scripted-server";

test("a certificate that does not verify: the error names the reason, and no AUTH is sent", async () => {
  const cert = certFor([HOST], 30);
  const s = await startScriptedServer({ cert });
  try {
    const o = fixtureOutputs();
    const untrusted = await tryLogin(HOST, "127.0.0.1", USER, PASSWORD, fixtureContext(zoneOf(o), o, { 587: s.port }, []).net);
    assert.deepEqual(untrusted, { error: "the certificate on 587 does not verify (DEPTH_ZERO_SELF_SIGNED_CERT): the password was not sent (see smtp.cert-chain)" });
    const otherName = await tryLogin("mx.other.test", "127.0.0.1", USER, PASSWORD, fixtureContext(zoneOf(o), o, { 587: s.port }, [cert.cert]).net);
    assert.deepEqual(otherName, { error: "the certificate on 587 does not verify (ERR_TLS_CERT_ALTNAME_INVALID): the password was not sent (see smtp.cert-chain)" });
    assert.deepEqual(s.logins, []);
  } finally {
    await s.close();
  }
});
