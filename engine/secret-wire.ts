// How a secret travels between the Pulumi SDK, the engine and providers:
// `{ [SECRET_SIG]: SECRET_VALUE, value }`. One definition for the command plugin, the runner and
// the unit-test harness.

export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export const secretWire = (value: unknown) => ({ [SECRET_SIG]: SECRET_VALUE, value });

export const isSecretWire = (v: unknown): v is { value: unknown } =>
  typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE;

/** A value with every secret marker removed, recursively: the plain values a provider works with. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretWire(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}
