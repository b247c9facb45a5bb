/** One `picket` subcommand. Each lives in host-sim/cli/commands/<name>.ts. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** Full usage text printed by `picket <name> --help`. */
  readonly usage: string;
  run(args: readonly string[]): Promise<number>;
}

/** Print `picket <name>: message` to stderr and return the usage-error exit code 2. */
export function usageError(command: string, message: string, usage: string): number {
  process.stderr.write(`picket ${command}: ${message}\nusage: ${usage}\n`);
  return 2;
}

/** A mistake in how a command was called (exit status 2, with the usage). */
export class UsageError extends Error {}
