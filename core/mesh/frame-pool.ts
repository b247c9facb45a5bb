/**
 * One byte pool for every frame and message the mesh keeps for later
 * (README "Mesh transport"): relays waiting for their moment, routed frames
 * waiting for their next hop's acknowledgement, acknowledged messages
 * waiting for their end-to-end ack, and the message each traffic class is
 * sending. Each of those tables used to keep an MTU (or a largest message)
 * per slot, while the frames a site sends are mostly a third of that: one
 * pool sized by what the site keeps at once costs a fraction of the RAM.
 *
 * Storage: fixed blocks of FRAME_POOL_BLOCK_BYTES, chained (a next-block
 * link per block), so any free blocks serve any entry and the pool never
 * fragments. An entry is named by its first block (its handle); the holder
 * keeps the entry's length. One Uint8Array (over a region of the
 * transport's arena, arena.ts, or of its own) holds the blocks and, after
 * them, the links: one byte each when there are at most 254 blocks (0xff
 * ends a chain), else u16 big-endian (0xffff); the free list is a chain too.
 *
 * Full policy: `store` refuses (-1) when the free blocks cannot hold the
 * bytes; the holder refuses its newcomer as when its own slots are full,
 * and counts it (`refusedCount` here too). Nothing is allocated after
 * create; every operation is O(blocks of the entry).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";
import { arenaOr, type Arena } from "./arena";

export const FRAME_POOL_BLOCK_BYTES = 32;
/** Most blocks (links are u16; END is the end marker). */
export const FRAME_POOL_BLOCKS_MAX = 0xfffe;
const END = 0xffff;
/** Most blocks whose links fit one byte (0xff is the one-byte end marker). */
const SHORT_LINK_BLOCKS_MAX = 0xfe;

/** Blocks an entry of `lengthBytes` takes (an empty entry takes one, so it has a handle). */
export function framePoolBlocks(lengthBytes: number): number {
  return lengthBytes <= FRAME_POOL_BLOCK_BYTES ? 1 : Math.ceil(lengthBytes / FRAME_POOL_BLOCK_BYTES);
}

export class FramePool {
  private readonly bytes_: Uint8Array;
  private readonly blocks_: number;
  private freeHead_: number;
  private free_: number;
  private refused_ = 0;

  /** Bytes of arena a pool of `blocks` blocks takes (arena.ts); `blocks` unchecked. */
  static bytesFor(blocks: number): number {
    return blocks * (FRAME_POOL_BLOCK_BYTES + (blocks <= SHORT_LINK_BLOCKS_MAX ? 1 : 2));
  }

  /**
   * A pool of `blocks` blocks (1..FRAME_POOL_BLOCKS_MAX); else InvalidArgument.
   * It lives in `arena` from `base` (default: an arena of its own).
   */
  static create(blocks: number, arena?: Arena, base = 0): Result<FramePool> {
    if ((blocks | 0) !== blocks || blocks < 1 || blocks > FRAME_POOL_BLOCKS_MAX) return err(ErrorCode.InvalidArgument);
    const view = arenaOr(FramePool.bytesFor(blocks), arena);
    return ok(new FramePool(blocks, view.buffer, base));
  }

  private constructor(blocks: number, buffer: ArrayBuffer, base: number) {
    this.blocks_ = blocks;
    this.bytes_ = new Uint8Array(buffer, base, FramePool.bytesFor(blocks));
    for (let b = 0; b < blocks; b++) this.setLink_(b, b + 1 < blocks ? b + 1 : END);
    this.freeHead_ = 0;
    this.free_ = blocks;
  }

  get blockCount(): number {
    return this.blocks_;
  }
  get freeBlocks(): number {
    return this.free_;
  }
  /** Entries refused for want of free blocks. */
  get refusedCount(): number {
    return this.refused_;
  }

  /**
   * Keep a copy of src[offset .. offset + lengthBytes); returns its handle,
   * or -1 (counted) when the free blocks cannot hold it.
   */
  store(src: Uint8Array, offset: number, lengthBytes: number): number {
    const handle = this.allocate(lengthBytes);
    if (handle >= 0) this.write(handle, 0, src, offset, lengthBytes);
    return handle;
  }

  /** Take blocks for `lengthBytes` (contents unspecified); returns the handle, or -1 (counted). */
  allocate(lengthBytes: number): number {
    const needed = framePoolBlocks(lengthBytes);
    if ((lengthBytes >>> 0) !== lengthBytes || needed > this.free_) {
      this.refused_++;
      return -1;
    }
    const head = this.freeHead_;
    let last = head;
    for (let k = 1; k < needed; k++) last = this.link_(last);
    this.freeHead_ = this.link_(last);
    this.setLink_(last, END);
    this.free_ -= needed;
    return head;
  }

  /**
   * Blocks the entry at `handle` holds (its chain of links), or -1 when the
   * handle is out of range or its chain does not end within the pool (for
   * invariant checks: the transport's tables hold every block not free).
   */
  entryBlocks(handle: number): number {
    if ((handle >>> 0) !== handle || handle >= this.blocks_) return -1;
    let block = handle;
    for (let count = 1; count <= this.blocks_; count++) {
      const next = this.link_(block);
      if (next === END) return count;
      if (next >= this.blocks_) return -1;
      block = next;
    }
    return -1;
  }

  /** Give an entry's blocks back. The handle must come from store/allocate and not be released already. */
  release(handle: number): void {
    if ((handle >>> 0) !== handle || handle >= this.blocks_) return;
    let last = handle;
    let count = 1;
    for (let guard = 0; guard < this.blocks_; guard++) {
      const next = this.link_(last);
      if (next === END) break;
      last = next;
      count++;
    }
    this.setLink_(last, this.freeHead_);
    this.freeHead_ = handle;
    this.free_ += count;
  }

  /** Copy src[offset .. offset + length) into the entry at byte `at`. */
  write(handle: number, at: number, src: Uint8Array, offset: number, length: number): void {
    const bytes = this.bytes_;
    let block = this.blockAt_(handle, at);
    let within = at % FRAME_POOL_BLOCK_BYTES;
    for (let i = 0; i < length && block !== END; i++) {
      bytes[block * FRAME_POOL_BLOCK_BYTES + within] = src[offset + i] ?? 0;
      if (++within === FRAME_POOL_BLOCK_BYTES) {
        within = 0;
        block = this.link_(block);
      }
    }
  }

  /** Copy `length` bytes of the entry from byte `at` into out[offset ..]. */
  read(handle: number, at: number, out: Uint8Array, offset: number, length: number): void {
    const bytes = this.bytes_;
    let block = this.blockAt_(handle, at);
    let within = at % FRAME_POOL_BLOCK_BYTES;
    for (let i = 0; i < length && block !== END; i++) {
      out[offset + i] = bytes[block * FRAME_POOL_BLOCK_BYTES + within] ?? 0;
      if (++within === FRAME_POOL_BLOCK_BYTES) {
        within = 0;
        block = this.link_(block);
      }
    }
  }

  /** Byte `at` of the entry (0 past its end). */
  readByte(handle: number, at: number): number {
    const block = this.blockAt_(handle, at);
    return block === END ? 0 : (this.bytes_[block * FRAME_POOL_BLOCK_BYTES + (at % FRAME_POOL_BLOCK_BYTES)] ?? 0);
  }

  /** Set byte `at` of the entry (nothing past its end). */
  writeByte(handle: number, at: number, value: number): void {
    const block = this.blockAt_(handle, at);
    if (block !== END) this.bytes_[block * FRAME_POOL_BLOCK_BYTES + (at % FRAME_POOL_BLOCK_BYTES)] = value;
  }

  /** Does the entry hold other[offset .. offset + length) at byte `at`? */
  equals(handle: number, at: number, other: Uint8Array, offset: number, length: number): boolean {
    const bytes = this.bytes_;
    let block = this.blockAt_(handle, at);
    let within = at % FRAME_POOL_BLOCK_BYTES;
    for (let i = 0; i < length; i++) {
      if (block === END || bytes[block * FRAME_POOL_BLOCK_BYTES + within] !== other[offset + i]) return false;
      if (++within === FRAME_POOL_BLOCK_BYTES) {
        within = 0;
        block = this.link_(block);
      }
    }
    return true;
  }

  /** The block holding byte `at` of the entry (END past its end). */
  private blockAt_(handle: number, at: number): number {
    if ((handle >>> 0) !== handle || handle >= this.blocks_) return END;
    let block = handle;
    for (let k = Math.floor(at / FRAME_POOL_BLOCK_BYTES); k > 0 && block !== END; k--) block = this.link_(block);
    return block;
  }

  private link_(block: number): number {
    const short = this.blocks_ <= SHORT_LINK_BLOCKS_MAX;
    // The link table follows the blocks: a byte per link for at most SHORT_LINK_BLOCKS_MAX blocks, else 2.
    const at = this.blocks_ * FRAME_POOL_BLOCK_BYTES + block * (short ? 1 : 2);
    if (short) {
      const next = this.bytes_[at] ?? 0xff;
      return next === 0xff ? END : next;
    }
    return ((this.bytes_[at] ?? 0xff) << 8) | (this.bytes_[at + 1] ?? 0xff);
  }

  private setLink_(block: number, next: number): void {
    const short = this.blocks_ <= SHORT_LINK_BLOCKS_MAX;
    // The link table follows the blocks: a byte per link for at most SHORT_LINK_BLOCKS_MAX blocks, else 2.
    const at = this.blocks_ * FRAME_POOL_BLOCK_BYTES + block * (short ? 1 : 2);
    if (short) {
      this.bytes_[at] = next & 0xff;
      return;
    }
    this.bytes_[at] = next >>> 8;
    this.bytes_[at + 1] = next & 0xff;
  }
}
