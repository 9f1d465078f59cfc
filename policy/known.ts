// During `pulumi preview` some inputs are unknown (e.g. a DKIM TXT built from a key not generated
// yet). @pulumi/policy wraps props in a proxy that throws UnknownValueError when such a value is
// read; inside a resource rule the engine turns that into an advisory "can't run during preview",
// but inside a stack rule one unknown field would skip the whole rule. `known` reads a value and
// returns undefined when it is unknown, so a rule can check everything that is known.
import { UnknownValueError } from "@pulumi/policy";

export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof UnknownValueError) return undefined;
    throw e;
  }
}
