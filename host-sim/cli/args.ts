/**
 * The one command-line parser of every `picket` subcommand, `npm run bench`
 * and `npm run fuzz`: node:util `parseArgs` in strict mode (unknown options,
 * missing values and stray positionals are errors), with messages a person
 * can act on: the option named as typed, and the nearest known option when
 * it looks like a typo (`--rnus` → "did you mean --runs?").
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

export type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** Edit distance with adjacent transpositions (optimal string alignment), small strings only. */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((d[(i - 1) * cols + j] ?? 0) + 1, (d[i * cols + j - 1] ?? 0) + 1, (d[(i - 1) * cols + j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, (d[(i - 2) * cols + j - 2] ?? 0) + 1);
      d[i * cols + j] = best;
    }
  }
  return d[rows * cols - 1] ?? 0;
}

/** The known option nearest to `typed` (`--name` form), when it is close enough to be a typo; else undefined. */
export function suggestOption(typed: string, known: readonly string[]): string | undefined {
  const bare = typed.replace(/^-+/, "").split("=", 1)[0] ?? "";
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const distance = editDistance(bare, name);
    if (distance < bestDistance) {
      best = name;
      bestDistance = distance;
    }
  }
  const limit = bare.length <= 4 ? 1 : 2;
  return best !== undefined && bestDistance <= limit ? `--${best}` : undefined;
}

/** The same, for subcommand names. */
export function suggestCommand(typed: string, known: readonly string[]): string | undefined {
  const found = suggestOption(typed, known);
  return found?.slice(2);
}

export type ParsedArgs<O extends OptionsConfig> = ReturnType<typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>>;

/** Parse `args` strictly; a readable message (with a suggestion for a typo) instead of Node's. */
export function parseStrict<const O extends OptionsConfig>(
  args: readonly string[],
  options: O,
  allowPositionals = false,
): { readonly ok: true; readonly parsed: ParsedArgs<O> } | { readonly ok: false; readonly message: string } {
  try {
    return { ok: true, parsed: parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: boolean }>({ args: [...args], options, strict: true, allowPositionals }) };
  } catch (error) {
    return { ok: false, message: describeParseError(error, Object.keys(options)) };
  }
}

function describeParseError(error: unknown, known: readonly string[]): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  const quoted = /'([^']+)'/.exec(message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
    const suggestion = suggestOption(quoted, known);
    return `unknown option ${quoted}${suggestion === undefined ? "" : ` (did you mean ${suggestion}?)`}`;
  }
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    const flag = /(--?[A-Za-z0-9-]+)/.exec(quoted)?.[1] ?? quoted;
    if (/argument missing|ambiguous/.test(message)) return `${flag} needs a value`;
    if (/does not take an argument/.test(message)) return `${flag} takes no value`;
    return `${flag}: ${message}`;
  }
  if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") return `unexpected argument ${quoted}`;
  return message;
}
