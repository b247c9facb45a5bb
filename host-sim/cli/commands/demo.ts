import type { Command } from "../command";

export const demoCommand: Command = {
  name: "demo",
  summary: "build the device bundle and boot agents on the real XS engine and on V8",
  usage: "picket demo [--agents N] [--seconds S]   (N 1..256, default 8; S default 60)",
  run: async (args) => (await import("../demo")).runDemo(args),
};
