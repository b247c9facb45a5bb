/**
 * Runs the shared collection properties (test/conformance/collections.props.ts)
 * on V8 with a fixed seed, so a failure reproduces exactly. The same file
 * runs inside XS with fast-check bundled.
 */
import * as fc from "fast-check";
import { describe, it } from "vitest";
import { collectionProperties } from "../../conformance/collections.props";

const SEED = 0x5eed_c011;
const NUM_RUNS = 200;

describe("core/collections properties", () => {
  for (const property of collectionProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
