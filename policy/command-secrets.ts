// A remote.Command's create/update/delete text is echoed in the provider's error message and in
// logs, and `environment` is sent with SSH setenv (which stock sshd rejects: AcceptEnv LANG LC_*).
// Secrets belong in `stdin`. What a policy sees: @pulumi/policy 1.21.0 deserialises validation
// props with secrets unwrapped to plain values (deserializeProperties(…, false)), so a secret is
// recognised by its shape; the secret marker (wire sentinel, or policy's `Secret` wrapper used
// for remediation) is also treated as a violation in case a caller passes raw props.
import { Secret } from "@pulumi/policy";
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "./known";
import { REMOTE_COMMAND } from "./resource-types";

/** The SDK's wire marker for a secret: `{ [SECRET_SIG]: SECRET_VALUE, value }`. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export const SECRET_PATTERNS: { what: string; pattern: RegExp }[] = [
  { what: "a password option or assignment", pattern: /passw(?:or)?d\s*[=:]/i },
  { what: "a private key", pattern: /BEGIN [A-Z0-9 ]*PRIVATE KEY/ },
  { what: "a bearer token", pattern: /Authorization:\s*Bearer\s+\S/i },
  { what: "an API token assignment", pattern: /\b(?:api[_-]?token|api[_-]?key|secret[_-]?key)\s*=/i },
];

export function isSecretMarker(v: unknown): boolean {
  return v instanceof Secret || (typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG] === SECRET_VALUE);
}

/** Why `value` looks like it carries a secret, or undefined. */
export function secretIn(value: unknown): string | undefined {
  if (isSecretMarker(value)) return "a secret value";
  if (typeof value !== "string") return undefined;
  return SECRET_PATTERNS.find((p) => p.pattern.test(value))?.what;
}

export const commandNoSecrets: ResourceValidationPolicy = {
  name: "remote-command-no-secrets",
  description: "remote.Command carries no secret in create/update/delete and sets no environment (pass secrets on stdin).",
  enforcementLevel: "mandatory",
  validateResource: (args, reportViolation) => {
    if (args.type !== REMOTE_COMMAND) args.notApplicable(`only applies to ${REMOTE_COMMAND}`);
    const label = `remote.Command "${args.name}"`;
    for (const field of ["create", "update", "delete"] as const) {
      const why = secretIn(known(() => args.props[field]));
      if (why) reportViolation(`${label}: ${field} contains ${why}; the command text is shown in logs and in the provider's error message. Fix: pass it on stdin (e.g. \`cmd --password-stdin\` with stdin: secret).`);
    }
    const environment = known(() => args.props.environment);
    if (isSecretMarker(environment) || (typeof environment === "object" && environment !== null && Object.keys(environment).length > 0)) {
      const names = isSecretMarker(environment) ? "(secret)" : Object.keys(environment).join(", ");
      reportViolation(`${label}: sets environment ${names}; it travels as SSH setenv, which stock sshd rejects (AcceptEnv LANG LC_*), and is no place for secrets. Fix: drop environment; put values in stdin, or plain settings as VAR=value in the command.`);
    }
  },
};
