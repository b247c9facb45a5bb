import * as fc from "fast-check";
import { describe, it } from "vitest";
import { cryptoProperties } from "../../conformance/crypto.props";

// Fixed seed so a failure reproduces; fast-check prints the counterexample and path.
const SEED = 0x5eed_c0de;
const NUM_RUNS = 300;

describe("core/codec and core/crypto properties", () => {
  for (const property of cryptoProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
