// The rendered users and aliases files against the distribution's real chasquid-util. Needs root
// (apt fetches the package: setup/fetch-chasquid.sh), so it is a *.e2e.test.ts suite: in `npm test`,
// not in `npm run test:unit`.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { renderAliasesFile } from "../../plans/aliases-file";
import { renderUsersFile } from "../../plans/users-file";
import { realChasquid, requireRoot } from "../support/environment";

const salt = Buffer.from("00112233445566778899aabbccddeeff", "hex");

test("the distribution's real chasquid-util accepts the users file and the aliases file", (t) => {
  if (!requireRoot(t, "downloads the chasquid package with apt")) return;
  const util = join(realChasquid(), "usr/bin/chasquid-util");
  const conf = mkdtempSync(join(tmpdir(), "mailstack-users-"));
  mkdirSync(join(conf, "domains/user.tax"), { recursive: true });
  writeFileSync(join(conf, "chasquid.conf"), 'hostname: "mail.user.tax"\n');
  writeFileSync(join(conf, "domains/user.tax/users"), renderUsersFile("user.tax", [
    { user: "i", password: "correct horse", salt }, { user: "billing", password: "other", salt: Buffer.alloc(16, 7) },
  ]));
  writeFileSync(join(conf, "domains/user.tax/aliases"), renderAliasesFile("user.tax", { "*": ["me@gmail.test"], i: ["me@gmail.test"] }));
  const auth = (user: string, pw: string) => spawnSync(util, [`-C=${conf}`, "authenticate", user, `--password=${pw}`], { encoding: "utf8" });
  assert.equal(auth("i@user.tax", "correct horse").status, 0);
  assert.equal(auth("billing@user.tax", "other").status, 0);
  const wrong = auth("i@user.tax", "wrong");
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stdout + wrong.stderr, /Authentication failed/);
  assert.match(execFileSync(util, [`-C=${conf}`, "check-userdb", "user.tax"], { encoding: "utf8" }), /Database loaded/);
  // (1.11's aliases-resolve does not apply the catch-all; the daemon does: see the e2e tests.)
  assert.match(execFileSync(util, [`-C=${conf}`, "aliases-resolve", "i@user.tax"], { encoding: "utf8" }), /me@gmail\.test/);
});
