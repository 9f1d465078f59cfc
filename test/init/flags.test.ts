// init's flags: the parser, and the --help text that lists every one of them.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { FLAGS, helpText, parseFlags, UsageError } from "../../init/flags";
import { runInit } from "../../init/run";
import { captured, removeDir, ROOT, tempDir } from "./fixtures";

test("values (both --flag value and --flag=value, trimmed) and switches", () => {
  const f = parseFlags(["--domain", "example.com", "--ipv4=203.0.113.25", "--users", " i,billing ", "--yes", "--non-interactive"]);
  assert.deepEqual(f.values, { domain: "example.com", ipv4: "203.0.113.25", users: "i,billing" });
  assert.deepEqual([...f.switches].sort(), ["non-interactive", "yes"]);
});

test("flags with digits in their names parse (ipv4, ipv6)", () => {
  assert.deepEqual(parseFlags(["--ipv6", "2001:db8::1"]).values, { ipv6: "2001:db8::1" });
});

test("an unknown flag, a stray argument or a missing value is a UsageError naming it", () => {
  assert.throws(() => parseFlags(["--token", "x"]), (e: Error) => e instanceof UsageError && /unknown option --token/.test(e.message));
  assert.throws(() => parseFlags(["example.com"]), (e: Error) => e instanceof UsageError && /unexpected argument: example.com/.test(e.message));
  assert.throws(() => parseFlags(["--domain"]), (e: Error) => e instanceof UsageError && /--domain needs a value/.test(e.message));
  assert.throws(() => parseFlags(["--domain", "--yes"]), /--domain needs a value/);
});

test("no flag takes a secret: tokens, passwords and keys come from the environment, prompts or files", () => {
  for (const f of FLAGS) assert.doesNotMatch(f.name, /token|secret|password|passphrase/, f.name);
});

test("--help lists every flag the parser accepts, each with its help, and the secrets' variables", () => {
  const help = helpText();
  for (const f of FLAGS) {
    const line = help.split("\n").find((l) => l.trimStart().startsWith(`--${f.name}${f.value ? ` ${f.value}` : ""} `));
    assert.ok(line, `--${f.name} is not listed`);
    assert.ok(line.includes(f.help), `--${f.name} lacks its help`);
    parseFlags(f.value ? [`--${f.name}`, "x"] : [`--${f.name}`]); // the parser knows it
  }
  for (const name of ["stack", "domain", "hostname", "ipv4", "ipv6", "users", "forward-to", "acme-email", "ssh-user", "ssh-port", "ssh-key",
    "cloudflare-base-url", "acme-directory", "contabo-client-id", "contabo-api-user", "yes", "non-interactive", "force", "pulumi", "dir"]) {
    assert.ok(FLAGS.some((f) => f.name === name), `--${name} is missing`);
  }
  for (const v of ["CLOUDFLARE_API_TOKEN", "CONTABO_CLIENT_SECRET", "CONTABO_API_PASSWORD", "PULUMI_CONFIG_PASSPHRASE"]) assert.match(help, new RegExp(v));
});

test("npm run init -- --help prints the help and exits 0; a bad flag exits 2 pointing at --help", async () => {
  const dir = tempDir("help");
  try {
    const ok = captured(dir);
    assert.equal(await runInit(["--help"], ok), 0);
    assert.equal(ok.output(), `${helpText()}\n`);
    const bad = captured(dir);
    assert.equal(await runInit(["--bogus"], bad), 2);
    assert.match(bad.errors(), /unknown option --bogus\n.*--help lists every flag/);
  } finally {
    removeDir(dir);
  }
});

test("the npm script: `npm run init -- --help` runs init/cli.ts", () => {
  const printed = execFileSync("npm", ["run", "--silent", "init", "--", "--help"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(printed, `${helpText()}\n`);
});
