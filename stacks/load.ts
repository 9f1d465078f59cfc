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

export function loadStackConfig(): LoadedConfig {
  const config = validateStackConfig(pulumi.runtime.allConfig(), process.env);
  const stackConfig = new pulumi.Config(NAMESPACE);
  return {
    config,
    sshPrivateKey: stackConfig.requireSecret("sshPrivateKey"),
    contaboSecrets: config.contabo ? stackConfig.requireSecretObject<{ clientSecret: string; apiPassword: string }>("contabo") : undefined,
  };
}
