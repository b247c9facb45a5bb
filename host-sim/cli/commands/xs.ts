import { usageError, type Command } from "../command";
import { parseStrict } from "../args";

export const xsCommand: Command = {
  name: "xs",
  summary: "run an ES module bundle on the real XS engine (picket-xs)",
  usage: "picket xs FILE.js",
  run: async (args) => {
    const parsed = parseStrict(args, {}, true);
    if (!parsed.ok) return usageError("xs", parsed.message, xsCommand.usage);
    const file = parsed.parsed.positionals[0];
    if (file === undefined || parsed.parsed.positionals.length !== 1) return usageError("xs", "needs exactly one bundle path", xsCommand.usage);
    const { runOnXs } = await import("../../../tools/xs/run-xs");
    const result = runOnXs(file);
    for (const line of result.output) process.stdout.write(`${line}\n`);
    for (const record of result.records) process.stdout.write(`${JSON.stringify(record)}\n`);
    if (result.stderr.length > 0) process.stderr.write(result.stderr);
    return result.status;
  },
};
