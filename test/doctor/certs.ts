// Self-signed test certificates with chosen names and validity dates, made with the openssl CLI
// (`openssl ca -selfsign` takes explicit -startdate/-enddate, so expired certificates are possible).
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export interface TestCert {
  key: string;
  cert: string;
}

const stamp = (d: Date) => `${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;

/** A self-signed certificate for `names` (first = CN), valid from `notBefore` to `notAfter`. */
export function makeCert(names: string[], notBefore: Date, notAfter: Date): TestCert {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "doctor-cert-"));
  try {
    const f = (n: string) => path.join(dir, n);
    fs.writeFileSync(f("index.txt"), "");
    fs.writeFileSync(f("serial"), `${Date.now().toString(16).padStart(16, "0")}\n`);
    fs.writeFileSync(f("ca.cnf"), [
      "[ca]", "default_ca = d", "[d]", `dir = ${dir}`, `database = ${f("index.txt")}`, `new_certs_dir = ${dir}`, `serial = ${f("serial")}`,
      "default_md = sha256", "policy = p", "copy_extensions = copy", "unique_subject = no", "x509_extensions = ext",
      "[p]", "commonName = supplied", "[ext]", "basicConstraints = critical,CA:TRUE", "keyUsage = digitalSignature,keyEncipherment,keyCertSign", "",
    ].join("\n"));
    const run = (args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
    run(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", f("key.pem"), "-subj", `/CN=${names[0]}`,
      "-addext", `subjectAltName=${names.map((n) => `DNS:${n}`).join(",")}`, "-out", f("req.csr")]);
    run(["ca", "-batch", "-config", f("ca.cnf"), "-selfsign", "-keyfile", f("key.pem"), "-in", f("req.csr"), "-out", f("cert.pem"),
      "-startdate", stamp(notBefore), "-enddate", stamp(notAfter), "-notext"]);
    return { key: fs.readFileSync(f("key.pem"), "utf8"), cert: fs.readFileSync(f("cert.pem"), "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const DAY = 86_400_000;
/** Valid from yesterday for `days` days from now. */
export const certFor = (names: string[], days: number) => makeCert(names, new Date(Date.now() - DAY), new Date(Date.now() + days * DAY));
