// `npm run bench:preview [-- --domains 1,5,20] [--users 50] [--repeat 1]`: figures, no assertions.
// Evaluation time of the program under the mock engine (test/support/mock-engine.ts, as the unit tests
// run it) for a generated config of D domains x U users (test/support/generated-config.ts):
// 1. a first preview (no state);
// 2. a first run (not a preview: keys, passwords and salts are generated, the fake host answers);
// 3. a no-op preview: the state of that run and the same config (what `pulumi preview` costs on
//    an unchanged stack).
// The real Pulumi engine cannot run here; these figures are the program's evaluation plus the mock
// engine's bookkeeping, without the gRPC round trips and provider plugins of a real engine.
import { cpus, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { generatedConfig } from "../test/support/generated-config";
import { runProgram } from "../test/support/run-program";

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : fallback);
const domainCounts = arg("--domains", "1,5,20").split(",").map(Number);
const users = Number(arg("--users", "50"));
const repeat = Number(arg("--repeat", "1"));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface Timing {
  wall: number;
  /** CPU time of the whole process (main thread and libuv's pool): the work, whatever the cores free. */
  cpu: number;
}

async function timed<T>(f: () => Promise<T>): Promise<[T, Timing]> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const result = await f();
  const used = process.cpuUsage(cpu);
  return [result, { wall: performance.now() - started, cpu: (used.user + used.system) / 1000 }];
}

const figure = (t: Timing) => `${seconds(t.wall)} (cpu ${seconds(t.cpu)})`;

async function main(): Promise<void> {
  console.log(`# preview benchmark: ${cpus().length} x ${cpus()[0]?.model ?? "cpu"}, node ${process.version}, ${new Date().toISOString()}`);
  console.log(`wall time (CPU time of the process, all threads); load average before: ${loadavg().map((l) => l.toFixed(1)).join(" ")}`);
  console.log(`| domains x users | resources | first preview | first run | no-op preview |`);
  console.log(`| --- | --- | --- | --- | --- |`);
  for (const domains of domainCounts) {
    for (let i = 0; i < repeat; i++) {
      const config = generatedConfig(domains, users);
      const [, preview] = await timed(() => runProgram(config, { preview: true }));
      const [up, run] = await timed(() => runProgram(config));
      const [noop, again] = await timed(() => runProgram(config, { preview: true, state: up.engine.state }));
      const changed = noop.engine.registrations.filter((r) => r.custom && r.change !== "same").length;
      const resources = up.engine.registrations.filter((r) => r.custom).length;
      // A no-op preview that shows changes would measure something else: say so beside the figure.
      const note = changed === 0 ? "" : ` (${changed} changes!)`;
      console.log(`| ${domains} x ${users} | ${resources} | ${figure(preview)} | ${figure(run)} | ${figure(again)}${note} |`);
    }
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
