#!/usr/bin/env node
// mailstack doctor|send-test [options]: runs the TypeScript commands in doctor/ through tsx.
"use strict";
require("tsx/cjs");
const [command, ...args] = process.argv.slice(2);
const commands = {
  doctor: () => require("../doctor/cli").doctorMain(args),
  "send-test": () => require("../doctor/send-test").sendTestMain(args),
};
const run = commands[command];
if (!run) {
  process.stderr.write("usage: mailstack doctor --stack NAME [--json] [--resolver IP] [--ca FILE]\n       mailstack send-test --stack NAME --to ADDRESS\n");
  process.exit(2);
}
run().then((code) => { process.exitCode = code; }, (e) => { process.stderr.write(`mailstack ${command}: ${e.message}\n`); process.exitCode = 2; });
