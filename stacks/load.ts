// Reads the stack config from the Pulumi runtime and validates it (the program's only config entry).
import * as pulumi from "@pulumi/pulumi";
import { StackConfig } from "./schema";
import { NAMESPACE, validateStackConfig } from "./validate";

export interface LoadedConfig {
  config: StackConfig;
  /** The SSH key the hosts are configured with; only ever a secret Output. */
  sshPrivateKey: pulumi.Output<string>;
}

export function loadStackConfig(): LoadedConfig {
  const config = validateStackConfig(pulumi.runtime.allConfig(), process.env);
  return { config, sshPrivateKey: new pulumi.Config(NAMESPACE).requireSecret("sshPrivateKey") };
}
