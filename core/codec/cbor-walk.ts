/**
 * A bounded, non-recursive CBOR walker (RFC 8949): the gate every byte
 * string passes before cbor-x sees it, and the event source for the
 * diagnostic-notation printer.
 *
 * It proves, in one pass and without allocating, that the input is exactly
 * one well-formed data item (RFC 8949 App. C/F) within the caller's limits:
 *  - size: `maxBytes`, checked first;
 *  - nesting: `maxDepth` (arrays, maps, tags and indefinite strings), held
 *    on an explicit stack, so hostile nesting cannot exhaust the JS stack;
 *  - item count: `maxItems`; and a declared array/map count or string
 *    length can never exceed the bytes that remain, so no decoder sized
 *    from a header ever allocates more than the input could fill;
 *  - tags: only `allowedTags` (cbor-x would otherwise build Dates, Sets,
 *    RegExps and typed arrays from tags the input chooses);
 *  - types: floats, `undefined` and unassigned simple values only when the
 *    policy says so; integers beyond +-(2^53 - 1) only when allowed (cbor-x
 *    turns them into BigInt, which nothing in the protocol expects);
 *  - text: well-formed UTF-8 (RFC 8949 §5.3.1), so V8 and XS decode the
 *    same string;
 *  - `deterministic`: RFC 8949 §4.2.1 core deterministic encoding (shortest
 *    arguments, definite lengths, map keys in bytewise order of their
 *    encodings, which also rules out duplicates), as COSE asks for what it
 *    hashes (RFC 9052 §9);
 *  - otherwise duplicate map keys are still refused (RFC 8949 §5.6) for maps
 *    of up to DUPLICATE_CHECK_MAX_PAIRS pairs in any order; larger maps must
 *    be in deterministic order (a bound on the pairwise check).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import { isWellFormedUtf8 } from "./utf8";

export const CborMajor = Object.freeze({
  Unsigned: 0,
  Negative: 1,
  Bytes: 2,
  Text: 3,
  Array: 4,
  Map: 5,
  Tag: 6,
  Simple: 7,
} as const);

/** Hard ceilings on policies, so a config typo cannot allocate gigabytes of stack. */
export const CBOR_MAX_DEPTH_LIMIT = 256;
export const CBOR_MAX_BYTES_LIMIT = 1 << 26;
/** Maps up to this many pairs may have keys in any order (duplicates found pairwise). */
export const DUPLICATE_CHECK_MAX_PAIRS = 32;

export interface CborPolicy {
  readonly maxBytes: number;
  readonly maxDepth: number;
  readonly maxItems: number;
  /** RFC 8949 §4.2.1: shortest arguments, definite lengths, sorted unique keys. */
  readonly deterministic: boolean;
  /** Tag numbers accepted; `null` accepts every tag (inspection only). */
  readonly allowedTags: readonly number[] | null;
  readonly allowFloats: boolean;
  /** `undefined` and unassigned simple values (inspection only). */
  readonly allowOtherSimple: boolean;
  /** Integers and tag numbers beyond 2^53 - 1 (inspection only). */
  readonly allowBigIntegers: boolean;
  /** Duplicate map keys pass (inspection only: show what arrived). */
  readonly allowDuplicateKeys: boolean;
}

/** One parsed initial byte + argument (RFC 8949 §3). Reused, never reallocated. */
export class CborHead {
  major = 0;
  /** Additional information, 0..31. */
  info = 0;
  /** Argument as a number; exact when `hi < 2^21`. */
  value = 0;
  /** High and low 32 bits of an 8-byte argument (hi is 0 otherwise). */
  hi = 0;
  lo = 0;
  headerBytes = 0;
}

/** Container kinds on the walker's stack. */
export const CborFrame = Object.freeze({
  Root: 0,
  Array: 4,
  Map: 5,
  Tag: 6,
  IndefiniteBytes: 2,
  IndefiniteText: 3,
} as const);

/**
 * Events for a consumer that renders or inspects the item (diag.ts).
 * Offsets index the walked byte array.
 */
export interface CborVisitor {
  /** An integer, simple value, float, or a definite string whose payload is bytes[end - head.value, end). */
  scalar(head: CborHead, start: number, end: number): void;
  /** An array, map, tag or indefinite-length string begins (`indefinite` for `_` forms). */
  open(frame: number, head: CborHead, indefinite: boolean): void;
  close(frame: number): void;
  /** Between children: `keyValue` true between a map key and its value. */
  separator(keyValue: boolean): void;
}

/** Parse the head at `at`. Returns Ok, CborTruncated or CborMalformed (reserved info 28..30). */
export function readHead(bytes: Uint8Array, at: number, end: number, head: CborHead): Status {
  if (at >= end) return ErrorCode.CborTruncated;
  const initial = bytes[at] ?? 0;
  const major = initial >>> 5;
  const info = initial & 0x1f;
  head.major = major;
  head.info = info;
  head.hi = 0;
  if (info < 24) {
    head.value = info;
    head.lo = info;
    head.headerBytes = 1;
    return ErrorCode.Ok;
  }
  if (info === 31) {
    head.value = 0;
    head.lo = 0;
    head.headerBytes = 1;
    return ErrorCode.Ok;
  }
  if (info > 27) return ErrorCode.CborMalformed;
  const argBytes = 1 << (info - 24);
  if (at + 1 + argBytes > end) return ErrorCode.CborTruncated;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < argBytes; i++) {
    const b = bytes[at + 1 + i] ?? 0;
    if (argBytes === 8 && i < 4) hi = ((hi << 8) | b) >>> 0;
    else lo = ((lo << 8) | b) >>> 0;
  }
  head.hi = hi;
  head.lo = lo;
  head.value = hi * 0x1_0000_0000 + lo;
  head.headerBytes = 1 + argBytes;
  return ErrorCode.Ok;
}

/** RFC 8949 §4.2.1: the argument used the shortest form (info 24..27 only when needed). */
function isShortest(head: CborHead): boolean {
  switch (head.info) {
    case 24:
      return head.lo >= 24;
    case 25:
      return head.lo >= 0x100;
    case 26:
      return head.lo >= 0x1_0000;
    case 27:
      return head.hi !== 0;
    default:
      return head.info < 24;
  }
}

/** Bytewise comparison of bytes[a0, a1) with bytes[b0, b1): <0, 0, >0 (shorter prefix first). */
function compareSpans(bytes: Uint8Array, a0: number, a1: number, b0: number, b1: number): number {
  const la = a1 - a0;
  const lb = b1 - b0;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const d = (bytes[a0 + i] ?? 0) - (bytes[b0 + i] ?? 0);
    if (d !== 0) return d;
  }
  return la - lb;
}

const MAX_SAFE_HI = 0x20_0000; // values with hi >= 2^21 exceed 2^53 - 1

/**
 * A walker sized for one policy. All state is preallocated at `create`;
 * `walk` allocates nothing. Not re-entrant (one walk at a time).
 */
export class CborWalker {
  readonly policy: CborPolicy;
  private readonly head_ = new CborHead();
  private readonly frame_: Uint8Array;
  private readonly remaining_: Float64Array; // children still expected; -1 = indefinite
  private readonly index_: Float64Array; // children started so far
  private readonly keyStart_: Float64Array; // start of the key being read, per map level
  private readonly spanBase_: Uint32Array; // first key span of the map at this level
  private readonly sorted_: Uint8Array; // 1 while the map's keys so far are strictly increasing
  private readonly spanStart_: Float64Array; // completed key spans, stacked across nested maps
  private readonly spanEnd_: Float64Array;
  private spanTop_ = 0;
  private itemsSeen_ = 0;
  private errorOffset_ = -1;

  static create(policy: CborPolicy): Result<CborWalker> {
    const { maxBytes, maxDepth, maxItems } = policy;
    if ((maxBytes | 0) !== maxBytes || maxBytes < 1 || maxBytes > CBOR_MAX_BYTES_LIMIT) return err(ErrorCode.InvalidArgument);
    if ((maxDepth | 0) !== maxDepth || maxDepth < 1 || maxDepth > CBOR_MAX_DEPTH_LIMIT) return err(ErrorCode.InvalidArgument);
    if ((maxItems | 0) !== maxItems || maxItems < 1) return err(ErrorCode.InvalidArgument);
    return ok(new CborWalker(policy));
  }

  private constructor(policy: CborPolicy) {
    this.policy = policy;
    const levels = policy.maxDepth + 1;
    this.frame_ = new Uint8Array(levels);
    this.remaining_ = new Float64Array(levels);
    this.index_ = new Float64Array(levels);
    this.keyStart_ = new Float64Array(levels);
    this.spanBase_ = new Uint32Array(levels);
    this.sorted_ = new Uint8Array(levels);
    // Each open map keeps at most DUPLICATE_CHECK_MAX_PAIRS spans, so this never overflows.
    this.spanStart_ = new Float64Array(levels * DUPLICATE_CHECK_MAX_PAIRS);
    this.spanEnd_ = new Float64Array(levels * DUPLICATE_CHECK_MAX_PAIRS);
  }

  /** Data items in the last walk (every head but breaks and string chunks' parent). */
  get itemsSeen(): number {
    return this.itemsSeen_;
  }

  /** Byte offset where the last walk failed, or -1. */
  get errorOffset(): number {
    return this.errorOffset_;
  }

  /**
   * Walk bytes[0, length) as exactly one data item. Ok, or the specific
   * codec error; `visitor` (optional) receives the structure.
   */
  walk(bytes: Uint8Array, visitor: CborVisitor | null = null, length = bytes.length): Status {
    this.itemsSeen_ = 0;
    this.errorOffset_ = -1;
    this.spanTop_ = 0;
    if (length > this.policy.maxBytes) return this.fail_(ErrorCode.CborTooLarge, 0);
    if (length < 0 || length > bytes.length) return ErrorCode.InvalidArgument;
    const end = length;
    this.frame_[0] = CborFrame.Root;
    this.remaining_[0] = 1;
    this.index_[0] = 0;
    let depth = 0;
    let at = 0;
    // Every iteration consumes at least one byte, so end + 1 iterations always suffice.
    for (let guardSteps = 0; guardSteps <= end + 1; guardSteps++) {
      if (depth === 0 && this.remaining_[0] === 0) {
        return at === end ? ErrorCode.Ok : this.fail_(ErrorCode.CborTrailingBytes, at);
      }
      if (at >= end) return this.fail_(ErrorCode.CborTruncated, at);
      const frame = this.frame_[depth] ?? 0;
      if (bytes[at] === 0xff) {
        const closed = this.closeIndefinite_(depth, at, visitor);
        if (closed !== ErrorCode.Ok) return closed;
        at++;
        depth--;
        const done = this.childDone_(depth, at, bytes, visitor);
        if (done < 0) return -done as Status;
        depth = done;
        continue;
      }
      if ((this.index_[depth] ?? 0) > 0 && visitor !== null && frame !== CborFrame.Tag && frame !== CborFrame.Root) {
        visitor.separator(frame === CborFrame.Map && (this.index_[depth] ?? 0) % 2 === 1);
      }
      if (frame === CborFrame.Map && (this.index_[depth] ?? 0) % 2 === 0) this.keyStart_[depth] = at;
      const start = at;
      const head = this.head_;
      const read = readHead(bytes, at, end, head);
      if (read !== ErrorCode.Ok) return this.fail_(read, at);
      at += head.headerBytes;
      const checked = this.checkHead_(head, frame, start);
      if (checked !== ErrorCode.Ok) return checked;
      const major = head.major;
      if (major === CborMajor.Unsigned || major === CborMajor.Negative) {
        if (visitor !== null) visitor.scalar(head, start, at);
      } else if (major === CborMajor.Bytes || major === CborMajor.Text) {
        if (head.info === 31) {
          const pushed = this.push_(depth, major, -1, head, visitor, start);
          if (pushed < 0) return -pushed as Status;
          depth = pushed;
          continue;
        }
        if (head.value > end - at) return this.fail_(ErrorCode.CborTruncated, start);
        const stringEnd = at + head.value;
        if (major === CborMajor.Text && !isWellFormedUtf8(bytes, at, stringEnd)) return this.fail_(ErrorCode.InvalidUtf8, start);
        at = stringEnd;
        if (visitor !== null) visitor.scalar(head, start, at);
      } else if (major === CborMajor.Array || major === CborMajor.Map) {
        const indefinite = head.info === 31;
        // A declared count can never exceed the bytes left (each item takes >= 1 byte).
        const children = indefinite ? -1 : major === CborMajor.Map ? head.value * 2 : head.value;
        if (!indefinite && children > end - at) return this.fail_(ErrorCode.CborTruncated, start);
        const pushed = this.push_(depth, major, children, head, visitor, start);
        if (pushed < 0) return -pushed as Status;
        depth = pushed;
        if (children !== 0) continue;
        this.spanTop_ = this.spanBase_[depth] ?? 0;
        if (visitor !== null) visitor.close(major);
        depth--;
      } else if (major === CborMajor.Tag) {
        const pushed = this.push_(depth, major, 1, head, visitor, start);
        if (pushed < 0) return -pushed as Status;
        depth = pushed;
        continue;
      } else {
        const simple = this.checkSimple_(head, bytes, at, end, start);
        if (simple < 0) return -simple as Status;
        at = simple;
        if (visitor !== null) visitor.scalar(head, start, at);
      }
      const done = this.childDone_(depth, at, bytes, visitor);
      if (done < 0) return -done as Status;
      depth = done;
    }
    return this.fail_(ErrorCode.InvariantViolated, at);
  }

  private fail_(code: Status, at: number): Status {
    this.errorOffset_ = at;
    return code;
  }

  /** Policy checks on a head in context; returns Ok or the error (with offset recorded). */
  private checkHead_(head: CborHead, frame: number, start: number): Status {
    const policy = this.policy;
    if (++this.itemsSeen_ > policy.maxItems) return this.fail_(ErrorCode.CborTooManyItems, start);
    if (frame === CborFrame.IndefiniteBytes || frame === CborFrame.IndefiniteText) {
      // RFC 8949 §3.2.3: chunks are definite strings of the same major type.
      if (head.major !== frame || head.info === 31) return this.fail_(ErrorCode.CborMalformed, start);
    }
    if (head.info === 31 && (head.major < CborMajor.Bytes || head.major === CborMajor.Tag)) {
      return this.fail_(ErrorCode.CborMalformed, start);
    }
    if (policy.deterministic && head.major !== CborMajor.Simple) {
      if (head.info === 31) return this.fail_(ErrorCode.CborNotDeterministic, start);
      if (!isShortest(head)) return this.fail_(ErrorCode.CborNotDeterministic, start);
    }
    if ((head.major === CborMajor.Unsigned || head.major === CborMajor.Negative || head.major === CborMajor.Tag) && head.hi >= MAX_SAFE_HI) {
      if (!policy.allowBigIntegers) return this.fail_(ErrorCode.CborUnsupportedType, start);
    }
    if (head.major === CborMajor.Negative && head.hi === MAX_SAFE_HI - 1 && head.lo === 0xffff_ffff && !policy.allowBigIntegers) {
      // -1 - (2^53 - 1) = -2^53 is not a safe integer either.
      return this.fail_(ErrorCode.CborUnsupportedType, start);
    }
    if (head.major === CborMajor.Tag && policy.allowedTags !== null && !policy.allowedTags.includes(head.value)) {
      return this.fail_(ErrorCode.CborForbiddenTag, start);
    }
    return ErrorCode.Ok;
  }

  /** Major type 7. Returns the offset after the item, or a negated error. */
  private checkSimple_(head: CborHead, bytes: Uint8Array, at: number, end: number, start: number): number {
    const policy = this.policy;
    const info = head.info;
    if (info >= 20 && info <= 22) return at; // false, true, null
    if (info === 24) {
      // RFC 8949 §3.3: a two-byte simple value below 32 is not well-formed.
      if (head.value < 32) return -this.fail_(ErrorCode.CborMalformed, start);
      return policy.allowOtherSimple ? at : -this.fail_(ErrorCode.CborUnsupportedType, start);
    }
    if (info < 24) return policy.allowOtherSimple ? at : -this.fail_(ErrorCode.CborUnsupportedType, start);
    if (info >= 25 && info <= 27) {
      if (!policy.allowFloats) return -this.fail_(ErrorCode.CborUnsupportedType, start);
      return at <= end ? at : -this.fail_(ErrorCode.CborTruncated, start);
    }
    // info 31 outside an indefinite item: a stray break (0xff is handled by the caller).
    return -this.fail_(ErrorCode.CborMalformed, start);
  }

  /** Push a container; returns the new depth or a negated error. */
  private push_(depth: number, frame: number, children: number, head: CborHead, visitor: CborVisitor | null, start: number): number {
    const next = depth + 1;
    if (next > this.policy.maxDepth) return -this.fail_(ErrorCode.CborTooDeep, start);
    this.frame_[next] = frame;
    this.remaining_[next] = children;
    this.index_[next] = 0;
    this.spanBase_[next] = this.spanTop_;
    this.sorted_[next] = 1;
    if (visitor !== null) visitor.open(frame, head, head.info === 31 && frame !== CborFrame.Tag);
    return next;
  }

  /** A 0xff break at `at`: valid only inside an indefinite container with a whole number of pairs. */
  private closeIndefinite_(depth: number, at: number, visitor: CborVisitor | null): Status {
    if (depth === 0 || this.remaining_[depth] !== -1) return this.fail_(ErrorCode.CborMalformed, at);
    const frame = this.frame_[depth] ?? 0;
    if (frame === CborFrame.Map && (this.index_[depth] ?? 0) % 2 === 1) return this.fail_(ErrorCode.CborMalformed, at);
    this.spanTop_ = this.spanBase_[depth] ?? 0;
    if (visitor !== null) visitor.close(frame);
    return ErrorCode.Ok;
  }

  /**
   * A child of the container at `depth` ended at `at`. Records map keys,
   * counts the child, and closes every container this completes. Returns
   * the new depth, or a negated error.
   */
  private childDone_(startDepth: number, at: number, bytes: Uint8Array, visitor: CborVisitor | null): number {
    let depth = startDepth;
    for (let steps = 0; steps <= CBOR_MAX_DEPTH_LIMIT; steps++) {
      const index = this.index_[depth] ?? 0;
      if (this.frame_[depth] === CborFrame.Map && index % 2 === 0) {
        const keyed = this.recordKey_(depth, this.keyStart_[depth] ?? 0, at, bytes);
        if (keyed !== ErrorCode.Ok) return -keyed;
      }
      this.index_[depth] = index + 1;
      const remaining = this.remaining_[depth] ?? 0;
      if (remaining === -1) return depth;
      this.remaining_[depth] = remaining - 1;
      if (remaining - 1 > 0 || depth === 0) return depth;
      // The container at `depth` is complete: it is itself a child one level up.
      this.spanTop_ = this.spanBase_[depth] ?? 0;
      if (visitor !== null) visitor.close(this.frame_[depth] ?? 0);
      depth--;
    }
    return -ErrorCode.InvariantViolated;
  }

  /**
   * Check the key bytes[start, end) against earlier keys of the map at
   * `depth`. While keys arrive strictly increasing, comparing with the last
   * one proves uniqueness; once out of order (allowed only outside
   * deterministic mode) every earlier key is compared, which is why such
   * maps are limited to DUPLICATE_CHECK_MAX_PAIRS pairs.
   */
  private recordKey_(depth: number, start: number, end: number, bytes: Uint8Array): Status {
    const policy = this.policy;
    const base = this.spanBase_[depth] ?? 0;
    const top = this.spanTop_;
    const count = top - base;
    if (count > 0 && !policy.allowDuplicateKeys) {
      const last = top - 1;
      const order = compareSpans(bytes, this.spanStart_[last] ?? 0, this.spanEnd_[last] ?? 0, start, end);
      if (order === 0) return this.fail_(ErrorCode.CborDuplicateKey, start);
      if (order > 0) {
        if (policy.deterministic) return this.fail_(ErrorCode.CborNotDeterministic, start);
        this.sorted_[depth] = 0;
      }
      if (this.sorted_[depth] === 0) {
        if (count >= DUPLICATE_CHECK_MAX_PAIRS) return this.fail_(ErrorCode.CborNotDeterministic, start);
        for (let k = base; k < last; k++) {
          if (compareSpans(bytes, this.spanStart_[k] ?? 0, this.spanEnd_[k] ?? 0, start, end) === 0) {
            return this.fail_(ErrorCode.CborDuplicateKey, start);
          }
        }
      }
    }
    // Keep every span while a pairwise check may still be needed; after that only the last.
    const slot = count < DUPLICATE_CHECK_MAX_PAIRS ? top : top - 1;
    this.spanStart_[slot] = start;
    this.spanEnd_[slot] = end;
    this.spanTop_ = slot + 1;
    return ErrorCode.Ok;
  }
}
