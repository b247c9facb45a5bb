/**
 * Property definitions for core/codec and core/crypto. Run on V8
 * (test/core/crypto/crypto.property.test.ts) and inside the XS engine (the conformance
 * bundle), so this file uses ECMAScript built-ins only and receives
 * fast-check as a parameter. Every property that hashes or encrypts keeps
 * its inputs small: XS is an interpreter.
 */
import { CborCodec, canonicalMap, strictPolicy, type CborKey } from "../../core/codec/cbor";
import { CborWalker } from "../../core/codec/cbor-walk";
import { DIAG_POLICY, toDiagnostic } from "../../core/codec/diag";
import { decodeUtf8, encodeUtf8, isWellFormedUtf8 } from "../../core/codec/utf8";
import {
  Channel,
  CoseAlg,
  FRAME_OVERHEAD_BYTES,
  FrameOpener,
  FrameSealer,
  KemAlg,
  KeyKind,
  MerkleTree,
  NobleCryptoProvider,
  ReplayTable,
  TrafficKeyTable,
  VolatileCounterSource,
  constantTimeEqual,
  createCoseCodecs,
  createMac0,
  decodeMac0,
  makeTrafficKey,
  verifyConsistency,
  verifyInclusion,
  verifyMac0,
  type CoseCodecs,
} from "../../core/crypto/index";
import { ErrorCode } from "../../core/runtime/errors";
import type { Result } from "../../core/runtime/result";
import { SeededEntropy } from "../../hal/sim/entropy";
import { check, unwrap, type ConformanceProperty, type FastCheck } from "./support";


export type CryptoProperty = ConformanceProperty;



function provider(seed: number): NobleCryptoProvider {
  return unwrap(
    NobleCryptoProvider.create(new SeededEntropy(seed), {
      symmetricSlots: 16,
      signingSlots: 1,
      largestSignatureAlg: CoseAlg.MlDsa44,
      kemSlots: 1,
      largestKemAlg: KemAlg.MlKem512,
    }),
    "provider",
  );
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Structural equality of decoded CBOR values (Map, Array, Uint8Array, scalars). Test-only recursion. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && bytesEqual(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  }
  if (a instanceof Map || b instanceof Map) {
    if (!(a instanceof Map) || !(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !sameValue(v, b.get(k))) return false;
    return true;
  }
  return Object.is(a, b) || (a === 0 && b === 0);
}

/** Values the deterministic encoder accepts: 32-bit ints, bytes, well-formed text, arrays, int/text-keyed maps. */
function cborValue(fc: FastCheck) {
  const key = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.string({ maxLength: 6 }));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      fc.integer({ min: -0xffff_ffff, max: 0xffff_ffff }),
      fc.uint8Array({ maxLength: 40 }),
      fc.string({ maxLength: 12, unit: "grapheme" }),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("tree"), { maxLength: 4 }),
      fc.uniqueArray(fc.tuple(key, tie("tree")), { maxLength: 4, selector: (entry: readonly [CborKey, unknown]) => entry[0] }).map((entries) => canonicalMap(entries)),
    ),
  }));
  return tree;
}

const cborRoundTrip: CryptoProperty = {
  name: "cbor: encode is deterministic (RFC 8949 §4.2.1) and decode(encode(v)) equals v",
  run(fc, numRuns, seed) {
    const codec = unwrap(CborCodec.create(strictPolicy(1 << 16, [], 16, 4096)), "codec");
    fc.assert(
      fc.property(cborValue(fc), (value: unknown) => {
        const encoded = unwrap(codec.encode(value), "encode");
        check(codec.check(encoded) === ErrorCode.Ok, "encoding is not deterministic");
        check(sameValue(unwrap(codec.decode(encoded), "decode"), value), "round trip changed the value");
        check(toDiagnostic(encoded).ok, "diagnostic notation failed");
      }),
      { numRuns, seed },
    );
  },
};

const walkerTotal: CryptoProperty = {
  name: "cbor: any bytes get a verdict from the walker, and what it accepts cbor-x decodes without throwing",
  run(fc, numRuns, seed) {
    const codec = unwrap(CborCodec.create({ ...DIAG_POLICY, maxBytes: 256, allowedTags: [16, 17, 18], allowBigIntegers: false, allowFloats: false, allowOtherSimple: false, allowDuplicateKeys: false }), "codec");
    const lenient = unwrap(CborWalker.create(DIAG_POLICY), "walker");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes: Uint8Array) => {
        const verdict = codec.check(bytes);
        check(verdict === ErrorCode.Ok || (verdict >= 200 && verdict < 300), `unexpected code ${verdict}`);
        if (verdict === ErrorCode.Ok) check(codec.decode(bytes).ok, "walker accepted what cbor-x refused");
        const rendered = toDiagnostic(bytes);
        check(rendered.ok === (lenient.walk(bytes) === ErrorCode.Ok), "diagnostic and walker disagree");
      }),
      { numRuns, seed },
    );
  },
};

const utf8RoundTrip: CryptoProperty = {
  name: "utf8: encode/decode round trip; decode accepts exactly the well-formed byte strings",
  run(fc, numRuns, seed) {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: "grapheme" }), fc.uint8Array({ maxLength: 24 }), (text: string, bytes: Uint8Array) => {
        const encoded = unwrap(encodeUtf8(text), "encode");
        check(unwrap(decodeUtf8(encoded), "decode") === text, "round trip changed the text");
        const decoded = decodeUtf8(bytes);
        check(decoded.ok === isWellFormedUtf8(bytes, 0, bytes.length), "decode and isWellFormedUtf8 disagree");
        if (decoded.ok) check(bytesEqual(unwrap(encodeUtf8(decoded.value), "re-encode"), bytes), "well-formed bytes did not round trip");
      }),
      { numRuns, seed },
    );
  },
};

const constantTime: CryptoProperty = {
  name: "constantTimeEqual agrees with byte equality",
  run(fc, numRuns, seed) {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }), (a: Uint8Array, b: Uint8Array) => {
        check(constantTimeEqual(a, b) === bytesEqual(a, b), "mismatch");
        check(constantTimeEqual(a, a.slice()), "not reflexive");
      }),
      { numRuns, seed },
    );
  },
};

const replayModel: CryptoProperty = {
  name: "replay window: accepts exactly what a set-of-seen model accepts (RFC 4303 §3.4.3 order)",
  run(fc, numRuns, seed) {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: -80, max: 12 }), fc.boolean()), { maxLength: 120 }), (steps: readonly (readonly [number, boolean])[]) => {
        const table = unwrap(ReplayTable.create({ capacity: 1, windowBits: 64 }), "table");
        const seen: number[] = [];
        let highest = -1;
        for (const [delta, authentic] of steps) {
          const counter = Math.max(0, highest + delta);
          const expected = counter + 64 <= highest ? ErrorCode.ReplayTooOld : seen.includes(counter) ? ErrorCode.ReplayDuplicate : ErrorCode.Ok;
          check(table.check(5, 0, counter) === expected, `check(${counter}) with highest ${highest}`);
          if (authentic) {
            check(table.commit(5, 0, counter) === expected, "commit disagrees with check");
            if (expected === ErrorCode.Ok) {
              seen.push(counter);
              if (counter > highest) highest = counter;
            }
          }
        }
        check(table.highest(5) === highest, "highest differs");
      }),
      { numRuns, seed },
    );
  },
};

const merkleProofs: CryptoProperty = {
  name: "merkle: every generated inclusion and consistency proof verifies; a flipped bit does not",
  run(fc, numRuns, seed) {
    const p = provider(seed);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.nat(), fc.nat(), fc.nat(), (size: number, a: number, b: number, flip: number) => {
        const tree = unwrap(MerkleTree.create(p, size), "tree");
        for (let i = 0; i < size; i++) tree.appendData(Uint8Array.of(i, seed & 0xff));
        const root = new Uint8Array(32);
        tree.root(root);
        const index = a % size;
        const proof = new Uint8Array(64 * 32);
        const count = tree.inclusionProof(index, size, proof);
        const leaf = new Uint8Array(32);
        tree.leafHash(index, leaf);
        const path = proof.subarray(0, count * 32);
        check(verifyInclusion(p, leaf, index, size, path, root) === ErrorCode.Ok, "inclusion failed");
        if (count > 0) {
          const bad = path.slice();
          const bit = flip % (count * 256);
          bad[bit >>> 3] = (bad[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
          check(verifyInclusion(p, leaf, index, size, bad, root) === ErrorCode.MerkleRootMismatch, "flipped inclusion proof verified");
        }
        const old = 1 + (b % size);
        const oldRoot = new Uint8Array(32);
        tree.root(oldRoot, old);
        const consistency = tree.consistencyProof(old, size, proof);
        check(verifyConsistency(p, old, size, oldRoot, root, proof.subarray(0, consistency * 32)) === ErrorCode.Ok, "consistency failed");
      }),
      { numRuns, seed },
    );
  },
};

interface FrameRig {
  readonly sealer: FrameSealer;
  readonly opener: FrameOpener;
  readonly replay: ReplayTable;
  readonly key: ReturnType<typeof makeTrafficKey> extends Result<infer T> ? T : never;
}

function frameRig(seed: number): FrameRig {
  const p = provider(seed);
  const handle = unwrap(p.generateSymmetricKey(KeyKind.Aead), "key");
  const receiveHandle = handle; // one provider plays both ends; the table owns the handle
  const key = unwrap(makeTrafficKey(handle, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 3), "traffic key");
  const keys = unwrap(TrafficKeyTable.create(p, 2), "keys");
  keys.install(9, { ...key, handle: receiveHandle });
  const replay = unwrap(ReplayTable.create({ capacity: 2, windowBits: 64 }), "replay");
  const group = unwrap(TrafficKeyTable.create(p, 1), "group keys");
  const groupReplay = unwrap(ReplayTable.create({ capacity: 1, windowBits: 64 }), "group replay");
  const opener = unwrap(FrameOpener.create(p, [group, keys], [groupReplay, replay]), "opener");
  const sealer = unwrap(FrameSealer.create(p, new VolatileCounterSource(), 9), "sealer");
  return { sealer, opener, replay, key };
}

const frameTamper: CryptoProperty = {
  name: "frames: seal/open round trip; any single-bit change is refused and moves no window",
  run(fc, numRuns, seed) {
    const rig = frameRig(seed);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 48 }), fc.nat(), (plaintext: Uint8Array, flip: number) => {
        const frame = new Uint8Array(plaintext.length + FRAME_OVERHEAD_BYTES);
        check(rig.sealer.seal(Channel.Pairwise, rig.key, plaintext, new Uint8Array(0), frame) === frame.length, "seal failed");
        const before = rig.replay.highest(9);
        const bit = flip % (frame.length * 8);
        const bad = frame.slice();
        bad[bit >>> 3] = (bad[bit >>> 3] ?? 0) ^ (1 << (bit & 7));
        const out = new Uint8Array(frame.length);
        const refused = rig.opener.open(bad, new Uint8Array(0), out);
        check(refused < 0, `a tampered frame opened (bit ${bit})`);
        check(rig.replay.highest(9) === before, "a refused frame moved the window");
        check(rig.opener.open(frame, new Uint8Array(0), out) === plaintext.length, "genuine frame refused");
        check(bytesEqual(out.subarray(0, plaintext.length), plaintext), "plaintext differs");
        check(rig.opener.open(frame, new Uint8Array(0), out) === -ErrorCode.ReplayDuplicate, "replay accepted");
      }),
      { numRuns, seed },
    );
  },
};

function macKit(seed: number): { p: NobleCryptoProvider; codecs: CoseCodecs } {
  return { p: provider(seed), codecs: unwrap(createCoseCodecs(4096), "codecs") };
}

const macTamper: CryptoProperty = {
  name: "COSE_Mac0: create/verify round trip; any byte change gives a specific refusal, never a throw",
  run(fc, numRuns, seed) {
    const { p, codecs } = macKit(seed);
    const key = unwrap(p.generateSymmetricKey(KeyKind.Mac), "key");
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (payload: Uint8Array, at: number, xor: number) => {
        const message = unwrap(createMac0(p, codecs, key, payload), "create");
        check(verifyMac0(p, codecs, unwrap(decodeMac0(codecs, message), "decode"), key) === ErrorCode.Ok, "genuine MAC refused");
        const bad = message.slice();
        bad[at % bad.length] = (bad[at % bad.length] ?? 0) ^ xor;
        const decoded = decodeMac0(codecs, bad);
        const verdict = decoded.ok ? verifyMac0(p, codecs, decoded.value, key) : decoded.code;
        check(verdict !== ErrorCode.Ok, "a tampered Mac0 verified");
        check(verdict >= 200 && verdict < 400, `unexpected code ${verdict}`);
      }),
      { numRuns, seed },
    );
  },
};

export const cryptoProperties: readonly CryptoProperty[] = Object.freeze([
  cborRoundTrip,
  walkerTotal,
  utf8RoundTrip,
  constantTime,
  replayModel,
  merkleProofs,
  frameTamper,
  macTamper,
]);
