/**
 * RFC 9162 §2.1 Merkle trees against the Certificate Transparency reference
 * vectors (test/vectors/merkle-rfc6962.json), plus every proof for every
 * index of trees up to 70 leaves against a recursive reference written from
 * the RFC's definitions (test-only; production code is iterative).
 */
import { describe, expect, it } from "vitest";
import { MERKLE_PROOF_MAX_HASHES, MerkleTree, verifyConsistency, verifyInclusion } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { createHash } from "node:crypto";
import { fromHex, hex, makeKit, readVector, unwrap } from "./fixtures";

interface MerkleVectors {
  leavesHex: string[];
  roots: string[];
  leafHashes: string[];
  inclusion: { leaf: number; size: number; proof: string[] }[];
  consistency: { size1: number; size2: number; proof: string[] }[];
}
const v = readVector<MerkleVectors>("merkle-rfc6962.json");
const { provider } = makeKit(41);

function concat(hashes: readonly string[]): Uint8Array {
  return fromHex(hashes.join(""));
}

function vectorTree(): MerkleTree {
  const tree = unwrap(MerkleTree.create(provider, 64));
  for (const leaf of v.leavesHex) expect(tree.appendData(fromHex(leaf))).toBe(ErrorCode.Ok);
  return tree;
}

// ---- reference (recursive, straight from RFC 9162 §2.1), test-only ----
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const k2 = (n: number): number => {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
};
function mth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Uint8Array.of(0), d[0] as Uint8Array);
  const k = k2(d.length);
  return sha(Uint8Array.of(1), mth(d.slice(0, k)), mth(d.slice(k)));
}
function path(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const k = k2(d.length);
  return m < k ? [...path(m, d.slice(0, k)), mth(d.slice(k))] : [...path(m - k, d.slice(k)), mth(d.slice(0, k))];
}
function subproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const k = k2(d.length);
  return m <= k ? [...subproof(m, d.slice(0, k), b), mth(d.slice(k))] : [...subproof(m - k, d.slice(k), false), mth(d.slice(0, k))];
}

describe("RFC 9162 Merkle trees: CT reference vectors", () => {
  it("leaf hashes are SHA-256(0x00 || d)", () => {
    const tree = vectorTree();
    const out = new Uint8Array(32);
    for (let i = 0; i < v.leafHashes.length; i++) {
      expect(tree.leafHash(i, out)).toBe(ErrorCode.Ok);
      expect(hex(out)).toBe(v.leafHashes[i]);
    }
  });

  it("the root of every prefix 0..8 matches", () => {
    const tree = vectorTree();
    const out = new Uint8Array(32);
    for (let size = 0; size <= 8; size++) {
      expect(tree.root(out, size)).toBe(ErrorCode.Ok);
      expect(hex(out)).toBe(v.roots[size]);
    }
  });

  for (const p of v.inclusion) {
    it(`inclusion proof for leaf ${p.leaf - 1} of ${p.size}: generated equal to the published one, and it verifies`, () => {
      const tree = vectorTree();
      const out = new Uint8Array(MERKLE_PROOF_MAX_HASHES * 32);
      const count = tree.inclusionProof(p.leaf - 1, p.size, out);
      expect(count).toBe(p.proof.length);
      expect(hex(out.subarray(0, count * 32))).toBe(p.proof.join(""));
      const leaf = fromHex(v.leafHashes[p.leaf - 1] ?? "");
      expect(verifyInclusion(provider, leaf, p.leaf - 1, p.size, concat(p.proof), fromHex(v.roots[p.size] ?? ""))).toBe(ErrorCode.Ok);
    });
  }

  for (const p of v.consistency) {
    it(`consistency proof ${p.size1} -> ${p.size2}: generated equal to the published one, and it verifies`, () => {
      const tree = vectorTree();
      const out = new Uint8Array(MERKLE_PROOF_MAX_HASHES * 32);
      const count = tree.consistencyProof(p.size1, p.size2, out);
      expect(count).toBe(p.proof.length);
      expect(hex(out.subarray(0, count * 32))).toBe(p.proof.join(""));
      expect(verifyConsistency(provider, p.size1, p.size2, fromHex(v.roots[p.size1] ?? ""), fromHex(v.roots[p.size2] ?? ""), concat(p.proof))).toBe(ErrorCode.Ok);
    });
  }
});

describe("RFC 9162 Merkle proofs: corrupted proofs are refused with specific codes", () => {
  // The probe set mirrors the kinds of corruption transparency-dev/merkle tests (wrong index, size, leaf, root, extra/missing/flipped hashes).
  const root8 = fromHex(v.roots[8] ?? "");
  const leaf5 = fromHex(v.leafHashes[5] ?? "");
  const proof5 = concat(v.inclusion[2]?.proof ?? []);

  it("wrong leaf index, wrong tree size, wrong leaf, wrong root", () => {
    expect(verifyInclusion(provider, leaf5, 4, 8, proof5, root8)).toBe(ErrorCode.MerkleRootMismatch);
    expect(verifyInclusion(provider, leaf5, 7, 8, proof5, root8)).toBe(ErrorCode.MerkleRootMismatch);
    expect(verifyInclusion(provider, leaf5, 5, 16, proof5, root8)).toBe(ErrorCode.MerkleBadProof);
    expect(verifyInclusion(provider, leaf5, 5, 4, proof5, root8)).toBe(ErrorCode.MerkleBadIndex);
    expect(verifyInclusion(provider, fromHex(v.leafHashes[4] ?? ""), 5, 8, proof5, root8)).toBe(ErrorCode.MerkleRootMismatch);
    expect(verifyInclusion(provider, leaf5, 5, 8, proof5, fromHex(v.roots[0] ?? ""))).toBe(ErrorCode.MerkleRootMismatch);
  });

  it("extra, missing, reordered or flipped hashes; a ragged proof length", () => {
    expect(verifyInclusion(provider, leaf5, 5, 8, new Uint8Array([...proof5, ...root8]), root8)).toBe(ErrorCode.MerkleBadProof);
    expect(verifyInclusion(provider, leaf5, 5, 8, proof5.subarray(0, 64), root8)).toBe(ErrorCode.MerkleBadProof);
    expect(verifyInclusion(provider, leaf5, 5, 8, new Uint8Array([...proof5.subarray(32, 64), ...proof5.subarray(0, 32), ...proof5.subarray(64)]), root8)).toBe(
      ErrorCode.MerkleRootMismatch,
    );
    for (let i = 0; i < 3; i++) {
      const flipped = proof5.slice();
      flipped[i * 32] = (flipped[i * 32] ?? 0) ^ 8;
      expect(verifyInclusion(provider, leaf5, 5, 8, flipped, root8)).toBe(ErrorCode.MerkleRootMismatch);
    }
    expect(verifyInclusion(provider, leaf5, 5, 8, proof5.subarray(0, 95), root8)).toBe(ErrorCode.MerkleBadProof);
  });

  it("consistency: swapped roots, wrong sizes, empty and truncated proofs", () => {
    const p = v.consistency[2];
    if (p === undefined) throw new Error("vector missing");
    const r1 = fromHex(v.roots[p.size1] ?? "");
    const r2 = fromHex(v.roots[p.size2] ?? "");
    const proof = concat(p.proof);
    expect(verifyConsistency(provider, p.size1, p.size2, r2, r1, proof)).toBe(ErrorCode.MerkleRootMismatch);
    expect(verifyConsistency(provider, p.size2, p.size1, r1, r2, proof)).toBe(ErrorCode.MerkleBadIndex);
    expect(verifyConsistency(provider, p.size1 - 1, p.size2, r1, r2, proof)).not.toBe(ErrorCode.Ok);
    expect(verifyConsistency(provider, p.size1, p.size2 * 2, r1, r2, proof)).not.toBe(ErrorCode.Ok);
    expect(verifyConsistency(provider, p.size1, p.size2, r1, r2, new Uint8Array(0))).toBe(ErrorCode.MerkleBadProof);
    expect(verifyConsistency(provider, p.size1, p.size2, r1, r2, proof.subarray(0, 64))).toBe(ErrorCode.MerkleBadProof);
    expect(verifyConsistency(provider, 3, 3, r1, r1, new Uint8Array(0))).toBe(ErrorCode.Ok);
    expect(verifyConsistency(provider, 3, 3, r1, r2, new Uint8Array(0))).toBe(ErrorCode.MerkleRootMismatch);
    expect(verifyConsistency(provider, 0, 5, r1, r2, new Uint8Array(0))).toBe(ErrorCode.Ok);
  });

  it("generation refuses out-of-range indices and sizes; a full tree refuses new leaves", () => {
    const tree = vectorTree();
    const out = new Uint8Array(64 * 32);
    expect(tree.inclusionProof(8, 8, out)).toBe(-ErrorCode.MerkleBadIndex);
    expect(tree.inclusionProof(0, 9, out)).toBe(-ErrorCode.MerkleBadIndex);
    expect(tree.consistencyProof(0, 4, out)).toBe(-ErrorCode.MerkleBadIndex);
    expect(tree.consistencyProof(5, 4, out)).toBe(-ErrorCode.MerkleBadIndex);
    const small = unwrap(MerkleTree.create(provider, 1));
    expect(small.appendData(new Uint8Array(1))).toBe(ErrorCode.Ok);
    expect(small.appendData(new Uint8Array(1))).toBe(ErrorCode.Full);
  });
});

describe("RFC 9162 Merkle trees: every proof of every tree up to 70 leaves equals the recursive definition", () => {
  it("roots, inclusion paths and consistency proofs", () => {
    const leaves = Array.from({ length: 70 }, (_, i) => Uint8Array.of(i, (i * 7) & 0xff));
    const tree = unwrap(MerkleTree.create(provider, 70));
    for (const leaf of leaves) tree.appendData(leaf);
    const out = new Uint8Array(64 * 32);
    const root = new Uint8Array(32);
    const leafHash = new Uint8Array(32);
    for (let n = 1; n <= 70; n++) {
      const d = leaves.slice(0, n);
      const expectedRoot = mth(d);
      tree.root(root, n);
      expect(hex(root)).toBe(hex(expectedRoot));
      for (let m = 0; m < n; m++) {
        const count = tree.inclusionProof(m, n, out);
        expect(hex(out.subarray(0, count * 32))).toBe(path(m, d).map(hex).join(""));
        tree.leafHash(m, leafHash);
        expect(verifyInclusion(provider, leafHash, m, n, out.subarray(0, count * 32), root)).toBe(ErrorCode.Ok);
      }
      for (let m = 1; m <= n; m++) {
        const count = tree.consistencyProof(m, n, out);
        expect(hex(out.subarray(0, count * 32))).toBe(m === n ? "" : subproof(m, d, true).map(hex).join(""));
        expect(verifyConsistency(provider, m, n, mth(leaves.slice(0, m)), root, out.subarray(0, count * 32))).toBe(ErrorCode.Ok);
      }
    }
  });
});
