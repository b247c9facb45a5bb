/**
 * Entropy contract: the only source of randomness (docs/architecture.md "Rules"). core/crypto declares the same shape as `EntropySource` (core
 * imports no other folder) and draws every key, hedged-signature and KEM
 * byte through it, failing closed when `fill` fails.
 *
 * Implementations: hal/sim/entropy.ts (seeded, reproducible; simulator and
 * tests only) and hal/moddable/entropy.ts (the board).
 */
import type { EntropySource } from "../core/crypto/entropy";

export interface Entropy extends EntropySource {
  /** Fill all of `out` and return Ok, or return EntropyUnavailable. Never blocks forever. */
  fill(out: Uint8Array): ReturnType<EntropySource["fill"]>;
}
