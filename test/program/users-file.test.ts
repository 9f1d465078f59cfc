import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { renderAliasesFile } from "../../plans/aliases-file";
import { renderUsersFile, scryptHash } from "../../plans/users-file";

const salt = Buffer.from("00112233445566778899aabbccddeeff", "hex");

describe("chasquid users and aliases files", () => {
  test("renders the text protobuf chasquid-util writes, deterministically", () => {
    const text = renderUsersFile("user.tax", [{ user: "i", password: "pw", salt }]);
    const hash = [...scryptHash("pw", salt)].map((b) => `\\x${b.toString(16).padStart(2, "0")}`).join("");
    assert.equal(text, [
      "# chasquid users of user.tax. Managed by mailstack: edit the stack config, not this file.",
      "users: {", '  key: "i"', "  value: {", "    scrypt: {", "      logN: 14", "      r: 8", "      p: 1", "      keyLen: 32",
      '      salt: "\\x00\\x11\\x22\\x33\\x44\\x55\\x66\\x77\\x88\\x99\\xaa\\xbb\\xcc\\xdd\\xee\\xff"',
      `      encrypted: "${hash}"`, "    }", "  }", "}", "",
    ].join("\n"));
    assert.equal(renderUsersFile("user.tax", [{ user: "i", password: "pw", salt }]), text);
    const two = renderUsersFile("user.tax", [{ user: "zed", password: "a", salt }, { user: "amy", password: "b", salt }]);
    assert.ok(two.indexOf('key: "amy"') < two.indexOf('key: "zed"'), "users are sorted");
  });

  test("scrypt matches the reference parameters (N=16384, r=8, p=1, 32 bytes)", () => {
    // RFC 7914 §12 test vector with N=16384, r=8, p=1 (first 32 bytes of the 64-byte output).
    const key = scryptHash("pleaseletmein", Buffer.from("SodiumChloride"));
    assert.equal(key.toString("hex"), "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2");
  });

  test("renders aliases with the catch-all last", () => {
    assert.equal(renderAliasesFile("user.tax", { "*": ["me@gmail.test"], i: ["me@gmail.test", "you@gmail.test"] }),
      "# chasquid aliases of user.tax. Managed by mailstack: edit the stack config, not this file.\ni: me@gmail.test, you@gmail.test\n*: me@gmail.test\n");
  });
});
