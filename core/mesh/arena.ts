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
 * after another, and a table refuses a region that does not fit its arena.
 */

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
 * The view a table of `bytes` reads from `base`: `arena` when the region
 * lies inside it on an aligned start; an arena of its own (base 0) when
 * none is given; undefined (the caller refuses: InvalidArgument) when the
 * region does not fit.
 */
export function arenaFor(bytes: number, arena: Arena | undefined, base: number): Arena | undefined {
  if (arena === undefined) return new DataView(new ArrayBuffer(bytes));
  const aligned = (base >>> 0) === base && base % ARENA_ALIGN_BYTES === 0;
  return aligned && base + bytes <= arena.byteLength ? arena : undefined;
}

/** The region's start to keep: `base` in a given arena, 0 in one of the table's own. */
export function arenaBase(arena: Arena | undefined, base: number): number {
  return arena === undefined ? 0 : base;
}
