import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { harvestSeed } from "../../world/seed";

function tree(root: string, files: Record<string, string>) {
  for (const [f, c] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    fs.writeFileSync(path.join(root, f), c);
  }
}

test("apt seed: harvested from the merged view only when the vps touched apt", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "msw-seed-"));
  const [upper, merged, seed] = ["upper", "merged", "seed"].map((n) => path.join(d, n)) as [string, string, string];
  tree(merged, {
    "var/lib/apt/lists/x_InRelease": "r",
    "var/lib/apt/lists/x_Packages": "p", // only in a lower layer
    "var/lib/apt/lists/lock": "",
    "var/cache/apt/archives/a.deb": "a",
    "var/cache/apt/archives/lock": "",
  });
  fs.mkdirSync(upper);
  assert.equal(harvestSeed("debian13", upper, merged, seed).lists, 0, "untouched apt: nothing to keep");
  tree(upper, { "var/lib/apt/lists/x_InRelease": "r" });
  const h = harvestSeed("debian13", upper, merged, seed);
  assert.deepEqual([h.lists, h.debs], [2, 1]);
  assert.equal(fs.existsSync(seed), false, "nothing changes before commit()");
  h.commit();
  assert.deepEqual(fs.readdirSync(path.join(seed, "var/lib/apt/lists")).sort(), ["partial", "x_InRelease", "x_Packages"]);
  assert.deepEqual(fs.readdirSync(path.join(seed, "var/cache/apt/archives")).sort(), ["a.deb", "partial"]);
  fs.rmSync(d, { recursive: true });
});
