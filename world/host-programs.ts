// What the machine running the world must have, checked before `up` creates anything: a missing
// program is one clear line naming it, its Debian package and the command that installs them all,
// never a stack trace half-way with namespaces left behind.
import * as fs from "node:fs";
import * as path from "node:path";

/** Program → the Debian package that ships it (all listed in setup/apt-packages.txt). */
export const HOST_PROGRAMS: Record<string, string> = {
  debootstrap: "debootstrap",
  "systemd-nspawn": "systemd-container",
  knotd: "knot",
  knotc: "knot",
  pebble: "pebble",
  tinyproxy: "tinyproxy",
  openssl: "openssl",
  ssh: "openssh-client",
  "ssh-keygen": "openssh-client",
  ip: "iproute2",
  mount: "mount",
  umount: "mount",
  chroot: "coreutils",
};

export const INSTALL_COMMAND = "sudo bash setup/install-host-deps.sh";

function onPath(program: string, pathVar: string): boolean {
  return pathVar.split(":").filter(Boolean).some((dir) => {
    try {
      fs.accessSync(path.join(dir, program), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** The programs missing from PATH, with their packages. */
export function missingHostPrograms(pathVar = process.env.PATH ?? ""): { program: string; pkg: string }[] {
  return Object.entries(HOST_PROGRAMS).filter(([p]) => !onPath(p, pathVar)).map(([program, pkg]) => ({ program, pkg }));
}

/** One line for a person, or null when nothing is missing. */
export function missingHostProgramsMessage(pathVar?: string): string | null {
  const missing = missingHostPrograms(pathVar);
  if (missing.length === 0) return null;
  const list = missing.map((m) => `${m.program} (package ${m.pkg})`).join(", ");
  return `this machine lacks what the local world runs: ${list}; install them with: ${INSTALL_COMMAND}`;
}
