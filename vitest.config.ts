import { defineConfig } from "vitest/config";
import { MODDABLE_STUBS } from "./host-sim/moddable/index.ts";

export default defineConfig({
  // Device code on V8 sees the same Moddable stand-ins as the XS test bundles,
  // and the full profile's feature flags (agent/build-flags.d.ts).
  define: {
    PICKET_FEATURE_CONSENSUS: "true",
    PICKET_FEATURE_GATEWAY: "true",
    PICKET_RADIO: JSON.stringify("sim"),
    PICKET_BME68X: "true",
  },
  resolve: {
    alias: Object.entries(MODDABLE_STUBS).map(([specifier, file]) => ({
      find: new RegExp(`^${specifier.replace("/", "\\/")}$`),
      replacement: file,
    })),
  },
  test: {
    include: ["test/**/*.test.ts"],
    // XS builds and engine runs are slower than unit tests; none asserts on time.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
    reporters: ["default"],
  },
});
