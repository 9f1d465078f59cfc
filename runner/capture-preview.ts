// `npm run docs:preview` (root, the local world up and the local stack deployed): runs the real
// `pulumi preview --diff` of adding a domain (shop.example.test, in the world's zone) to the local
// stack and writes it into docs/review-and-deploy.md between its markers, so the docs quote what
// the engine printed, not a hand-made list. The end-to-end suite asserts the same preview.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { deploy, LOCAL, ROOT } from "./deploy";

export const ADDED_DOMAIN = "shop.example.test";
const DOC = join(ROOT, "docs", "review-and-deploy.md");
const START = "<!-- preview:add-domain:start (written by npm run docs:preview) -->";
const END = "<!-- preview:add-domain:end -->";

/** The local stack file with one more domain: one user, forwarding like the first domain's catch-all. */
export function withAddedDomain(stackFile = join(ROOT, "Pulumi.local.yaml")): string {
  const doc = parse(readFileSync(stackFile, "utf8")) as { config: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- YAML
  const domains = doc.config["mailstack:domains"] as { aliases?: Record<string, string> }[];
  const forward = domains[0].aliases?.["*"] ?? "me@gmail.test";
  domains.push({ name: ADDED_DOMAIN, zone: "example.test", users: ["sales"], aliases: { "*": forward }, dmarc: { policy: "reject" } } as never);
  mkdirSync(LOCAL, { recursive: true });
  const file = join(LOCAL, "Pulumi.local-add-domain.yaml");
  writeFileSync(file, stringify(doc));
  return file;
}

/** The preview text without what changes from run to run (durations). */
export function stablePreview(output: string): string {
  return output.split("\n").filter((l) => !/^Duration: /.test(l)).join("\n").trim();
}

async function main(): Promise<void> {
  const report = await deploy({ stackFile: withAddedDomain(), stack: "local", preview: true });
  if (!report.ok) throw new Error(`the preview failed:\n${report.error}`);
  const doc = readFileSync(DOC, "utf8");
  const [before, rest] = doc.split(START);
  if (rest === undefined || !rest.includes(END)) throw new Error(`${DOC}: markers ${START} … ${END} not found`);
  const after = rest.slice(rest.indexOf(END));
  writeFileSync(DOC, `${before}${START}\n\`\`\`\n$ pulumi preview --diff   # Pulumi.local.yaml plus ${ADDED_DOMAIN}\n${stablePreview(report.output)}\n\`\`\`\n${after}`);
  const changed = Object.entries(report.changes).filter(([, c]) => c !== "same");
  console.log(`docs/review-and-deploy.md: preview of adding ${ADDED_DOMAIN} written (${changed.length} resources change)`);
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
