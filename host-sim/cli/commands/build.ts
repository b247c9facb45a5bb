import { usageError, type Command } from "../command";

export const buildCommand: Command = {
  name: "build",
  summary: "build the device bundle for every profile and print the size report",
  usage: "picket build [--profile full|sensor|udp]",
  run: async (args) => {
    const { buildDevice, formatBuildReport } = await import("../../../tools/build/build");
    const index = args.indexOf("--profile");
    const profile = index >= 0 ? args[index + 1] : "full";
    if (profile === undefined) return usageError("build", "--profile needs a name", buildCommand.usage);
    try {
      process.stdout.write(`${formatBuildReport(await buildDevice(profile))}\n`);
      return 0;
    } catch (error) {
      process.stderr.write(`picket build: ${error instanceof Error ? error.message : String(error)}\n`);
      return 1;
    }
  },
};
