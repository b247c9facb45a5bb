#!/usr/bin/env node
// `npm run lint`: type-check every tsconfig, then run the ESLint gate.
import { spawnSync } from "node:child_process";

const steps = [
  ["tsc (core: ES2023 only, no Node/DOM)", ["npx", "tsc", "-p", "tsconfig.core.json"]],
  ["tsc (device: ES2023 + @moddable/typings)", ["npx", "tsc", "-p", "tsconfig.device.json"]],
  ["tsc (host: Node)", ["npx", "tsc", "-p", "tsconfig.json"]],
  ["eslint (no-panic / determinism / XS-clean gate)", ["npx", "eslint", "--max-warnings", "0", "."]],
];
for (const [label, [cmd, ...args]] of steps) {
  process.stdout.write(`lint: ${label}\n`);
  const result = spawnSync(cmd, args, { stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`lint: FAILED at ${label}\n`);
    process.exit(result.status ?? 1);
  }
}
process.stdout.write("lint: all checks passed\n");
