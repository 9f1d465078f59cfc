// More of the host plan: the claims step, and the commands that run where `pulumi up` runs (the
// reachability check, the PTR set through Contabo's API or checked). Their exact text matters: the
// parameters are what the scripts read, and a changed text re-runs the step. (The program tests
// that show where they sit in the graph run under the mock engine, which the mutation run leaves
// out; see README, Mutation testing.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { LOCAL_SCRIPTS_DIR } from "../../plans/host/step-command";
import { claimsCommand, HostPlanInput, ptrCheckCommand, ptrContaboCommand, ptrContaboStdin, reachCommand } from "../../plans/host/steps";
import type { HostConfig } from "../../stacks/schema";

const host = (over: Partial<HostConfig> = {}): HostConfig =>
  ({ hostname: "mail.user.tax", zone: "user.tax", ipv4: "203.0.113.25", ipv6: "2001:db8::25", sshUser: "root", sshPort: 22, firewall: true, owner: true, ...over });
const input = (over: Partial<HostPlanInput> = {}): HostPlanInput => ({
  host: host(), stack: "mailstack/prod", acme: { email: "i@user.tax", directory: "https://acme.test/dir" }, firewall: true,
  domains: [{ name: "user.tax", dkimSelector: "", aliasesFile: "" }, { name: "shop.example", dkimSelector: "", aliasesFile: "" }], ...over,
});
const script = (file: string) => readFileSync(join(LOCAL_SCRIPTS_DIR, file), "utf8");
const contabo = { clientId: "INT-1", apiUser: "me@user.tax", authUrl: "https://auth.test/token", apiUrl: "https://api.test" };

describe("the claims step", () => {
  test("the stack, the host, whether this stack owns it, and its domains", () => {
    const text = claimsCommand(input());
    assert.match(text, /^bash -c "\$\(cat <<'MAILSTACK_STEP'\n# mailstack step: claims\nMS_STACK='mailstack\/prod'\nMS_HOSTNAME='mail\.user\.tax'\nMS_OWNER='yes'\nMS_DOMAINS='user\.tax shop\.example'\n/);
    assert.ok(text.endsWith("\nMAILSTACK_STEP\n)\" mailstack-claims"));
    assert.match(claimsCommand(input({ host: host({ owner: false }) })), /^MS_OWNER='no'$/m);
    assert.match(claimsCommand(input({ host: host({ sshUser: "deploy" }) })), /^sudo -n bash -c /);
  });
});

describe("commands run where pulumi up runs", () => {
  test("reach: every public address, and reach.sh without its shebang", () => {
    assert.equal(reachCommand(input()), `bash -c "$(cat <<'MAILSTACK_STEP'\n# mailstack local check: reach\nMS_ADDRESSES='203.0.113.25 2001:db8::25'\n`
      + `${script("reach.sh").replace(/^#!.*\n/, "")}\nMAILSTACK_STEP\n)" mailstack-reach`);
    assert.match(reachCommand(input({ host: host({ ipv6: undefined, sshUser: "deploy" }) })), /^bash -c "[\s\S]*^MS_ADDRESSES='203\.0\.113\.25'$/m);
  });

  test("ptr-contabo: the names and the account in the environment, the script as a module; the secrets only on stdin", () => {
    assert.equal(ptrContaboCommand(host(), contabo),
      "MS_HOSTNAME='mail.user.tax' MS_ADDRESSES='203.0.113.25 2001:db8::25' MS_AUTH_URL='https://auth.test/token' MS_API_URL='https://api.test' "
      + `MS_CLIENT_ID='INT-1' MS_API_USER='me@user.tax' node --input-type=module -e "$(cat <<'MAILSTACK_STEP'\n${script("ptr-contabo.mjs")}MAILSTACK_STEP\n)"`);
    assert.equal(ptrContaboStdin({ clientSecret: "cs", apiPassword: "pw" }), '{"clientSecret":"cs","apiPassword":"pw"}');
  });

  test("ptr-check: the resolver (empty for this machine's) and what to do on a mismatch", () => {
    assert.equal(ptrCheckCommand(host({ ipv6: undefined }), { check: "warn", resolver: "1.1.1.1" }),
      "MS_HOSTNAME='mail.user.tax' MS_ADDRESSES='203.0.113.25' MS_RESOLVER='1.1.1.1' MS_ON_MISMATCH='warn' "
      + `node --input-type=module -e "$(cat <<'MAILSTACK_STEP'\n${script("ptr-check.mjs")}MAILSTACK_STEP\n)"`);
    assert.match(ptrCheckCommand(host(), { check: "stop" }), /^MS_HOSTNAME='mail\.user\.tax' MS_ADDRESSES='203\.0\.113\.25 2001:db8::25' MS_RESOLVER='' MS_ON_MISMATCH='stop' node /);
  });
});
