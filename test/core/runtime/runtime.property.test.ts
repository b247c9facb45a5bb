import * as fc from "fast-check";
import { describe, it } from "vitest";
import { runtimeProperties } from "../../conformance/runtime.props";

// Fixed seed so a failure reproduces; fast-check prints the counterexample and path.
const SEED = 0x5eed_2024;
const NUM_RUNS = 300;

describe("core/runtime properties", () => {
  for (const property of runtimeProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
