// Optional apt seed layer: apt lists and downloaded .debs harvested from earlier worlds, mounted
// as an extra lower layer so `apt-get update/install` in a fresh vps mostly skips downloads.
// The vps's installed state is untouched (dpkg status comes from the base image).
import * as fs from "node:fs";
import * as path from "node:path";
import { CACHE_DIR, OsName, SUITES } from "./config";

const LISTS = "var/lib/apt/lists";
const ARCHIVES = "var/cache/apt/archives";

export function seedPath(os: OsName): string {
  return path.join(CACHE_DIR, SUITES[os], "seed");
}

export function seedExists(os: OsName): boolean {
  return fs.existsSync(path.join(seedPath(os), LISTS));
}

/**
 * Copies apt's lists and .debs of a stopped vps into the seed, when that vps changed them
 * (its overlay upper dir has entries there). Reads the merged view, so lists that only the
 * lower layers hold are kept too. Lists are replaced as a set, .debs accumulate. Call commit()
 * after unmounting.
 */
export function harvestSeed(
  os: OsName,
  upper: string,
  merged: string,
  seed = seedPath(os),
): { lists: number; debs: number; commit: () => void } {
  const none = { lists: 0, debs: 0, commit: () => undefined };
  const changed = [LISTS, ARCHIVES].some((d) => fs.existsSync(path.join(upper, d)) && fs.readdirSync(path.join(upper, d)).length > 0);
  if (!changed || !fs.existsSync(path.join(merged, LISTS))) return none;
  const files = (d: string, f: (n: string) => boolean) =>
    fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isFile() && f(e.name)).map((e) => e.name) : [];
  const lists = files(path.join(merged, LISTS), (n) => n !== "lock");
  const debs = files(path.join(merged, ARCHIVES), (n) => n.endsWith(".deb"));
  const tmp = `${seed}.tmp`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const d of [LISTS, ARCHIVES]) fs.mkdirSync(path.join(tmp, d, "partial"), { recursive: true });
  for (const n of lists) fs.copyFileSync(path.join(merged, LISTS, n), path.join(tmp, LISTS, n));
  for (const n of debs) fs.copyFileSync(path.join(merged, ARCHIVES, n), path.join(tmp, ARCHIVES, n));
  // Swap only once the overlay using the old seed is unmounted (lower layers must not change under it).
  const commit = () => {
    fs.rmSync(seed, { recursive: true, force: true });
    fs.renameSync(tmp, seed);
  };
  return { lists: lists.length, debs: debs.length, commit };
}
