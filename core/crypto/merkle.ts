/**
 * Merkle trees (RFC 9162 §2.1) for the roster and firmware images.
 *
 *   MTH({})         = SHA-256()
 *   MTH({d0})       = SHA-256(0x00 || d0)                       (leaf hash)
 *   MTH(D[n])       = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest power of 2 < n
 *
 * Everything is iterative (the lint gate forbids recursion):
 *  - a subtree hash is computed bottom-up, pairing neighbours and carrying an
 *    odd last node up unchanged, which builds exactly the left-balanced tree
 *    of the split rule above;
 *  - PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1) recurse on one side only, with
 *    the other side's hash appended after the recursive result, so they
 *    unroll into a loop that collects those hashes and emits them in
 *    reverse;
 *  - verification is the RFC's own iterative algorithm (§2.1.3.2, §2.1.4.2).
 *
 * Leaf hashes live in a slab sized at create. Sizes and indices are
 * integers below 2^32 and use unsigned 32-bit shifts.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { ValueOrCode } from "../collections/value-or-code";
import { HASH_BYTES } from "./algorithms";
import { constantTimeEqual } from "./ct";
import type { CryptoProvider } from "./provider";

export const MERKLE_LEAF_PREFIX = 0x00;
export const MERKLE_NODE_PREFIX = 0x01;
/** A tree of < 2^32 leaves has proofs of at most 64 hashes (consistency) / 32 (inclusion). */
export const MERKLE_PROOF_MAX_HASHES = 64;
export const MERKLE_CAPACITY_MAX = 1 << 20;

/** Largest power of two strictly below n (n >= 2). */
function splitPoint(n: number): number {
  let k = 1;
  for (let i = 0; i < 32 && k * 2 < n; i++) k *= 2;
  return k;
}

export class MerkleTree {
  private readonly provider_: CryptoProvider;
  private readonly leaves_: Uint8Array[]; // views of one slab, HASH_BYTES each
  private readonly scratch_: Uint8Array[]; // same shape, for subtree hashing
  private readonly collected_: Uint8Array; // MERKLE_PROOF_MAX_HASHES hashes
  private readonly empty_ = new Uint8Array(0);
  private size_ = 0;

  static create(provider: CryptoProvider, capacityLeaves: number): Result<MerkleTree> {
    if ((capacityLeaves | 0) !== capacityLeaves || capacityLeaves < 1 || capacityLeaves > MERKLE_CAPACITY_MAX) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new MerkleTree(provider, capacityLeaves));
  }

  private constructor(provider: CryptoProvider, capacity: number) {
    this.provider_ = provider;
    const leafSlab = new Uint8Array(capacity * HASH_BYTES);
    const scratchSlab = new Uint8Array(capacity * HASH_BYTES);
    this.leaves_ = [];
    this.scratch_ = [];
    for (let i = 0; i < capacity; i++) {
      this.leaves_.push(leafSlab.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
      this.scratch_.push(scratchSlab.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES));
    }
    this.collected_ = new Uint8Array(MERKLE_PROOF_MAX_HASHES * HASH_BYTES);
  }

  get size(): number {
    return this.size_;
  }

  get capacity(): number {
    return this.leaves_.length;
  }

  /** Forget every leaf (the slab is reused). */
  clear(): void {
    this.size_ = 0;
  }

  /** Append a leaf: stores SHA-256(0x00 || data). Full when at capacity. */
  appendData(data: Uint8Array): Status {
    const leaf = this.leaves_[this.size_];
    if (leaf === undefined) return ErrorCode.Full;
    const hashed = this.provider_.hashParts(MERKLE_LEAF_PREFIX, data, null, leaf);
    if (hashed !== ErrorCode.Ok) return hashed;
    this.size_++;
    return ErrorCode.Ok;
  }

  /** Append an already computed leaf hash (32 bytes). */
  appendLeafHash(hash: Uint8Array): Status {
    if (hash.length !== HASH_BYTES) return ErrorCode.CryptoBadLength;
    const leaf = this.leaves_[this.size_];
    if (leaf === undefined) return ErrorCode.Full;
    leaf.set(hash);
    this.size_++;
    return ErrorCode.Ok;
  }

  /** Copy leaf `index`'s hash into out. */
  leafHash(index: number, out: Uint8Array): Status {
    if ((index >>> 0) !== index || index >= this.size_) return ErrorCode.MerkleBadIndex;
    if (out.length < HASH_BYTES) return ErrorCode.CryptoBufferTooSmall;
    out.set(this.leaves_[index] ?? this.empty_);
    return ErrorCode.Ok;
  }

  /** MTH of the first `size` leaves (default: all) into out[0, 32). */
  root(out: Uint8Array, size: number = this.size_): Status {
    if ((size >>> 0) !== size || size > this.size_) return ErrorCode.MerkleBadIndex;
    if (out.length < HASH_BYTES) return ErrorCode.CryptoBufferTooSmall;
    return this.subtreeHash_(0, size, out);
  }

  /**
   * Inclusion proof (audit path, RFC 9162 §2.1.3.1) for leaf `index` in the
   * tree of the first `size` leaves, written to out as consecutive 32-byte
   * hashes, leaf level first. Returns the number of hashes.
   */
  inclusionProof(index: number, size: number, out: Uint8Array): ValueOrCode {
    if ((size >>> 0) !== size || size > this.size_ || (index >>> 0) !== index || index >= size) return -ErrorCode.MerkleBadIndex;
    let m = index;
    let lo = 0;
    let hi = size;
    let count = 0;
    for (let level = 0; level < MERKLE_PROOF_MAX_HASHES && hi - lo > 1; level++) {
      const k = splitPoint(hi - lo);
      const slot = this.collected_.subarray(count * HASH_BYTES, (count + 1) * HASH_BYTES);
      // PATH(m, D[n]) = PATH(m, D[0:k]) : MTH(D[k:n]) when m < k, else PATH(m - k, D[k:n]) : MTH(D[0:k]).
      const status = m < k ? this.subtreeHash_(lo + k, hi, slot) : this.subtreeHash_(lo, lo + k, slot);
      if (status !== ErrorCode.Ok) return -status;
      count++;
      if (m < k) hi = lo + k;
      else {
        m -= k;
        lo += k;
      }
    }
    return this.emitReversed_(count, -1, out);
  }

  /**
   * Consistency proof (RFC 9162 §2.1.4.1) between the trees of the first
   * `size1` and `size2` leaves (0 < size1 <= size2). Returns the number of hashes.
   */
  consistencyProof(size1: number, size2: number, out: Uint8Array): ValueOrCode {
    if ((size1 >>> 0) !== size1 || (size2 >>> 0) !== size2 || size1 === 0 || size1 > size2 || size2 > this.size_) {
      return -ErrorCode.MerkleBadIndex;
    }
    if (size1 === size2) return 0;
    let m = size1;
    let lo = 0;
    let hi = size2;
    let whole = true; // SUBPROOF's b: the old tree is still a complete subtree of this one
    let count = 0;
    for (let level = 0; level < MERKLE_PROOF_MAX_HASHES && m !== hi - lo; level++) {
      const k = splitPoint(hi - lo);
      const slot = this.collected_.subarray(count * HASH_BYTES, (count + 1) * HASH_BYTES);
      const status = m <= k ? this.subtreeHash_(lo + k, hi, slot) : this.subtreeHash_(lo, lo + k, slot);
      if (status !== ErrorCode.Ok) return -status;
      count++;
      if (m <= k) hi = lo + k;
      else {
        lo += k;
        m -= k;
        whole = false;
      }
    }
    if (whole) return this.emitReversed_(count, -1, out);
    // SUBPROOF(m, D[m], false) = [MTH(D[m])]: it comes first.
    const first = this.collected_.subarray(count * HASH_BYTES, (count + 1) * HASH_BYTES);
    const status = this.subtreeHash_(lo, hi, first);
    if (status !== ErrorCode.Ok) return -status;
    return this.emitReversed_(count, count, out);
  }

  /** Write [collected[first]]? then collected[count-1..0] to out. */
  private emitReversed_(count: number, first: number, out: Uint8Array): ValueOrCode {
    const total = count + (first >= 0 ? 1 : 0);
    if (out.length < total * HASH_BYTES) return -ErrorCode.CryptoBufferTooSmall;
    let at = 0;
    if (first >= 0) {
      out.set(this.collected_.subarray(first * HASH_BYTES, (first + 1) * HASH_BYTES), 0);
      at = 1;
    }
    for (let i = count - 1; i >= 0; i--, at++) {
      out.set(this.collected_.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES), at * HASH_BYTES);
    }
    return total;
  }

  /** MTH(D[lo:hi]) into out, bottom-up in the scratch slab. */
  private subtreeHash_(lo: number, hi: number, out: Uint8Array): Status {
    const provider = this.provider_;
    let n = hi - lo;
    if (n === 0) return provider.hash(this.empty_, out);
    const work = this.scratch_;
    for (let i = 0; i < n; i++) (work[i] ?? out).set(this.leaves_[lo + i] ?? this.empty_);
    for (let level = 0; level < 32 && n > 1; level++) {
      const pairs = n >>> 1;
      for (let i = 0; i < pairs; i++) {
        const left = work[2 * i];
        const right = work[2 * i + 1];
        const target = work[i];
        if (left === undefined || right === undefined || target === undefined) return ErrorCode.InvariantViolated;
        const hashed = provider.hashParts(MERKLE_NODE_PREFIX, left, right, target);
        if (hashed !== ErrorCode.Ok) return hashed;
      }
      if (n % 2 === 1) (work[pairs] ?? out).set(work[n - 1] ?? this.empty_);
      n = pairs + (n % 2);
    }
    out.set(work[0] ?? this.empty_);
    return ErrorCode.Ok;
  }
}

/** Number of hashes in `proof` (a multiple of 32 bytes), or -1. */
function proofCount(proof: Uint8Array): number {
  return proof.length % HASH_BYTES === 0 && proof.length / HASH_BYTES <= MERKLE_PROOF_MAX_HASHES ? proof.length / HASH_BYTES : -1;
}

/**
 * RFC 9162 §2.1.3.2: does `proof` show `leafHash` at `index` in the tree of
 * `size` leaves with root `root`? Ok, MerkleBadIndex, MerkleBadProof or
 * MerkleRootMismatch.
 */
export function verifyInclusion(
  provider: CryptoProvider,
  leafHash: Uint8Array,
  index: number,
  size: number,
  proof: Uint8Array,
  root: Uint8Array,
): Status {
  if ((index >>> 0) !== index || (size >>> 0) !== size || index >= size) return ErrorCode.MerkleBadIndex;
  const count = proofCount(proof);
  if (count < 0 || leafHash.length !== HASH_BYTES || root.length !== HASH_BYTES) return ErrorCode.MerkleBadProof;
  let fn = index;
  let sn = size - 1;
  const r = leafHash.slice();
  for (let i = 0; i < count; i++) {
    if (sn === 0) return ErrorCode.MerkleBadProof;
    const p = proof.subarray(i * HASH_BYTES, (i + 1) * HASH_BYTES);
    if ((fn & 1) === 1 || fn === sn) {
      const hashed = provider.hashParts(MERKLE_NODE_PREFIX, p, r, r);
      if (hashed !== ErrorCode.Ok) return hashed;
      for (let s = 0; s < 32 && (fn & 1) === 0 && fn !== 0; s++) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      const hashed = provider.hashParts(MERKLE_NODE_PREFIX, r, p, r);
      if (hashed !== ErrorCode.Ok) return hashed;
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  if (sn !== 0) return ErrorCode.MerkleBadProof;
  return constantTimeEqual(r, root) ? ErrorCode.Ok : ErrorCode.MerkleRootMismatch;
}

/**
 * RFC 9162 §2.1.4.2: is the tree of `size2` leaves with root `root2` an
 * append-only extension of the tree of `size1` leaves with root `root1`?
 */
export function verifyConsistency(
  provider: CryptoProvider,
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: Uint8Array,
): Status {
  if ((size1 >>> 0) !== size1 || (size2 >>> 0) !== size2 || size1 > size2) return ErrorCode.MerkleBadIndex;
  const count = proofCount(proof);
  if (count < 0 || root1.length !== HASH_BYTES || root2.length !== HASH_BYTES) return ErrorCode.MerkleBadProof;
  if (size1 === size2) {
    if (count !== 0) return ErrorCode.MerkleBadProof;
    return constantTimeEqual(root1, root2) ? ErrorCode.Ok : ErrorCode.MerkleRootMismatch;
  }
  if (size1 === 0) return count === 0 ? ErrorCode.Ok : ErrorCode.MerkleBadProof;
  if (count === 0) return ErrorCode.MerkleBadProof;
  // Step 2: when size1 is a power of 2, the old root itself starts the path.
  const prepend = (size1 & (size1 - 1)) === 0;
  let fn = size1 - 1;
  let sn = size2 - 1;
  for (let s = 0; s < 32 && (fn & 1) === 1; s++) {
    fn >>>= 1;
    sn >>>= 1;
  }
  const start = prepend ? root1 : proof.subarray(0, HASH_BYTES);
  const fr = start.slice();
  const sr = start.slice();
  const total = count + (prepend ? 1 : 0);
  for (let i = 1; i < total; i++) {
    const at = prepend ? i - 1 : i;
    const c = proof.subarray(at * HASH_BYTES, (at + 1) * HASH_BYTES);
    if (sn === 0) return ErrorCode.MerkleBadProof;
    if ((fn & 1) === 1 || fn === sn) {
      let hashed = provider.hashParts(MERKLE_NODE_PREFIX, c, fr, fr);
      if (hashed === ErrorCode.Ok) hashed = provider.hashParts(MERKLE_NODE_PREFIX, c, sr, sr);
      if (hashed !== ErrorCode.Ok) return hashed;
      for (let s = 0; s < 32 && (fn & 1) === 0 && fn !== 0; s++) {
        fn >>>= 1;
        sn >>>= 1;
      }
    } else {
      const hashed = provider.hashParts(MERKLE_NODE_PREFIX, sr, c, sr);
      if (hashed !== ErrorCode.Ok) return hashed;
    }
    fn >>>= 1;
    sn >>>= 1;
  }
  if (sn !== 0) return ErrorCode.MerkleBadProof;
  if (!constantTimeEqual(fr, root1)) return ErrorCode.MerkleRootMismatch;
  return constantTimeEqual(sr, root2) ? ErrorCode.Ok : ErrorCode.MerkleRootMismatch;
}
