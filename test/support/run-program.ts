// Runs the real program (stacks/load + program.ts) under the mock engine and waits for it to finish.
import { mailstack, MailstackStack } from "../../program";
import { EngineState, MockEngine, MockEngineOptions, outputValue } from "./mock-engine";
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
  const { config: validated, sshPrivateKey, contaboSecrets } = loadStackConfig();
  const stack = mailstack(validated, { sshPrivateKey, contaboSecrets });
  await engine.settle();
  // Surface errors raised inside applies (they would otherwise be unhandled rejections).
  await Promise.all([valueOf(stack.records), valueOf(stack.smtpPasswords), ...Object.values(stack.users).map((u) => valueOf(u.usersFile)),
    ...Object.values(stack.hosts).map((h) => valueOf(h.verification))]);
  return { engine, stack };
}

/** The value of an Output (see runner/mock-engine.ts). */
export const valueOf = outputValue;
