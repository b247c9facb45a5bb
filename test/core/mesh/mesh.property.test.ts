/** The core/mesh conformance properties on V8 (the same list runs on XS via test/xs/conformance.test.ts). */
import * as fc from "fast-check";
import { describe, it } from "vitest";
import { meshProperties } from "../../conformance/mesh.props";

const SEED = 20261124;
const NUM_RUNS = 200;

describe("core/mesh properties", () => {
  for (const property of meshProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
