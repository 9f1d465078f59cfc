// The world's own CA (openssl, EC P-256) and the server certificates it signs.
import * as fs from "node:fs";
import * as path from "node:path";
import { RUN_DIR, SSH_DIR } from "./config";
import { must } from "./proc";

export const PKI_DIR = path.join(RUN_DIR, "pki");
export const CA_CERT = path.join(PKI_DIR, "ca.crt");
const CA_KEY = path.join(PKI_DIR, "ca.key");
export const SSH_KEY = path.join(SSH_DIR, "id_ed25519");

export async function makeCa(): Promise<void> {
  fs.mkdirSync(PKI_DIR, { recursive: true, mode: 0o700 });
  await must("openssl", [
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", CA_KEY, "-out", CA_CERT, "-days", "3650", "-subj", "/CN=mailstack world CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
}

/** Issues a server certificate; returns the key and cert paths. */
export async function issue(name: string, dnsNames: string[], ips: string[]): Promise<{ key: string; cert: string }> {
  const key = path.join(PKI_DIR, `${name}.key`);
  const csr = path.join(PKI_DIR, `${name}.csr`);
  const cert = path.join(PKI_DIR, `${name}.crt`);
  const ext = path.join(PKI_DIR, `${name}.ext`);
  const san = [...dnsNames.map((d) => `DNS:${d}`), ...ips.map((i) => `IP:${i}`)].join(",");
  fs.writeFileSync(
    ext,
    `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n`,
  );
  await must("openssl", [
    "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
    "-keyout", key, "-out", csr, "-subj", `/CN=${dnsNames[0]}`,
  ]);
  await must("openssl", [
    "x509", "-req", "-in", csr, "-CA", CA_CERT, "-CAkey", CA_KEY, "-CAcreateserial",
    "-days", "825", "-out", cert, "-extfile", ext,
  ]);
  return { key, cert };
}

/** The world's ssh client key (root on the vps accepts only this one). */
export async function makeSshKey(): Promise<void> {
  fs.mkdirSync(SSH_DIR, { recursive: true, mode: 0o700 });
  fs.rmSync(SSH_KEY, { force: true });
  fs.rmSync(`${SSH_KEY}.pub`, { force: true });
  await must("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mailstack-world", "-f", SSH_KEY]);
  fs.chmodSync(SSH_KEY, 0o600);
}
