// Reads the stack config from the Pulumi runtime and validates it (the program's only config entry).
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./schema";
import { NAMESPACE, validateStackConfig } from "./validate";

export interface LoadedConfig {
  config: StackConfig;
  /** The SSH key the hosts are configured with; only ever a secret Output. */
  sshPrivateKey: pulumi.Output<string>;
  /** Contabo's client secret and API password when `mailstack:contabo` is set; a secret Output. */
  contaboSecrets?: pulumi.Output<{ clientSecret: string; apiPassword: string }>;
}

/**
 * The keys of `raw` the engine holds as secrets. The SDK keeps that list in its own store (its
 * isConfigSecret is marked internal); without it nothing counts as secret, and a Contabo password
 * would be refused rather than accepted from plain text.
 */
function secretKeysOf(raw: Record<string, string>): string[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the typings leave the function out
  const sdk = require("@pulumi/pulumi/runtime/config") as { isConfigSecret?: (key: string) => boolean };
  return Object.keys(raw).filter((key) => sdk.isConfigSecret?.(key) === true);
}

export function loadStackConfig(): LoadedConfig {
  const raw = pulumi.runtime.allConfig();
  const config = validateStackConfig(raw, { ...process.env, PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeysOf(raw)) });
  const stackConfig = new pulumi.Config(NAMESPACE);
  return {
    config,
    sshPrivateKey: stackConfig.requireSecret("sshPrivateKey"),
    contaboSecrets: config.contabo ? stackConfig.requireSecretObject<{ clientSecret: string; apiPassword: string }>("contabo") : undefined,
  };
}
