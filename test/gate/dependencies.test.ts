/**
 * Dependency hygiene that determinism depends on.
 *
 * cbor-x would load a native string extractor (cbor-extract) on Node; the board
 * can only run cbor-x's JavaScript decoder, so V8 must run the same path.
 * package.json overrides cbor-extract with tools/npm/cbor-extract-disabled.
 */
import { describe, expect, it } from "vitest";
import { isNativeAccelerationEnabled } from "cbor-x";

describe("dependencies", () => {
  it("cbor-x runs its JavaScript decoder on V8, as on XS (no native cbor-extract)", () => {
    expect(isNativeAccelerationEnabled).toBe(false);
  });
});
