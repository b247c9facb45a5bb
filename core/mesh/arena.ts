/**
 * One ArrayBuffer for every table of a mesh transport, read through one
 * DataView (README "Mesh transport"). On XS every ArrayBuffer costs three
 * heap slots and a chunk header, every view three or four slots and the
 * field that holds it: a table per buffer with a view per field width
 * paid that overhead some forty times per board. In one arena the tables
 * share one buffer and one view, and each keeps only where its region
 * starts. A table made on its own (tests, standalone use) gets an arena of
 * its own.
 *
 * Regions start on 8-byte boundaries, so a table may still lay a typed
 * array (or a SlotIndex) over its region of `view.buffer` where a shared
 * helper needs one. Regions never overlap: ArenaLayout hands them out one
 * after another, each of the size its table's bytesFor states.
 */
import { movedStamp, nextStampBase } from "../collections/ms-stamps";

/**
 * Tables of up to this many slots find a key by scanning their slots (a
 * board's tables are this small: no index to pay for, as RecentPairs does);
 * larger ones keep a SlotIndex from key to slot.
 */
export const TABLE_SCAN_MAX = 64;

/** An arena: one DataView over the one ArrayBuffer (typed so tables can lay typed arrays over `buffer`). */
export type Arena = DataView<ArrayBuffer>;

/** Region starts are multiples of this (a Float64Array or Uint32Array may lie over a region). */
export const ARENA_ALIGN_BYTES = 8;

/** Hands out the regions of an arena before it exists (the transport sizes it once, at create). */
export class ArenaLayout {
  private bytes_ = 0;

  /** Bytes the arena needs for every region taken so far. */
  get bytes(): number {
    return this.bytes_;
  }

  /** Reserve `bytes` (nothing for 0 or less: the table's own validation refuses those); the region's offset. */
  take(bytes: number): number {
    const at = this.bytes_;
    if (bytes > 0) this.bytes_ += Math.ceil(bytes / ARENA_ALIGN_BYTES) * ARENA_ALIGN_BYTES;
    return at;
  }
}

/**
 * The arena a table of `bytes` lives in: `arena` when given (its region was
 * laid out with the table's own bytesFor: ArenaLayout), else one of its own
 * (base 0).
 */
export function arenaOr(bytes: number, arena: Arena | undefined): Arena {
  return arena ?? new DataView(new ArrayBuffer(bytes));
}

/**
 * collections/ms-stamps.ts `stampBaseFor` (its nextStampBase and movedStamp), for stamps kept in an arena:
 * `count` u32 offsets, the first at byte `first`, `strideBytes` apart. The
 * base to store `nowMs` against, after moving the offsets to it when it moves.
 */
export function arenaStampBase(view: Arena, first: number, strideBytes: number, count: number, baseMs: number, nowMs: number): number {
  const base = nextStampBase(baseMs, nowMs);
  if (base === baseMs) return baseMs;
  const moved = base - baseMs;
  for (let k = 0; k < count; k++) {
    const at = first + k * strideBytes;
    view.setUint32(at, movedStamp(view.getUint32(at), moved));
  }
  return base;
}
