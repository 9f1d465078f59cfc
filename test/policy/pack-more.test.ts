// The pack as `pulumi preview --policy-pack policy` lists it: each rule's name, whether it blocks a
// deploy (mandatory) or only warns (advisory), and the description shown beside it. index.ts builds
// the PolicyPack from exactly this list. (See README, Mutation testing.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { policies } from "../../policy/rules";

test("the pack's rules, in order, with their levels and descriptions", () => {
  assert.deepEqual(policies.map((p) => [p.name, p.enforcementLevel, p.description]), [
    ["mail-host-not-proxied", "mandatory", "No DNS record of a mail host name (an MX or SRV target, or any A/AAAA record) is proxied by Cloudflare."],
    ["mx-target-not-cname", "mandatory", "An MX or SRV target is an A/AAAA name, never a CNAME."],
    ["spf-record-valid", "mandatory", "Every SPF record uses known mechanisms and modifiers, ends in ~all or -all, and needs at most 10 DNS lookups."],
    ["one-spf-per-name", "mandatory", "Exactly one SPF (v=spf1) TXT record per name."],
    ["dmarc-for-sending-domains", "mandatory", "Every sending domain has one _dmarc TXT record starting v=DMARC1 with p=none|quarantine|reject."],
    ["dkim-key-strength", "mandatory", "DKIM private keys are RSA with at least 2048 bits, or ED25519."],
    ["txt-string-max-255-bytes", "mandatory", "Every character string of a TXT record is at most 255 bytes."],
    ["remote-command-no-secrets", "mandatory", "remote.Command carries no secret in create/update/delete and sets no environment (pass secrets on stdin)."],
    ["ssh-host-key-pinned", "advisory", "Every SSH connection of remote.Command / CopyToRemote pins the host key (connection.hostKey)."],
  ]);
});
