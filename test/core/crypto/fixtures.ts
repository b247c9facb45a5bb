/** Shared helpers for the crypto tests (not a test file itself). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createCoseCodecs, KemAlg, NobleCryptoProvider, CoseAlg, type CoseCodecs } from "../../../core/crypto/index";
import type { EntropySource } from "../../../core/crypto/entropy";
import type { Result } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";
import { repoRoot } from "../../../tools/build/targets";

export function unwrap<T>(result: Result<T>, what = "operation"): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

export function fromHex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.trim(), "hex"));
}

export function utf8(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "utf8"));
}

export function readVector<T>(name: string): T {
  return JSON.parse(readFileSync(join(repoRoot, "test", "vectors", name), "utf8")) as T;
}

export function readHexVector(name: string): Uint8Array {
  return fromHex(readFileSync(join(repoRoot, "test", "vectors", name), "utf8"));
}

export interface CryptoKit {
  readonly provider: NobleCryptoProvider;
  readonly codecs: CoseCodecs;
  readonly entropy: EntropySource;
}

export function makeKit(seed = 1, entropy: EntropySource = new SeededEntropy(seed), slots = 64): CryptoKit {
  const provider = unwrap(
    NobleCryptoProvider.create(entropy, {
      symmetricSlots: slots,
      signingSlots: 8,
      largestSignatureAlg: CoseAlg.MlDsa87,
      kemSlots: 8,
      largestKemAlg: KemAlg.MlKem768,
    }),
    "provider",
  );
  return { provider, codecs: unwrap(createCoseCodecs(), "codecs"), entropy };
}

/** Flip one bit of a copy. */
export function flipBit(bytes: Uint8Array, index: number, bit = 0): Uint8Array {
  const copy = bytes.slice();
  copy[index] = (copy[index] ?? 0) ^ (1 << bit);
  return copy;
}
