import { usageError, type Command } from "../command";
import { parseStrict } from "../args";

export const buildCommand: Command = {
  name: "build",
  summary: "build the device bundle for every profile and print the size report",
  usage: "picket build [--profile full|sensor|udp]",
  run: async (args) => {
    const { buildDevice, formatBuildReport } = await import("../../../tools/build/build");
    const parsed = parseStrict(args, { profile: { type: "string" } });
    if (!parsed.ok) return usageError("build", parsed.message, buildCommand.usage);
    const profile = parsed.parsed.values.profile ?? "full";
    try {
      process.stdout.write(`${formatBuildReport(await buildDevice(profile))}\n`);
      return 0;
    } catch (error) {
      process.stderr.write(`picket build: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  },
};
