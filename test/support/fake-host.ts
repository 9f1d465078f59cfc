// For unit tests of the program only: answers remote commands the way a Debian host would answer
// preflight, without running anything. Real hosts are exercised in the local world (test/e2e).
import type { Applier } from "../../runner/mock-engine";
import type { DkimMode } from "../../plans/host/preflight";

export function fakeHostApplier(dkim: DkimMode = "native"): Applier {
  return async (reg) => {
    if (reg.type !== "command:remote:Command") return {};
    const step = /# mailstack step: ([a-z-]+)/.exec(String(reg.inputs.create))?.[1];
    const stdout = step === "preflight"
      ? (dkim === "native" ? "os=debian-13\nchasquid=1.15.0-1+b4\ndkim=native" : "os=debian-12\nchasquid=1.11-2+b2\ndkim=hook")
      : step === "verify" ? "verified" : "";
    return { stdout, stderr: "" };
  };
}
