// For unit tests of the program only: answers remote commands the way a Debian host would answer
// preflight, without running anything. Real hosts are exercised in the local world (test/e2e).
import type { Applier } from "./mock-engine";
import type { DkimMode } from "../../plans/host/preflight";

export const FAKE_HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeHostKeyForUnitTestsOnly0000000000";

/** A host other than the two defaults (Debian 13 native, Ubuntu 24.04's 1.13 with the hook). */
export interface FakeHostRelease {
  os: string;
  chasquid: string;
}

export function fakeHostApplier(dkim: DkimMode = "native", release?: FakeHostRelease): Applier {
  return async (reg) => {
    if (reg.type !== "command:remote:Command") return {};
    const step = /# mailstack step: ([a-z-]+)/.exec(String(reg.inputs.create))?.[1];
    const version = release?.chasquid ?? (dkim === "native" ? "1.15.0-1+b4" : "1.13-1ubuntu0.3");
    const os = release?.os ?? (dkim === "native" ? "debian-13" : "ubuntu-24.04");
    const chasquid = `chasquid=${version}\ndkim=${dkim}`;
    // On a host another stack owns, preflight also reports the chasquid that owner installed.
    const guest = /^MS_GUEST_OF='/m.test(String(reg.inputs.create));
    const answers: Record<string, string> = {
      preflight: `${guest ? `owner=mailstack/owner\n${chasquid}\n` : ""}os=${os}\nhostkey=${FAKE_HOST_KEY}`,
      base: chasquid,
      verify: "verified",
    };
    const stdout = answers[step ?? ""] ?? "";
    return { stdout, stderr: "" };
  };
}
