/**
 * `picket` command line. Each subcommand is one entry in COMMANDS with its own
 * help; later issues add entries (sim, keygen, cert, merkle, inspect, ...).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../../tools/build/targets";

export interface Command {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  run(args: readonly string[]): Promise<number>;
}

async function lazy<T>(load: () => Promise<T>): Promise<T> {
  return load();
}

const COMMANDS: readonly Command[] = Object.freeze([
  {
    name: "demo",
    summary: "build the device bundle and boot agents on the real XS engine and on V8",
    usage: "picket demo [--agents N]   (N: 1..256, default 8)",
    run: async (args) => (await lazy(() => import("./demo"))).runDemo(args),
  },
  {
    name: "build",
    summary: "build the device bundle for every profile and print the size report",
    usage: "picket build [--profile full|sensor|udp]",
    run: async (args) => {
      const { buildDevice, formatBuildReport } = await import("../../tools/build/build");
      const index = args.indexOf("--profile");
      const profile = index >= 0 ? args[index + 1] : "full";
      if (profile === undefined) {
        process.stderr.write("picket build: --profile needs a name\n");
        return 2;
      }
      try {
        process.stdout.write(`${formatBuildReport(await buildDevice(profile))}\n`);
        return 0;
      } catch (error) {
        process.stderr.write(`picket build: ${error instanceof Error ? error.message : String(error)}\n`);
        return 1;
      }
    },
  },
  {
    name: "xs",
    summary: "run an ES module bundle on the real XS engine (picket-xs) and report computrons",
    usage: "picket xs FILE.js",
    run: async (args) => {
      const file = args[0];
      if (file === undefined || file.startsWith("-")) {
        process.stderr.write("picket xs: needs a bundle path\n");
        return 2;
      }
      const { runOnXs } = await import("../../tools/xs/run-xs");
      const result = runOnXs(file);
      for (const line of result.output) process.stdout.write(`${line}\n`);
      for (const record of result.records) process.stdout.write(`${JSON.stringify(record)}\n`);
      if (result.stderr.length > 0) process.stderr.write(result.stderr);
      return result.status;
    },
  },
]);

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
    process.stderr.write(`picket: unknown command "${name}"\n\n${help()}\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`${command.summary}\nusage: ${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}
