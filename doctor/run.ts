// One doctor run: every check group in order, results in one list.
import { dnsChecks } from "./checks/dns";
import { rdnsChecks } from "./checks/rdns";
import { reputationChecks } from "./checks/reputation";
import { securityChecks } from "./checks/security";
import { probeAll, smtpChecks } from "./checks/smtp";
import type { DoctorContext } from "./context";
import type { CheckResult } from "./types";

export type Group = "dns" | "rdns" | "smtp" | "security" | "reputation";
export const GROUPS: Group[] = ["dns", "rdns", "smtp", "security", "reputation"];

export async function runDoctor(ctx: DoctorContext, groups: Group[] = GROUPS): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  if (groups.includes("dns")) out.push(...(await dnsChecks(ctx)));
  if (groups.includes("rdns")) out.push(...(await rdnsChecks(ctx)));
  if (groups.includes("smtp") || groups.includes("security")) {
    const probes = await probeAll(ctx);
    if (groups.includes("smtp")) out.push(...(await smtpChecks(ctx, probes)));
    if (groups.includes("security")) out.push(...(await securityChecks(ctx, probes)));
  }
  if (groups.includes("reputation")) out.push(...(await reputationChecks(ctx)));
  return out;
}
