// chasquid's per-domain `users` file (text protobuf `userdb.ProtoDB`), rendered here so the plaintext
// password never travels to the host. Same scrypt parameters chasquid-util uses: logN=14, r=8, p=1, 32 bytes.
import { scryptSync } from "node:crypto";

export const SCRYPT = { logN: 14, r: 8, p: 1, keyLen: 32 } as const;
export const SALT_BYTES = 16;

export interface UserSecret {
  /** Local part, already normalised (lower case). */
  user: string;
  password: string;
  /** SALT_BYTES random bytes, stored in Pulumi state so the rendering is stable. */
  salt: Buffer;
}

/** Every byte as `\xHH`: valid in any text-protobuf parser chasquid has used (tested on 1.11 and 1.15). */
function protoBytes(bytes: Buffer): string {
  return [...bytes].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
}

export function scryptHash(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, SCRYPT.keyLen, { N: 2 ** SCRYPT.logN, r: SCRYPT.r, p: SCRYPT.p });
}

export function renderUsersFile(domain: string, users: UserSecret[]): string {
  const sorted = [...users].sort((a, b) => a.user.localeCompare(b.user));
  const entries = sorted.map((u) => {
    if (u.salt.length !== SALT_BYTES) throw new Error(`salt of ${u.user}@${domain} must be ${SALT_BYTES} bytes`);
    return [
      "users: {",
      `  key: "${u.user}"`,
      "  value: {",
      "    scrypt: {",
      `      logN: ${SCRYPT.logN}`,
      `      r: ${SCRYPT.r}`,
      `      p: ${SCRYPT.p}`,
      `      keyLen: ${SCRYPT.keyLen}`,
      `      salt: "${protoBytes(u.salt)}"`,
      `      encrypted: "${protoBytes(scryptHash(u.password, u.salt))}"`,
      "    }",
      "  }",
      "}",
    ].join("\n");
  });
  return [`# chasquid users of ${domain}. Managed by mailstack: edit the stack config, not this file.`, ...entries, ""].join("\n");
}
