// What the policy engine would see of a mock engine run.
import { Registration, unwrapSecrets } from "../support/mock-engine";
import type { FakeResource } from "./fake-args";

/**
 * The resources as the policy engine would see them. @pulumi/policy 1.21.0 deserialises props for
 * validation with secrets unwrapped (deserializeProperties(props, false)), so every input is plain:
 * unwrap all of them. The parent is the component whose name prefixes the child's (the program's
 * naming rule, tested in test/program), and its type goes into the URN as the engine's would.
 */
export function asPolicyResources(registrations: Registration[]): FakeResource[] {
  const components = registrations.filter((r) => !r.custom);
  return registrations.map((r) => {
    const parent = r.custom ? components.find((c) => r.name.startsWith(`${c.name}-`)) : undefined;
    return { type: r.type, name: r.name, props: unwrapSecrets(r.inputs) as Record<string, unknown>, parentType: parent?.type };
  });
}
