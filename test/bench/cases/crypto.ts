/**
 * core/crypto benchmark rows (README "Crypto boundary and envelopes"): ML-DSA-44 sign/verify, ML-KEM-512
 * encaps/decaps, AEAD seal/open of a 200-byte frame, HMAC, Merkle root of 64
 * leaves, inclusion-proof verify; plus the zero-allocation replay check and
 * one row of AES-CTR + CBC-MAC (the work of AES-CCM) that backs the
 * ChaCha20/Poly1305 choice in core/crypto/cose-encrypt0.ts.
 *
 * noble's primitives allocate (hash and cipher instances, result arrays),
 * so they report what they cost. The AEAD rows run the provider's own
 * ChaCha20-Poly1305 (core/crypto/chacha20-poly1305.ts), which allocates
 * nothing per frame; the "noble reference" rows keep @noble/ciphers'
 * chacha20poly1305 on the same frame for comparison.
 */
import { cbc, ctr } from "@noble/ciphers/aes.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hkdf as nobleHkdf } from "@noble/hashes/hkdf.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import {
  CoseAlg,
  KemAlg,
  KeyKind,
  MerkleTree,
  NobleCryptoProvider,
  ReplayTable,
  SigningMode,
  deriveGroupSenderKey,
  kdfInfo,
  KdfPurpose,
  Channel,
  KDF_INFO_BYTES,
  verifyInclusion,
  type KeyHandle,
} from "../../../core/crypto/index";
import { Blake2sMac, BLAKE2S_MAC_SCRATCH_BYTES } from "../../../core/crypto/blake2s";
import { ChaCha20Poly1305 } from "../../../core/crypto/chacha20-poly1305";
import { HkdfSha256 } from "../../../core/crypto/hkdf-sha256";
import { Sha256 } from "../../../core/crypto/sha256";
import type { Result } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";
import { meshBootFor, type MeshBoot } from "../../agent/key-boot";
import { benchCase, type BenchCase } from "./types";
import { SITE_SIZE_MAX } from "../../../agent/config";

const GROUP = "crypto";
const FRAME_BYTES = 200;

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`bench setup failed with code ${result.code}`);
  return result.value;
}

function makeProvider(): NobleCryptoProvider {
  return unwrap(
    NobleCryptoProvider.create(new SeededEntropy(0xbe4c), {
      symmetricSlots: 8,
      signingSlots: 1,
      largestSignatureAlg: CoseAlg.MlDsa44,
      kemSlots: 1,
      largestKemAlg: KemAlg.MlKem512,
    }),
  );
}

interface SignState {
  readonly provider: NobleCryptoProvider;
  readonly key: KeyHandle;
  readonly publicKey: Uint8Array;
  readonly messages: readonly Uint8Array[];
  readonly signatures: readonly Uint8Array[];
}

// ML-DSA signing time depends on the message (rejection sampling, FIPS 204 Alg. 7):
// average over several messages.
const SIGN_MESSAGES = 4;

function signState(): SignState {
  const provider = makeProvider();
  const key = unwrap(provider.generateSigningKey(CoseAlg.MlDsa44));
  const publicKey = new Uint8Array(1312);
  provider.publicKey(key, publicKey);
  const messages = Array.from({ length: SIGN_MESSAGES }, (_, i) => Uint8Array.of(i, 1, 2, 3, 4, 5, 6, 7));
  const signatures = messages.map((message) => {
    const signature = new Uint8Array(2420);
    provider.sign(key, message, signature, SigningMode.Deterministic);
    return signature;
  });
  return { provider, key, publicKey, messages, signatures };
}

const mlDsaSign: BenchCase<SignState> = {
  group: GROUP,
  name: "ML-DSA-44 sign (hedged, mean of 4 messages)",
  opsPerRun: SIGN_MESSAGES,
  setup: signState,
  run({ provider, key, messages, signatures }) {
    let total = 0;
    for (let i = 0; i < SIGN_MESSAGES; i++) total += provider.sign(key, messages[i] ?? new Uint8Array(0), signatures[i] ?? new Uint8Array(0), SigningMode.Hedged);
    return total;
  },
};

const mlDsaVerify: BenchCase<SignState> = {
  group: GROUP,
  name: "ML-DSA-44 verify",
  opsPerRun: 1,
  setup: signState,
  run({ provider, publicKey, messages, signatures }) {
    return provider.verify(CoseAlg.MlDsa44, publicKey, messages[0] ?? new Uint8Array(0), signatures[0] ?? new Uint8Array(0));
  },
};

interface KemState {
  readonly provider: NobleCryptoProvider;
  readonly key: KeyHandle;
  readonly publicKey: Uint8Array;
  readonly ciphertext: Uint8Array;
}

function kemState(): KemState {
  const provider = makeProvider();
  const key = unwrap(provider.generateKemKey(KemAlg.MlKem512));
  const publicKey = new Uint8Array(800);
  provider.publicKey(key, publicKey);
  const ciphertext = new Uint8Array(768);
  provider.destroyKey(unwrap(provider.encapsulate(KemAlg.MlKem512, publicKey, ciphertext)));
  return { provider, key, publicKey, ciphertext };
}

const mlKemEncaps: BenchCase<KemState> = {
  group: GROUP,
  name: "ML-KEM-512 encapsulate",
  opsPerRun: 1,
  setup: kemState,
  run({ provider, publicKey }) {
    const scratch = new Uint8Array(768);
    const secret = provider.encapsulate(KemAlg.MlKem512, publicKey, scratch);
    if (secret.ok) provider.destroyKey(secret.value);
    return scratch[0] ?? 0;
  },
};

const mlKemDecaps: BenchCase<KemState> = {
  group: GROUP,
  name: "ML-KEM-512 decapsulate",
  opsPerRun: 1,
  setup: kemState,
  run({ provider, key, ciphertext }) {
    const secret = provider.decapsulate(key, ciphertext);
    if (secret.ok) provider.destroyKey(secret.value);
    return secret.ok ? 1 : 0;
  },
};

interface AeadState {
  readonly provider: NobleCryptoProvider;
  readonly key: KeyHandle;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly sealed: Uint8Array;
  readonly opened: Uint8Array;
}

const AEAD_OPS = 20;

function aeadState(): AeadState {
  const provider = makeProvider();
  const key = unwrap(provider.generateSymmetricKey(KeyKind.Aead));
  const state = {
    provider,
    key,
    nonce: new Uint8Array(12),
    aad: new Uint8Array(9),
    plaintext: new Uint8Array(FRAME_BYTES).fill(0x5a),
    sealed: new Uint8Array(FRAME_BYTES + 16),
    opened: new Uint8Array(FRAME_BYTES),
  };
  provider.aeadSeal(key, state.nonce, state.aad, state.plaintext, state.sealed);
  return state;
}

const aeadSeal: BenchCase<AeadState> = {
  group: GROUP,
  name: "AEAD seal, ChaCha20/Poly1305 via provider, 200-byte frame",
  opsPerRun: AEAD_OPS,
  setup: aeadState,
  run({ provider, key, nonce, aad, plaintext, sealed }) {
    let total = 0;
    for (let i = 0; i < AEAD_OPS; i++) total += provider.aeadSeal(key, nonce, aad, plaintext, sealed);
    return total;
  },
};

const aeadOpen: BenchCase<AeadState> = {
  group: GROUP,
  name: "AEAD open, ChaCha20/Poly1305 via provider, 200-byte frame",
  opsPerRun: AEAD_OPS,
  setup: aeadState,
  run({ provider, key, nonce, aad, sealed, opened }) {
    let total = 0;
    for (let i = 0; i < AEAD_OPS; i++) total += provider.aeadOpen(key, nonce, aad, sealed, opened);
    return total;
  },
};

interface NobleAeadState {
  readonly key: Uint8Array;
  readonly nonce: Uint8Array;
  readonly aad: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly sealed: Uint8Array;
  readonly opened: Uint8Array;
}

/** The same frame through @noble/ciphers directly, the way the provider called it before (reference). */
function nobleAeadState(): NobleAeadState {
  const state = {
    key: new Uint8Array(32).fill(0x42),
    nonce: new Uint8Array(12),
    aad: new Uint8Array(9),
    plaintext: new Uint8Array(FRAME_BYTES).fill(0x5a),
    sealed: new Uint8Array(FRAME_BYTES + 16),
    opened: new Uint8Array(FRAME_BYTES),
  };
  chacha20poly1305(state.key, state.nonce, state.aad).encrypt(state.plaintext, state.sealed);
  return state;
}

const nobleAeadSeal: BenchCase<NobleAeadState> = {
  group: GROUP,
  name: "AEAD seal, @noble/ciphers chacha20poly1305 (reference), 200-byte frame",
  opsPerRun: AEAD_OPS,
  setup: nobleAeadState,
  run({ key, nonce, aad, plaintext, sealed }) {
    let total = 0;
    for (let i = 0; i < AEAD_OPS; i++) total += chacha20poly1305(key, nonce, aad).encrypt(plaintext, sealed).length;
    return total;
  },
};

const nobleAeadOpen: BenchCase<NobleAeadState> = {
  group: GROUP,
  name: "AEAD open, @noble/ciphers chacha20poly1305 (reference), 200-byte frame",
  opsPerRun: AEAD_OPS,
  setup: nobleAeadState,
  run({ key, nonce, aad, sealed, opened }) {
    let total = 0;
    for (let i = 0; i < AEAD_OPS; i++) total += chacha20poly1305(key, nonce, aad).decrypt(sealed, opened).length;
    return total;
  },
};

interface AesState {
  readonly key: Uint8Array;
  readonly iv: Uint8Array;
  readonly plaintext: Uint8Array;
  readonly padded: Uint8Array;
}

const aesCcmWork: BenchCase<AesState> = {
  group: GROUP,
  name: "AES-128 CTR + CBC-MAC, 200 bytes (AES-CCM work; decision data)",
  opsPerRun: AEAD_OPS,
  setup() {
    return { key: new Uint8Array(16).fill(1), iv: new Uint8Array(16), plaintext: new Uint8Array(FRAME_BYTES), padded: new Uint8Array(208 + 16) };
  },
  run({ key, iv, plaintext, padded }) {
    let total = 0;
    for (let i = 0; i < AEAD_OPS; i++) {
      total += ctr(key, iv).encrypt(plaintext).length;
      total += cbc(key, iv, { disablePadding: true }).encrypt(padded).length;
    }
    return total;
  },
};

interface MacState {
  readonly provider: NobleCryptoProvider;
  readonly key: KeyHandle;
  readonly data: Uint8Array;
  readonly tag: Uint8Array;
}

const hmac: BenchCase<MacState> = {
  group: GROUP,
  name: "HMAC-SHA-256, 200 bytes",
  opsPerRun: AEAD_OPS,
  setup() {
    const provider = makeProvider();
    return { provider, key: unwrap(provider.generateSymmetricKey(KeyKind.Mac)), data: new Uint8Array(FRAME_BYTES), tag: new Uint8Array(32) };
  },
  run({ provider, key, data, tag }) {
    let total = 0;
    for (let i = 0; i < AEAD_OPS; i++) total += provider.mac(key, data, tag);
    return total + (tag[0] ?? 0);
  },
};

/**
 * Link tags (the two 8-byte tags core/mesh/link-seal.ts puts on every
 * frame): keyed BLAKE2s (RFC 7693) over raw key bytes, its state in an
 * arena region, beside the truncated HMAC-SHA-256 it replaced (the
 * provider's macAt) and the ChaCha20-Poly1305
 * seal of the same length, for 40-, 100- and 255-byte inputs.
 */
const LINK_TAG_BYTES = 8;

interface LinkTagState {
  readonly blake: Blake2sMac;
  readonly aead: ChaCha20Poly1305;
  readonly provider: NobleCryptoProvider;
  readonly macKey: KeyHandle;
  readonly key: Uint8Array;
  readonly personal: Uint8Array;
  readonly nonce: Uint8Array;
  readonly data: Uint8Array;
  readonly out: Uint8Array;
}

function linkTagState(bytes: number): LinkTagState {
  const provider = makeProvider();
  return {
    blake: new Blake2sMac(new ArrayBuffer(BLAKE2S_MAC_SCRATCH_BYTES), 0),
    aead: new ChaCha20Poly1305(),
    provider,
    macKey: unwrap(provider.generateSymmetricKey(KeyKind.Mac)),
    key: new Uint8Array(32).fill(0x42),
    personal: new Uint8Array(8).fill(0x17),
    nonce: new Uint8Array(12),
    data: new Uint8Array(bytes).fill(0x5a),
    out: new Uint8Array(bytes + 16),
  };
}

function linkTagCases(bytes: number): BenchCase[] {
  const blake: BenchCase<LinkTagState> = {
    group: GROUP,
    name: `link tag: BLAKE2s-MAC 8-byte tag, ${bytes} bytes (core/crypto/blake2s.ts)`,
    opsPerRun: AEAD_OPS,
    setup: () => linkTagState(bytes),
    run({ blake, key, personal, data, out }) {
      let total = 0;
      for (let i = 0; i < AEAD_OPS; i++) total += blake.tagAt(key, 0, 32, personal, data, 0, bytes, out, 0, LINK_TAG_BYTES);
      return total + (out[0] ?? 0);
    },
  };
  const hmacAt: BenchCase<LinkTagState> = {
    group: GROUP,
    name: `link tag: HMAC-SHA-256 via provider.macAt, ${bytes} bytes`,
    opsPerRun: AEAD_OPS,
    setup: () => linkTagState(bytes),
    run({ provider, macKey, data, out }) {
      let total = 0;
      for (let i = 0; i < AEAD_OPS; i++) total += provider.macAt(macKey, data, 0, bytes, out, 0);
      return total + (out[0] ?? 0);
    },
  };
  const seal: BenchCase<LinkTagState> = {
    group: GROUP,
    name: `link tag: ChaCha20-Poly1305 seal for scale, ${bytes} bytes`,
    opsPerRun: AEAD_OPS,
    setup: () => linkTagState(bytes),
    run({ aead, key, nonce, data, out }) {
      let total = 0;
      for (let i = 0; i < AEAD_OPS; i++) total += aead.seal(key, nonce, data, 0, 0, data, 0, bytes, out, 0);
      return total;
    },
  };
  return [benchCase(blake), benchCase(hmacAt), benchCase(seal)];
}

const HASH_OPS = 20;

interface HashState {
  readonly hasher: Sha256;
  readonly data: Uint8Array;
  readonly digest: Uint8Array;
}

/** 64 bytes of "a" and a digest buffer; both cases get the same input (the noble case ignores the hasher). */
function hashSetup(): HashState {
  return { hasher: new Sha256(), data: new Uint8Array(64).fill(0x61), digest: new Uint8Array(32) };
}

const sha256Ours: BenchCase<HashState> = {
  group: GROUP,
  name: "SHA-256, 64 bytes (ours, core/crypto/sha256.ts)",
  opsPerRun: HASH_OPS,
  setup: hashSetup,
  run({ hasher, data, digest }) {
    for (let i = 0; i < HASH_OPS; i++) {
      hasher.update(data);
      hasher.digestInto(digest, 0);
    }
    return digest[0] ?? 0;
  },
};

const sha256Noble: BenchCase<HashState> = {
  group: GROUP,
  name: "SHA-256, 64 bytes (@noble/hashes reference)",
  opsPerRun: HASH_OPS,
  setup: hashSetup,
  run({ data, digest }) {
    for (let i = 0; i < HASH_OPS; i++) nobleSha256.create().update(data).digestInto(digest);
    return digest[0] ?? 0;
  },
};

interface TrafficHkdfState {
  readonly kdf: HkdfSha256;
  readonly secret: Uint8Array;
  readonly salt: Uint8Array;
  readonly keyInfo: Uint8Array;
  readonly nonceInfo: Uint8Array;
  readonly key: Uint8Array;
  readonly nonceBase: Uint8Array;
}

const KDF_OPS = 4;

/** One sender's group traffic key as traffic-derive.ts derives it: HKDF for the 32-byte key, HKDF for the 12-byte nonce base. */
function trafficHkdfState(): TrafficHkdfState {
  const context = { channel: Channel.Group, epoch: 0, senderId: 17, receiverId: 0, groupId: 1 };
  const keyInfo = new Uint8Array(KDF_INFO_BYTES);
  const nonceInfo = new Uint8Array(KDF_INFO_BYTES);
  kdfInfo(KdfPurpose.TrafficKey, context, keyInfo);
  kdfInfo(KdfPurpose.NonceBase, context, nonceInfo);
  return { kdf: new HkdfSha256(), secret: new Uint8Array(32).fill(0x3c), salt: new Uint8Array(0), keyInfo, nonceInfo, key: new Uint8Array(32), nonceBase: new Uint8Array(12) };
}

const trafficKeyOurs: BenchCase<TrafficHkdfState> = {
  group: GROUP,
  name: "HKDF-SHA-256 traffic key: 32-byte key + 12-byte nonce base (ours, core/crypto/hkdf-sha256.ts)",
  opsPerRun: KDF_OPS,
  setup: trafficHkdfState,
  run({ kdf, secret, salt, keyInfo, nonceInfo, key, nonceBase }) {
    for (let i = 0; i < KDF_OPS; i++) {
      kdf.derive(secret, salt, keyInfo, key, 0, 32);
      kdf.derive(secret, salt, nonceInfo, nonceBase, 0, 12);
    }
    return (key[0] ?? 0) + (nonceBase[0] ?? 0);
  },
};

const trafficKeyNoble: BenchCase<TrafficHkdfState> = {
  group: GROUP,
  name: "HKDF-SHA-256 traffic key: 32-byte key + 12-byte nonce base (@noble/hashes reference)",
  opsPerRun: KDF_OPS,
  setup: trafficHkdfState,
  run({ secret, salt, keyInfo, nonceInfo, key, nonceBase }) {
    for (let i = 0; i < KDF_OPS; i++) {
      key.set(nobleHkdf(nobleSha256, secret, salt, keyInfo, 32));
      nonceBase.set(nobleHkdf(nobleSha256, secret, salt, nonceInfo, 12));
    }
    return (key[0] ?? 0) + (nonceBase[0] ?? 0);
  },
};

interface SenderKeyState {
  readonly provider: NobleCryptoProvider;
  readonly secret: KeyHandle;
}

const senderKeyProvider: BenchCase<SenderKeyState> = {
  group: GROUP,
  name: "group sender traffic key via the provider (deriveGroupSenderKey: key store, info, result)",
  opsPerRun: KDF_OPS,
  setup() {
    const provider = makeProvider();
    return { provider, secret: unwrap(provider.importSymmetricKey(KeyKind.Secret, new Uint8Array(32).fill(0x3c))) };
  },
  run({ provider, secret }) {
    let total = 0;
    for (let i = 0; i < KDF_OPS; i++) {
      const key = unwrap(deriveGroupSenderKey(provider, secret, 1, 0, 17 + i));
      total += key.nonceBase[0] ?? 0;
      provider.destroyKey(key.handle);
    }
    return total;
  },
};

/** A board's mesh boot (keys, replay windows, transport) as a member of a site of `boards`: O(1) in the site's size. */
function meshBootCase(boards: number): BenchCase<MeshBoot> {
  return {
    group: GROUP,
    name: `board mesh boot (link secrets left in the record, replay windows, transport), ${boards}-board site`,
    opsPerRun: 1,
    setup() {
      const rig = meshBootFor(boards);
      if (typeof rig === "string") throw new Error(`bench setup failed: ${rig}`);
      return rig;
    },
    run(rig) {
      const outcome = rig.boot();
      return outcome.ok ? outcome.senderIdMax : -1;
    },
  };
}

interface MerkleState {
  readonly provider: NobleCryptoProvider;
  readonly tree: MerkleTree;
  readonly root: Uint8Array;
  readonly leaf: Uint8Array;
  readonly proof: Uint8Array;
}

function merkleState(): MerkleState {
  const provider = makeProvider();
  const tree = unwrap(MerkleTree.create(provider, 64));
  for (let i = 0; i < 64; i++) tree.appendData(Uint8Array.of(i, i >> 8, 7));
  const root = new Uint8Array(32);
  tree.root(root);
  const proof = new Uint8Array(6 * 32);
  tree.inclusionProof(37, 64, proof);
  const leaf = new Uint8Array(32);
  tree.leafHash(37, leaf);
  return { provider, tree, root, leaf, proof };
}

const merkleRoot: BenchCase<MerkleState> = {
  group: GROUP,
  name: "Merkle root of 64 leaves (RFC 9162)",
  opsPerRun: 1,
  setup: merkleState,
  run({ tree, root }) {
    return tree.root(root) + (root[0] ?? 0);
  },
};

const merkleVerify: BenchCase<MerkleState> = {
  group: GROUP,
  name: "Merkle inclusion-proof verify (64 leaves)",
  opsPerRun: 10,
  setup: merkleState,
  run({ provider, root, leaf, proof }) {
    let total = 0;
    for (let i = 0; i < 10; i++) total += verifyInclusion(provider, leaf, 37, 64, proof, root);
    return total;
  },
};

interface ReplayState {
  readonly table: ReplayTable;
  readonly counter: Float64Array;
}

const replayCheck: BenchCase<ReplayState> = {
  group: GROUP,
  name: "replay window check + commit (RFC 6479 bitmap, 64 senders)",
  opsPerRun: 1_000,
  setup() {
    return { table: unwrap(ReplayTable.create({ capacity: 64, windowBits: 128 })), counter: new Float64Array(1) };
  },
  run({ table, counter }) {
    let next = counter[0] ?? 0;
    let accepted = 0;
    for (let i = 0; i < 1_000; i++) {
      const sender = i & 63;
      // Mostly in order, some reordered inside the window.
      const value = (i & 7) === 3 ? Math.max(0, next - 5) : next++;
      if (table.check(sender, 0, value) === 0 && table.commit(sender, 0, value) === 0) accepted++;
    }
    counter[0] = next;
    return accepted;
  },
};

export const cryptoCases: readonly BenchCase[] = Object.freeze([
  benchCase(mlDsaSign),
  benchCase(mlDsaVerify),
  benchCase(mlKemEncaps),
  benchCase(mlKemDecaps),
  benchCase(aeadSeal),
  benchCase(aeadOpen),
  benchCase(nobleAeadSeal),
  benchCase(nobleAeadOpen),
  benchCase(aesCcmWork),
  benchCase(hmac),
  ...linkTagCases(40),
  ...linkTagCases(100),
  ...linkTagCases(255),
  benchCase(sha256Ours),
  benchCase(sha256Noble),
  benchCase(trafficKeyOurs),
  benchCase(trafficKeyNoble),
  benchCase(senderKeyProvider),
  benchCase(meshBootCase(33)),
  benchCase(meshBootCase(SITE_SIZE_MAX)),
  benchCase(merkleRoot),
  benchCase(merkleVerify),
  benchCase(replayCheck),
]);
