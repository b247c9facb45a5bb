import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Moddable module specifier -> simulated stand-in, for XS test bundles and vitest. */
export const MODDABLE_STUBS: Readonly<Record<string, string>> = Object.freeze({
  time: join(repoRoot, "test/xs/stubs/time.ts"),
  timer: join(repoRoot, "test/xs/stubs/timer.ts"),
  "mc/config": join(repoRoot, "test/xs/stubs/mc-config.ts"),
});
