import { usageError, type Command } from "../command";

export const xsCommand: Command = {
  name: "xs",
  summary: "run an ES module bundle on the real XS engine (picket-xs)",
  usage: "picket xs FILE.js",
  run: async (args) => {
    const file = args[0];
    if (file === undefined || file.startsWith("-")) return usageError("xs", "needs a bundle path", xsCommand.usage);
    const { runOnXs } = await import("../../../tools/xs/run-xs");
    const result = runOnXs(file);
    for (const line of result.output) process.stdout.write(`${line}\n`);
    for (const record of result.records) process.stdout.write(`${JSON.stringify(record)}\n`);
    if (result.stderr.length > 0) process.stderr.write(result.stderr);
    return result.status;
  },
};
