/** The telemetry/sensor conformance properties on V8 (the same file runs on XS via test/conformance/index.ts). */
import * as fc from "fast-check";
import { describe, it } from "vitest";
import { telemetryProperties } from "../../conformance/telemetry.props";

// Fixed seed so a failure reproduces; fast-check prints the counterexample and path.
const SEED = 0x7e1e_2026;
const NUM_RUNS = 300;

describe("core/telemetry and simulated sensor properties", () => {
  for (const property of telemetryProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
