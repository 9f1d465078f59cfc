// Everything a check needs: what the stack planned, and how to reach the world.
import type { Targets } from "./outputs";
import type { NetContext } from "./probe";
import type { Resolver } from "./resolver";

export interface DoctorContext {
  targets: Targets;
  resolver: Resolver;
  net: NetContext;
  now: Date;
}
