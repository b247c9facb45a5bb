import * as fc from "fast-check";
import { describe, it } from "vitest";
import { hashProperties } from "../../conformance/hash.props";

// Fixed seed so a failure reproduces; fast-check prints the counterexample and path.
const SEED = 0x5eed_4a54;
const NUM_RUNS = 300;

describe("core/crypto SHA-256, HMAC and HKDF properties", () => {
  for (const property of hashProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
