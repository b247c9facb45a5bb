/**
 * Where randomness comes from: an injected source, never a global.
 *
 * noble reads `crypto.getRandomValues`, which XS does not have; Picket never
 * lets noble reach for it. Every random byte a key, a hedged signature or a
 * KEM encapsulation uses is drawn here from the `EntropySource` the agent
 * injects (hal/entropy.ts) and passed to noble explicitly.
 *
 * Fail closed: if the source reports failure, or its output fails a cheap
 * health check (the same byte repeated across the whole request, the
 * signature of a stuck source; cf. the repetition count test of NIST
 * SP 800-90B §4.4.1), the caller gets `EntropyUnavailable` /
 * `EntropyHealthFailed`, the buffer is zeroed, and no key or signature is
 * made from it.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";

/** The contract hal/entropy.ts implements. */
export interface EntropySource {
  /**
   * Fill all of `out` with unpredictable bytes and return Ok, or return
   * `EntropyUnavailable` (contents then unspecified). Must not block forever.
   */
  fill(out: Uint8Array): Status;
}

/** Requests at least this long are health-checked for a stuck (constant) source. */
export const ENTROPY_HEALTH_MIN_BYTES = 16;

/**
 * Fill `out` from `source`, failing closed. On any failure `out` is zeroed.
 * Returns Ok, `EntropyUnavailable` or `EntropyHealthFailed`.
 */
export function drawEntropy(source: EntropySource, out: Uint8Array): Status {
  const status = source.fill(out);
  if (status !== ErrorCode.Ok) {
    out.fill(0);
    return ErrorCode.EntropyUnavailable;
  }
  if (out.length >= ENTROPY_HEALTH_MIN_BYTES) {
    const first = out[0] ?? 0;
    let differs = 0;
    for (let i = 1; i < out.length; i++) differs |= (out[i] ?? 0) ^ first;
    if (differs === 0) {
      out.fill(0);
      return ErrorCode.EntropyHealthFailed;
    }
  }
  return ErrorCode.Ok;
}
