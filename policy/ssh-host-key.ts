// Without connection.hostKey the command provider accepts any host key (ssh.InsecureIgnoreHostKey):
// a changed or spoofed host gets the SSH session. Advisory: a fresh VPS's key is often not known
// before the first deploy (the program also warns in its `warnings` output).
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { known } from "./known";
import { COPY_FILE, COPY_TO_REMOTE, REMOTE_COMMAND } from "./resource-types";

const SSH_RESOURCES = new Set([REMOTE_COMMAND, COPY_TO_REMOTE, COPY_FILE]);

const pinned = (hostKey: unknown) => typeof hostKey === "string" && /^\S+ \S+/.test(hostKey.trim());

export const sshHostKeyPinned: ResourceValidationPolicy = {
  name: "ssh-host-key-pinned",
  description: "Every SSH connection of remote.Command / CopyToRemote pins the host key (connection.hostKey).",
  enforcementLevel: "advisory",
  validateResource: (args, reportViolation) => {
    if (!SSH_RESOURCES.has(args.type)) args.notApplicable("only applies to command:remote resources");
    const connection = known(() => args.props.connection);
    if (connection === undefined) return; // unknown in preview: checked again on `up`
    const label = `${args.type.split(":").pop()} "${args.name}"`;
    const host = String(known(() => connection.host) ?? "?");
    if (!pinned(known(() => connection.hostKey))) {
      reportViolation(`${label}: connection to ${host} does not pin the SSH host key. Fix: set mailstack:hosts[].sshHostKey to the output of \`ssh-keyscan -t ed25519 ${host}\` (connection.hostKey).`);
    }
    const proxy = known(() => connection.proxy);
    if (proxy && !pinned(known(() => proxy.hostKey))) {
      reportViolation(`${label}: proxy (jump host) ${String(known(() => proxy.host) ?? "?")} does not pin its SSH host key. Fix: set connection.proxy.hostKey.`);
    }
  },
};
