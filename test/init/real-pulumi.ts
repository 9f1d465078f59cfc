// A throwaway project for the real Pulumi CLI: a copy of Pulumi.yaml, its own PULUMI_HOME, logged
// in to a file:// backend in a temp folder, a passphrase in the environment. And what init left
// there, read back through the CLI. Used by init.e2e.test.ts and world-checks.ts.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configProblems } from "../../init/stack-file";
import { projectDir, removeDir, tempDir } from "./fixtures";

export interface PulumiProject {
  dir: string;
  /** The environment init and the CLI run with (PULUMI_HOME, the passphrase; no token of the caller's). */
  env: NodeJS.ProcessEnv;
  /** The pulumi binary. */
  bin: string;
  /** Runs pulumi in the project; returns stdout (throws with its output on failure). */
  pulumi(...args: string[]): string;
  cleanup(): void;
}

/** A project in a temp folder, logged in to its own file:// state with `pulumi login`. */
export function pulumiProject(pulumiBin: string): PulumiProject {
  const root = tempDir("pulumi");
  const dir = projectDir(join(root, "project"));
  for (const d of ["home", "state"]) mkdirSync(join(root, d));
  const env: NodeJS.ProcessEnv = {
    ...process.env, PULUMI_HOME: join(root, "home"), PULUMI_CONFIG_PASSPHRASE: "init-e2e-passphrase",
    PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
  };
  // Only this project's backend and secrets: none of the caller's.
  for (const k of ["PULUMI_BACKEND_URL", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE_FILE", "CLOUDFLARE_API_TOKEN"]) delete env[k];
  const pulumi = (...args: string[]) => execFileSync(pulumiBin, args, { cwd: dir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  pulumi("login", `file://${join(root, "state")}`);
  return { dir, env, bin: pulumiBin, pulumi, cleanup: () => removeDir(root) };
}

/**
 * Checks what init left in `stack`: each secret (every one init set, `a:b.c` for one inside an
 * object) reads back through `pulumi config get`, the file holds one `secure:` value per secret and
 * no secret text, and the config as the CLI hands it to a program
 * passes the stack validator. Returns the config map (secrets decrypted).
 */
export function assertInitStack(p: PulumiProject, stack: string, secrets: Record<string, string>): Record<string, string> {
  const text = readFileSync(join(p.dir, `Pulumi.${stack}.yaml`), "utf8");
  for (const [key, value] of Object.entries(secrets)) {
    // `pulumi config set` drops one trailing newline of what it reads on stdin; `get` prints one.
    const path = key.split(":")[1]!.includes(".") ? ["--path"] : [];
    assert.equal(p.pulumi("config", "get", ...path, key, "--stack", stack), `${value.replace(/\n$/, "")}\n`, key);
    for (const line of value.split("\n").filter((l) => l.length > 8)) assert.ok(!text.includes(line), `${key} is in the stack file in clear`);
  }
  assert.equal(text.match(/secure: v1:/g)?.length, Object.keys(secrets).length, text);
  const shown = JSON.parse(p.pulumi("config", "--stack", stack, "--json", "--show-secrets")) as Record<string, { value: string }>;
  const config = Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, v.value]));
  // The CLI also lists the project's declared defaults (dnsTtl, ...); configProblems takes plain values.
  const plain = Object.fromEntries(Object.entries(config).filter(([k]) => !["mailstack:sshPrivateKey", "cloudflare:apiToken"].includes(k))
    .map(([k, v]) => [k, parseJson(v)]));
  assert.deepEqual(configProblems(plain, { sshPrivateKey: config["mailstack:sshPrivateKey"]!, cloudflareToken: config["cloudflare:apiToken"]! }), []);
  return config;
}

function parseJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}
