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
 * STAMP_MAX_MS, else nowMs - STAMP_EXACT_AGE_MS. When it moves, every stored
 * offset moves with it (movedStamp): stampBaseFor does both for a
 * Uint32Array, and tables kept elsewhere (a DataView arena) use the two.
 */
export function nextStampBase(baseMs: number, nowMs: number): number {
  return nowMs - baseMs <= STAMP_MAX_MS ? baseMs : nowMs - STAMP_EXACT_AGE_MS;
}

/** An offset `stored` against a base that moved forward by `moved` (saturating at 0). */
export function movedStamp(stored: number, moved: number): number {
  return stored > moved ? stored - moved : 0;
}

/**
 * nextStampBase, after moving the offsets `words[first], words[first +
 * stride], ...` to it when it moves.
 */
export function stampBaseFor(words: Uint32Array, first: number, stride: number, baseMs: number, nowMs: number): number {
  const base = nextStampBase(baseMs, nowMs);
  if (base === baseMs) return baseMs;
  const moved = base - baseMs;
  for (let at = first; at < words.length; at += stride) words[at] = movedStamp(words[at] ?? 0, moved);
  return base;
}

/** `nowMs` as an offset from `baseMs` (from stampBaseFor): 0..STAMP_MAX_MS (a time before the base stores as the base). */
export function stampOf(baseMs: number, nowMs: number): number {
  const offset = nowMs - baseMs;
  return offset < 0 ? 0 : offset;
}
