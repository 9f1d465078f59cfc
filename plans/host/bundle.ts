// The stdin format of remote steps: one `FILE <name> <base64>` line per file (remote/lib.sh read_bundle).

const NAME = /^[A-Za-z0-9._:@/-]+$/;

export function renderBundle(files: Record<string, string>): string {
  return Object.keys(files).sort().map((name) => {
    if (!NAME.test(name) || name.startsWith("/") || name.includes("..")) throw new Error(`unsafe bundle file name ${name}`);
    return `FILE ${name} ${Buffer.from(files[name], "utf8").toString("base64")}\n`;
  }).join("");
}
