// A tiny --flag parser shared by both commands (no dependency).
export interface ParsedArgs {
  flags: Record<string, string | true>;
  repeated: Record<string, string[]>;
}

export function parseArgs(argv: string[], valued: string[], booleans: string[]): ParsedArgs {
  const flags: Record<string, string | true> = {};
  const repeated: Record<string, string[]> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unexpected argument: ${a}`);
    const name = m[1]!;
    if (booleans.includes(name)) {
      flags[name] = true;
      continue;
    }
    if (!valued.includes(name)) throw new Error(`unknown option --${name}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`--${name} needs a value`);
    flags[name] = value;
    (repeated[name] ??= []).push(value);
  }
  return { flags, repeated };
}

export const str = (a: ParsedArgs, name: string): string | undefined => (typeof a.flags[name] === "string" ? (a.flags[name] as string) : undefined);
