/**
 * Test/bench-only shims for running third-party test libraries on XS.
 * fast-check binds `setTimeout` when it loads (for async properties, which
 * Picket does not use); XS has no timers. Import this before fast-check.
 */
const g = globalThis as unknown as Record<string, unknown>;
if (typeof g["setTimeout"] !== "function") {
  g["setTimeout"] = (): number => 0;
  g["clearTimeout"] = (): void => undefined;
}
