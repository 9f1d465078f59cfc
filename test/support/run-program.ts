// Runs the real program (stacks/load + program.ts) under the mock engine and waits for it to finish.
import * as pulumi from "@pulumi/pulumi";
import { mailstack, MailstackStack } from "../../program";
import { EngineState, MockEngine, MockEngineOptions } from "../../runner/mock-engine";
import { loadStackConfig } from "../../stacks/load";
import { fakeHostApplier } from "./fake-host";
import { ConfigObject, SECRET_KEYS, toEngineConfig } from "./stack-config";

export interface ProgramRun {
  engine: MockEngine;
  stack: MailstackStack;
}

export async function runProgram(config: ConfigObject, options: Partial<MockEngineOptions> & { state?: EngineState } = {}): Promise<ProgramRun> {
  const engine = new MockEngine({ apply: fakeHostApplier(), ...options, config: toEngineConfig(config), secretKeys: SECRET_KEYS });
  await engine.start();
  const { config: validated, sshPrivateKey } = loadStackConfig();
  const stack = mailstack(validated, { sshPrivateKey });
  await engine.settle();
  // Surface errors raised inside applies (they would otherwise be unhandled rejections).
  await Promise.all([valueOf(stack.records), valueOf(stack.smtpPasswords), ...Object.values(stack.users).map((u) => valueOf(u.usersFile)),
    ...Object.values(stack.hosts).map((h) => valueOf(h.verification))]);
  return { engine, stack };
}

/**
 * The value of an Output; rejects when the Output failed. In preview an unknown value comes back
 * as `undefined` (the SDK's internal `promise()`, which `apply` would never call back for).
 */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}
