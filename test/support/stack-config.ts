// Stack configs for tests: the committed example stacks, plus fake secrets.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { Problem, StackConfigError, validateStackConfig } from "../../stacks/validate";

export const ROOT = join(__dirname, "..", "..");

/** A throwaway SSH private key (PEM), made per test process. */
export const FAKE_SSH_KEY = generateKeyPairSync("ed25519").privateKey.export({ format: "pem", type: "pkcs8" }).toString();
export const FAKE_CLOUDFLARE_TOKEN = "test-token-not-real";

export type ConfigObject = Record<string, unknown>;

/** `config:` of a committed stack file, e.g. `Pulumi.prod.yaml`, with the secrets it leaves out. */
export function stackFileConfig(file: string): ConfigObject {
  const doc = parse(readFileSync(join(ROOT, file), "utf8")) as { config: ConfigObject };
  return { ...doc.config, "mailstack:sshPrivateKey": FAKE_SSH_KEY, "cloudflare:apiToken": FAKE_CLOUDFLARE_TOKEN };
}

/** The engine's form of config: every value a string, objects as JSON. */
export function toEngineConfig(config: ConfigObject): Record<string, string> {
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]));
}

/** The keys a stack holds as secrets (the local stacks set them the same way). */
export { SECRET_CONFIG_KEYS as SECRET_KEYS } from "../../runner/local-stack";

export const clone = <T>(v: T): T => structuredClone(v);

/** Every problem validation reports for `config`, as the StackConfigError lists them ([] when valid). */
export function problemsOf(config: ConfigObject, env: Record<string, string> = {}): Problem[] {
  try {
    validateStackConfig(toEngineConfig(config), env);
  } catch (e) {
    if (!(e instanceof StackConfigError)) throw new Error(`expected StackConfigError, got ${String(e)}`);
    return e.problems;
  }
  return [];
}
