/**
 * Times in integer milliseconds kept as uint32 offsets from a base (half
 * the bytes of doubles). A board's clock runs past 2^32 ms (49.7 days), so
 * the base moves forward when a time to store is STAMP_MAX_MS or more past
 * it: to that time less STAMP_EXACT_AGE_MS, and every stored offset moves
 * with it. A stored time more than STAMP_EXACT_AGE_MS (24.8 days) older
 * than the newest then saturates at the new base: it reads as that old,
 * and keeps ageing from there. So any decision "is this older than X" with
 * X <= STAMP_EXACT_AGE_MS is exact; what is lost is the order among times
 * that are all older than that.
 */

/** An offset above this does not fit: the base moves. */
export const STAMP_MAX_MS = 0xffff_ffff;
/** Ages up to this stay exact (2^31 ms, 24.8 days). */
export const STAMP_EXACT_AGE_MS = 2 ** 31;

/**
 * The base to store `nowMs` against: `baseMs` when nowMs - baseMs fits in
 * STAMP_MAX_MS, else nowMs - STAMP_EXACT_AGE_MS, after moving the offsets
 * `words[first], words[first + stride], ...` to it (saturating at 0).
 */
export function stampBaseFor(words: Uint32Array, first: number, stride: number, baseMs: number, nowMs: number): number {
  if (nowMs - baseMs <= STAMP_MAX_MS) return baseMs;
  const base = nowMs - STAMP_EXACT_AGE_MS;
  const moved = base - baseMs;
  for (let at = first; at < words.length; at += stride) {
    const stored = words[at] ?? 0;
    words[at] = stored > moved ? stored - moved : 0;
  }
  return base;
}

/** `nowMs` as an offset from `baseMs` (from stampBaseFor): 0..STAMP_MAX_MS (a time before the base stores as the base). */
export function stampOf(baseMs: number, nowMs: number): number {
  const offset = nowMs - baseMs;
  return offset < 0 ? 0 : offset;
}
