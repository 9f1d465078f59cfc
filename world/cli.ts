// npm run world -- up|down|status|reboot [--os debian13|debian12] [--vps provider|bare] [--hostname FQDN] [--no-seed]
//                  dns list <zone>
import { DEFAULT_FLAVOUR, DEFAULT_HOSTNAME, DEFAULT_OS, FLAVOURS, OsName, SUITES, VpsFlavour } from "./config";
import { listRecords } from "./dns";
import { down, printStatus, reboot, status, up } from "./lifecycle";

const USAGE = `usage: npm run world -- <command>
  up [--os debian13|debian12] [--vps provider|bare] [--hostname FQDN] [--no-seed]
                                                  start the world (no-op when already up); the vps is
                                                  a provider's image (default) or a bare debootstrap
  down                                            remove everything but the rootfs cache
  status                                          each party, its address, and whether it answers
  reboot                                          reboot the vps, keeping its disk
  dns list <zone>                                 records of a world zone`;

function opt(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  if (v === undefined || v.startsWith("--")) throw new Error(`${name} needs a value`);
  return v;
}

async function main(args: string[]): Promise<number> {
  const cmd = args[0];
  if (!cmd || cmd === "help" || cmd === "--help") {
    console.log(USAGE);
    return cmd ? 0 : 1;
  }
  if (process.getuid?.() !== 0) {
    console.error("world: must run as root (it creates network namespaces, mounts and containers); try: sudo npm run world -- " + args.join(" "));
    return 1;
  }
  const log = (s: string) => console.log(s);
  switch (cmd) {
    case "up": {
      const os = (opt(args, "--os") ?? DEFAULT_OS) as OsName;
      if (!(os in SUITES)) throw new Error(`--os must be one of ${Object.keys(SUITES).join(", ")}`);
      const flavour = (opt(args, "--vps") ?? DEFAULT_FLAVOUR) as VpsFlavour;
      if (!FLAVOURS.includes(flavour)) throw new Error(`--vps must be one of ${FLAVOURS.join(", ")}`);
      await up({ os, flavour, hostname: opt(args, "--hostname") ?? DEFAULT_HOSTNAME, seed: !args.includes("--no-seed"), log });
      return 0;
    }
    case "down":
      await down(log);
      return 0;
    case "status": {
      const st = await status();
      printStatus(st, log);
      return st.every((s) => s.ok) ? 0 : 3;
    }
    case "reboot":
      await reboot(log);
      return 0;
    case "dns": {
      if (args[1] !== "list" || !args[2]) throw new Error("usage: npm run world -- dns list <zone>");
      for (const r of await listRecords(args[2])) {
        console.log(`${r.name}\t${r.ttl}\t${r.type}\t${r.priority !== undefined ? `${r.priority} ` : ""}${r.content}`);
      }
      return 0;
    }
    default:
      console.error(USAGE);
      return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    console.error(`world: ${e.message}`);
    process.exit(1);
  },
);
