import * as fc from "fast-check";
import { describe, it } from "vitest";
import { schedulerProperties } from "../../conformance/scheduler.props";

// Fixed seed so a failure reproduces; fast-check prints the counterexample and path.
const SEED = 0x5eed_3003;
const NUM_RUNS = 200;

describe("core/runtime scheduler properties", () => {
  for (const property of schedulerProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
