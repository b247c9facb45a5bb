/**
 * Every decoder and verifier of core/codec and core/crypto under 100k
 * generated inputs each (README "Crypto boundary and envelopes": negative tests): no exception escapes, every result is
 * a specific error code. `npm run fuzz` (test/fuzz/run.ts) runs >= 10M.
 */
import * as fc from "fast-check";
import { describe, it } from "vitest";
import { FUZZ_TARGETS } from "./targets";

const RUNS_PER_TARGET = 100_000;
const SEED = 0xf022_2025;

describe("fuzz: decoders and verifiers never throw", () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: ${RUNS_PER_TARGET} inputs`, () => {
      target.run(fc, RUNS_PER_TARGET, SEED);
    });
  }
});
