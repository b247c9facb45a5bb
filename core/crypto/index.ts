/**
 * core/crypto public surface (README "Crypto boundary and envelopes"). Other folders import from here.
 * Key bytes never cross this boundary: keys are KeyHandles held by the
 * provider's key store, which is deliberately not exported.
 */
export * from "./algorithms";
export { constantTimeEqual, zeroize } from "./ct";
export { drawEntropy, type EntropySource } from "./entropy";
export { KeyKind, KEY_STORE_SLOTS_MAX, type KeyHandle, type KeyStoreOptions } from "./key-store";
export { SigningMode, type CryptoCounters, type CryptoProvider } from "./provider";
export { NOBLE_POST_QUANTUM, NobleCryptoProvider } from "./noble-provider";
export { PortableCryptoProvider } from "./portable-provider";
export type { Dsa, Kem, PostQuantumSuite } from "./post-quantum";
export { COSE_MAX_BYTES_DEFAULT, CoseTag, HeaderLabel, createCoseCodecs, encStructure, macStructure, sigStructure, type CoseCodecs, type CoseParts } from "./cose-common";
export { CoseKemAlg, CoseKeyLabel, akpThumbprint, coseAlgFromKem, decodeAkpKey, encodeAkpKey, kemAlgFromCose, type AkpKey } from "./cose-key";
export { decodeSign1, openSign1, signSign1, verifySign1, type Sign1, type Sign1Options } from "./cose-sign1";
export { createMac0, decodeMac0, verifyMac0, type Mac0 } from "./cose-mac0";
export { decodeEncrypt0, openEncrypt0, sealEncrypt0, type Encrypt0 } from "./cose-encrypt0";
export { KEY_COMMITMENT_BYTES, checkKeyCommitment, keyCommitment } from "./commitment";
export {
  CERT_VERSION,
  CertLabel,
  ROLE_MASK,
  Role,
  checkCertificateRole,
  checkCertificateSigningKey,
  decodeCertificatePayload,
  encodeCertificatePayload,
  issueNodeCertificate,
  trustAuthority,
  verifyNodeCertificate,
  type NodeCertificate,
  type TrustedAuthority,
} from "./certificate";
export { VolatileCounterSource, type CounterSource } from "./counter-source";
export { REPLAY_WINDOW_BITS_MAX, REPLAY_WINDOW_BITS_MIN, ReplayTable, type ReplayTableOptions } from "./replay-window";
export { KEY_EPOCH_MAX, SENDER_ID_MAX, TrafficKeyTable, makeTrafficKey, type ReceiveKeys, type TrafficKey } from "./traffic-keys";
export {
  Channel,
  KDF_INFO_BYTES,
  KdfPurpose,
  WRAPPED_SECRET_BYTES,
  createGroupSecret,
  deriveGroupSenderKey,
  deriveTrafficKey,
  initiatePairwise,
  kdfInfo,
  kemKeyCommitment,
  respondPairwise,
  unwrapGroupSecret,
  wrapGroupSecret,
  type GroupContext,
  type KdfContext,
  type PairwiseContext,
  type PairwiseKeys,
} from "./session-keys";
export {
  FRAME_AAD_MAX_BYTES,
  FRAME_HEADER_BYTES,
  FRAME_OVERHEAD_BYTES,
  FRAME_VERSION,
  FrameHeader,
  FrameOpener,
  FrameSealer,
  parseFrameHeader,
  type FrameOpenerCounters,
} from "./frame-protect";
export { MERKLE_CAPACITY_MAX, MERKLE_LEAF_PREFIX, MERKLE_NODE_PREFIX, MERKLE_PROOF_MAX_HASHES, MerkleTree, verifyConsistency, verifyInclusion } from "./merkle";
