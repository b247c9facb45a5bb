#!/usr/bin/env node
// Set-up step shared by `npm start`, `npm test` and `npm run bench`, so either
// README command works on a fresh clone: installs npm dependencies when they
// are missing or older than package-lock.json, then builds (or reuses) the
// XS engine hosts (native, and the 32-bit one the board-memory figures are
// measured on; that one installs gcc-multilib and qemu-user-static with
// apt-get when they are missing, which needs root). Uses only Node built-ins: it runs before dependencies exist.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");

function run(cmd, args) {
  const result = spawnSync(cmd, args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    process.stderr.write(`setup: \`${cmd} ${args.join(" ")}\` failed (exit ${result.status})\n`);
    process.exit(result.status ?? 1);
  }
}

const major = Number(process.versions.node.split(".")[0]);
if (major < 20) {
  process.stderr.write(`setup: Node ${process.versions.node} is too old; Picket needs Node 20 or newer\n`);
  process.exit(1);
}
if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
  process.stderr.write("setup: installing npm dependencies (npm ci)\n");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
// Imported only now: build-xs.mjs uses Node built-ins alone, so it is safe
// even before the npm install above.
const { buildXs } = await import("./xs/build-xs.mjs");
try {
  buildXs();
  buildXs({ variant: "m32" });
} catch (error) {
  process.stderr.write(`setup: building the XS engine host failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
