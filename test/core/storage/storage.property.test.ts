import * as fc from "fast-check";
import { describe, it } from "vitest";
import { storageProperties } from "../../conformance/storage.props";

// Fixed seed so a failure reproduces; fast-check prints the counterexample and path.
const SEED = 0x5eed_0404;
const NUM_RUNS = 400;

describe("core/storage properties", () => {
  for (const property of storageProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
