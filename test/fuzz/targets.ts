/**
 * Fuzz targets for every decoder and verifier in core/codec and core/crypto
 * (README "Crypto boundary and envelopes": negative tests). Shared by test/fuzz/decoders.test.ts (>= 100k inputs per
 * target inside `npm test`) and test/fuzz/run.ts (`npm run fuzz`, >= 10M).
 *
 * Inputs mix raw random bytes with mutations (bit flips, byte overwrites,
 * insertions, deletions, truncations, splices) of valid messages, so most
 * runs get past the first byte and exercise the inner checks. Each target
 * asserts: no exception escapes, and the result is Ok or an error code from
 * the codec (200..299) or crypto (300..399) blocks (or InvalidArgument for
 * caller arguments). Inputs are capped (maxLength), and decoders refuse
 * anything over their configured size before decoding.
 */
import type * as FastCheckModule from "fast-check";
import { CborCodec, strictPolicy } from "../../core/codec/cbor";
import { DIAG_POLICY, toDiagnostic } from "../../core/codec/diag";
import { decodeUtf8 } from "../../core/codec/utf8";
import {
  Channel,
  CoseAlg,
  FRAME_OVERHEAD_BYTES,
  FrameOpener,
  FrameSealer,
  KemAlg,
  KeyKind,
  NobleCryptoProvider,
  ReplayTable,
  SigningMode,
  TrafficKeyTable,
  VolatileCounterSource,
  createCoseCodecs,
  createMac0,
  decodeAkpKey,
  decodeCertificatePayload,
  decodeEncrypt0,
  decodeMac0,
  decodeSign1,
  encodeAkpKey,
  encodeCertificatePayload,
  makeTrafficKey,
  sealEncrypt0,
  signSign1,
  verifyConsistency,
  verifyInclusion,
  verifyMac0,
  verifySign1,
  type CoseCodecs,
  type KeyHandle,
} from "../../core/crypto/index";
import { ErrorCode } from "../../core/runtime/errors";
import type { Result } from "../../core/runtime/result";
import { SeededEntropy } from "../../hal/sim/entropy";

export type FastCheck = typeof FastCheckModule;

export interface FuzzTarget {
  readonly name: string;
  /** One fast-check property; `run` calls fc.assert with the given runs and seed. */
  run(fc: FastCheck, numRuns: number, seed: number): void;
}

function unwrap<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}

function expectCode(code: number, what: string): void {
  const acceptable = code === ErrorCode.Ok || code === ErrorCode.InvalidArgument || (code >= 200 && code < 400);
  if (!acceptable) throw new Error(`${what}: unexpected code ${code}`);
}

function codeOf<T>(result: Result<T>): number {
  return result.ok ? ErrorCode.Ok : result.code;
}

/** Everything the targets share, built once per process. */
interface Rig {
  readonly provider: NobleCryptoProvider;
  readonly codecs: CoseCodecs;
  readonly strict: CborCodec;
  readonly macKey: KeyHandle;
  readonly aeadKey: KeyHandle;
  readonly signerPub: Uint8Array;
  readonly corpus: readonly Uint8Array[];
  readonly frames: readonly Uint8Array[];
  readonly opener: FrameOpener;
  readonly merkle: { readonly leaf: Uint8Array; readonly root: Uint8Array; readonly proof: Uint8Array };
}

function buildRig(): Rig {
  const provider = unwrap(
    NobleCryptoProvider.create(new SeededEntropy(99), { symmetricSlots: 16, signingSlots: 2, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 1, largestKemAlg: KemAlg.MlKem512 }),
    "provider",
  );
  const codecs = unwrap(createCoseCodecs(), "codecs");
  const strict = unwrap(CborCodec.create(strictPolicy(4096, [16, 17, 18])), "strict");
  const macKey = unwrap(provider.generateSymmetricKey(KeyKind.Mac), "mac key");
  const aeadKey = unwrap(provider.generateSymmetricKey(KeyKind.Aead), "aead key");
  const signer = unwrap(provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32).fill(4)), "signer");
  const signerPub = new Uint8Array(1312);
  provider.publicKey(signer, signerPub);
  const cert = unwrap(
    encodeCertificatePayload(codecs, { nodeId: 7, signingKeyCommitment: new Uint8Array(32).fill(1), kemKeyCommitment: new Uint8Array(32).fill(2), roles: 3, firstEpoch: 1, lastEpoch: 9 }),
    "cert payload",
  );
  const corpus = [
    unwrap(createMac0(provider, codecs, macKey, Uint8Array.of(1, 2, 3)), "mac0"),
    unwrap(sealEncrypt0(provider, codecs, aeadKey, Uint8Array.of(4, 5, 6)), "encrypt0"),
    unwrap(signSign1(provider, codecs, signer, Uint8Array.of(7), SigningMode.Deterministic), "sign1"),
    cert,
    unwrap(encodeAkpKey(codecs.strict, { alg: CoseAlg.MlDsa44, pub: signerPub, priv: new Uint8Array(32), kid: null }, true), "cose key"),
    Uint8Array.of(0xbf, 0x61, 0x61, 0x01, 0x61, 0x62, 0x9f, 0x02, 0x03, 0xff, 0xff),
    Uint8Array.of(0x5f, 0x42, 0x01, 0x02, 0x43, 0x03, 0x04, 0x05, 0xff),
  ];
  // Frames: a pairwise channel from sender 3.
  const traffic = unwrap(makeTrafficKey(aeadKey, Uint8Array.of(9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2), 1), "traffic key");
  const keys = unwrap(TrafficKeyTable.create(provider, 2), "keys");
  keys.install(3, traffic);
  const opener = unwrap(
    FrameOpener.create(provider, [unwrap(TrafficKeyTable.create(provider, 1), "group"), keys], [
      unwrap(ReplayTable.create({ capacity: 1, windowBits: 64 }), "group replay"),
      unwrap(ReplayTable.create({ capacity: 4, windowBits: 1024 }), "replay"),
    ]),
    "opener",
  );
  const sealer = unwrap(FrameSealer.create(provider, new VolatileCounterSource(), 3), "sealer");
  const frames = [0, 5, 40].map((length) => {
    const frame = new Uint8Array(length + FRAME_OVERHEAD_BYTES);
    sealer.seal(Channel.Pairwise, traffic, new Uint8Array(length).fill(length), Uint8Array.of(1), frame);
    return frame;
  });
  return {
    provider,
    codecs,
    strict,
    macKey,
    aeadKey,
    signerPub,
    corpus,
    frames,
    opener,
    merkle: { leaf: new Uint8Array(32).fill(3), root: new Uint8Array(32).fill(4), proof: new Uint8Array(96) },
  };
}

let shared: Rig | null = null; // test-side cache (this file is not device code)
function rig(): Rig {
  shared ??= buildRig();
  return shared;
}

type Mutation = readonly [number, number, number]; // kind, position, value

/** Apply a few mutations to a copy of `base` (bounded: at most `mutations.length` edits, length <= base + 8). */
function mutate(base: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = base.slice();
  for (const [kind, position, value] of mutations) {
    const at = bytes.length === 0 ? 0 : position % bytes.length;
    switch (kind % 6) {
      case 0:
        bytes[at] = (bytes[at] ?? 0) ^ (1 << (value & 7));
        break;
      case 1:
        bytes[at] = value & 0xff;
        break;
      case 2: {
        const grown = new Uint8Array(bytes.length + 1);
        grown.set(bytes.subarray(0, at));
        grown[at] = value & 0xff;
        grown.set(bytes.subarray(at), at + 1);
        bytes = grown;
        break;
      }
      case 3:
        bytes = Uint8Array.of(...bytes.subarray(0, at), ...bytes.subarray(at + 1));
        break;
      case 4:
        bytes = bytes.subarray(0, at);
        break;
      default:
        // Splice: repeat a short run (length/count header confusion).
        bytes = Uint8Array.of(...bytes.subarray(0, at), ...bytes.subarray(at, at + (value % 8)), ...bytes.subarray(at));
    }
  }
  return bytes;
}

/** Raw random bytes, or a mutated corpus entry (or frame). */
function input(fc: FastCheck, corpus: () => readonly Uint8Array[]) {
  const mutation = fc.tuple(fc.nat(5), fc.nat(), fc.nat(255));
  return fc.oneof(
    fc.uint8Array({ maxLength: 96 }),
    fc.tuple(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([pick, mutations]) => {
      const entries = corpus();
      return mutate(entries[pick % entries.length] ?? new Uint8Array(0), mutations);
    }),
  );
}

function target(name: string, body: (bytes: Uint8Array, r: Rig) => void, corpus: (r: Rig) => readonly Uint8Array[] = (r) => r.corpus): FuzzTarget {
  return {
    name,
    run(fc, numRuns, seed) {
      const r = rig();
      fc.assert(
        fc.property(input(fc, () => corpus(r)), (bytes: Uint8Array) => body(bytes, r)),
        { numRuns, seed, endOnFailure: true },
      );
    },
  };
}

export const FUZZ_TARGETS: readonly FuzzTarget[] = Object.freeze([
  target("cbor decode (strict COSE policy, cbor-x behind the walker)", (bytes, r) => {
    const decoded = r.strict.decode(bytes);
    expectCode(codeOf(decoded), "decode");
    if (r.strict.decodeFailures !== 0) throw new Error("cbor-x threw on input the walker accepted");
  }),
  target("cbor diagnostic notation (lenient walker)", (bytes) => {
    expectCode(codeOf(toDiagnostic(bytes, DIAG_POLICY)), "diag");
  }),
  target("COSE_Sign1 decode + verify", (bytes, r) => {
    const message = decodeSign1(r.codecs, bytes);
    if (!message.ok) return expectCode(message.code, "decode");
    // Full verification (kid, Sig_structure, ML-DSA) whenever the structure decodes.
    expectCode(verifySign1(r.provider, r.codecs, message.value, CoseAlg.MlDsa44, r.signerPub), "verify");
  }),
  target("COSE_Mac0 decode + verify", (bytes, r) => {
    const message = decodeMac0(r.codecs, bytes);
    if (!message.ok) return expectCode(message.code, "decode");
    const verdict = verifyMac0(r.provider, r.codecs, message.value, r.macKey);
    expectCode(verdict, "verify");
  }),
  target("COSE_Encrypt0 decode", (bytes, r) => {
    expectCode(codeOf(decodeEncrypt0(r.codecs, bytes)), "decode");
  }),
  target("AKP COSE_Key decode", (bytes, r) => {
    expectCode(codeOf(decodeAkpKey(r.codecs.strict, bytes)), "decode");
  }),
  target("certificate payload decode", (bytes, r) => {
    expectCode(codeOf(decodeCertificatePayload(r.codecs, bytes)), "decode");
  }),
  target(
    "protected frame open (header, key, replay, AEAD)",
    (bytes, r) => {
      const opened = r.opener.open(bytes, Uint8Array.of(1), new Uint8Array(bytes.length));
      if (opened < 0) expectCode(-opened, "open");
    },
    (r) => r.frames,
  ),
  target("Merkle proof verification (inclusion and consistency)", (bytes, r) => {
    const size = 1 + ((bytes[0] ?? 0) % 40);
    expectCode(verifyInclusion(r.provider, r.merkle.leaf, (bytes[1] ?? 0) % (size + 2), size, bytes.subarray(2), r.merkle.root), "inclusion");
    expectCode(verifyConsistency(r.provider, (bytes[1] ?? 0) % (size + 1), size, r.merkle.leaf, r.merkle.root, bytes.subarray(2)), "consistency");
  }),
  target("UTF-8 decode", (bytes) => {
    expectCode(codeOf(decodeUtf8(bytes)), "utf8");
  }),
]);
