/**
 * `picket` command line. Each subcommand is a module in host-sim/cli/commands/
 * listed in commands/index.ts, with its own usage text.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../tools/build/targets";
import { COMMANDS } from "./commands/index";
import { suggestCommand } from "./args";

function version(): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { version?: string };
  return pkg.version ?? "0.0.0";
}

function help(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    `picket ${version()} - edge agent for sensor meshes on Moddable XS`,
    "",
    "usage: picket <command> [options]",
    "",
    "commands:",
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    "",
    "picket <command> --help shows a command's options.",
  ].join("\n");
}

export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(`${help()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (command === undefined) {
    const suggestion = suggestCommand(name, COMMANDS.map((candidate) => candidate.name));
    process.stderr.write(`picket: unknown command "${name}"${suggestion === undefined ? "" : ` (did you mean "${suggestion}"?)`}\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.summary}\n\nusage: ${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    // A file or folder that cannot be opened is the user's to fix: one line naming it, no stack trace.
    const system = error as { code?: unknown; path?: unknown; syscall?: unknown } | null;
    if (system !== null && typeof system.code === "string" && typeof system.path === "string") {
      const what = system.code === "ENOENT" ? "no such file or folder" : system.code === "EACCES" || system.code === "EPERM" ? "permission denied" : system.code === "EISDIR" ? "is a folder" : system.code;
      process.stderr.write(`picket ${name}: ${system.path}: ${what}\n`);
      return 1;
    }
    throw error;
  }
}
