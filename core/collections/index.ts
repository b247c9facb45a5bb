/**
 * Fixed-capacity collections: every one is sized at `create`, allocates
 * nothing afterwards, documents what happens when it is full, counts every
 * refusal or drop, and exposes `checkInvariants()` for tests.
 *
 * Conventions shared by all of them:
 *  - `static create(...)` returns `Result<T>`; bad sizes give
 *    `ErrorCode.InvalidArgument`. Constructors are private.
 *  - Operations without a value return a `Status`.
 *  - Operations whose value is a non-negative integer return it, or a
 *    negated error code (value-or-code.ts).
 *  - Arbitrary numbers come out through a caller-owned `Outcome<number>`
 *    (RingBuffer) or a caller-chosen `missing` value (FixedMap).
 */
export { FullPolicy, isFullPolicy } from "./full-policy";
export { statusOf, type ValueOrCode } from "./value-or-code";
export {
  RingBuffer,
  RING_BUFFER_CAPACITY_MAX,
  type NumericArray,
  type NumericArrayConstructor,
} from "./ring-buffer";
export { ByteRing, BYTE_RING_CAPACITY_BYTES_MAX, BYTE_RING_RECORD_BYTES_MAX } from "./byte-ring";
export { Pool, POOL_CAPACITY_MAX } from "./pool";
export { FixedMap, FIXED_MAP_CAPACITY_MAX } from "./fixed-map";
export { SlotIndex, SLOT_INDEX_CAPACITY_MAX } from "./slot-index";
export { STAMP_EXACT_AGE_MS, STAMP_MAX_MS, stampBaseFor, stampOf } from "./ms-stamps";
export { BitSet, BIT_SET_SIZE_BITS_MAX, popcount32 } from "./bit-set";
export { MinHeap, MIN_HEAP_CAPACITY_MAX } from "./min-heap";
