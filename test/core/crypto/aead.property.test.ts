/**
 * Runs the ChaCha20-Poly1305 differential properties (test/conformance/aead.props.ts)
 * on V8 with a fixed seed, so a failure reproduces exactly. The same file
 * runs inside XS through the conformance bundle.
 */
import * as fc from "fast-check";
import { describe, it } from "vitest";
import { aeadProperties } from "../../conformance/aead.props";

const SEED = 0x5eed_aead;
const NUM_RUNS = 1000;

describe("core/crypto ChaCha20-Poly1305 against @noble/ciphers", () => {
  for (const property of aeadProperties) {
    it(property.name, () => {
      property.run(fc, NUM_RUNS, SEED);
    });
  }
});
