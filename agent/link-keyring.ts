/**
 * A board's link secrets, read in place from its provisioning record in the
 * store for each frame (core/mesh/link-keys.ts port; the record's layout is
 * agent/provisioning.ts, who holds which secret core/crypto/site-keys.ts).
 * The store keeps its values in RAM already (core/storage/kv-store.ts), so
 * reading from it per frame costs no second copy; the keyring keeps only
 * the numbers it needs to find them.
 *
 *  - F: every board, at FLOOD_SECRET_AT.
 *  - A pair secret with a keyed peer (a sensor's gateways, a gateway's lower
 *    gateways): at PAIR_SECRETS_AT + 32 i, for the peer id at
 *    KEYED_PEERS_AT + 2 i.
 *  - A gateway's pair secret with any other board: derived from its root
 *    (GATEWAY_ROOT_AT) with one keyed BLAKE2s (site-keys.ts
 *    pairSecretFromRoot), so its RAM does not grow with the site.
 *
 * A value that cannot be read back (the record gone or shorter than its
 * layout) refuses the frame with AgentProvisioningMalformed: fail closed.
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";
import { pairSecretFromRoot, type KeyedHash } from "../core/crypto/site-keys";
import { LINK_SECRET_BYTES, type LinkKeyring } from "../core/mesh/link-keys";
import type { KvStore } from "../core/storage/kv-store";
import { FLOOD_SECRET_AT, GATEWAY_ROOT_AT, KEYED_PEERS_AT, KEYED_PEERS_MAX, PAIR_SECRETS_AT } from "./provisioning";
import type { KeyEpoch } from "../core/runtime/ids";

export interface RecordKeyringOptions {
  readonly store: KvStore;
  /** The store key of the provisioning record (persistence.ts StoreKey.Provisioning). */
  readonly recordKey: number;
  readonly nodeId: number;
  readonly epoch: KeyEpoch;
  /** Boards 1..siteSize (the record's highest board id). */
  readonly siteSize: number;
  /** A gateway's record (it holds a gateway root). */
  readonly gateway: boolean;
  /** The provider whose keyed BLAKE2s a gateway derives with. */
  readonly hash: KeyedHash;
}

export class RecordKeyring implements LinkKeyring {
  readonly epoch: KeyEpoch;
  readonly siteSize: number;
  private readonly store_: KvStore;
  private readonly key_: number;
  private readonly nodeId_: number;
  private readonly hash_: KeyedHash;
  /** A gateway's: the peer id for its derivation (2 bytes); null on every other board. */
  private readonly work_: Uint8Array | null;

  constructor(options: RecordKeyringOptions) {
    this.store_ = options.store;
    this.key_ = options.recordKey;
    this.nodeId_ = options.nodeId;
    this.epoch = options.epoch;
    this.siteSize = options.siteSize;
    this.hash_ = options.hash;
    this.work_ = options.gateway ? new Uint8Array(2) : null;
  }

  /** The record slot of a keyed peer, or -1. */
  private slotOf_(peer: number): number {
    for (let i = 0; i < KEYED_PEERS_MAX; i++) {
      const word = this.store_.readU32(this.key_, KEYED_PEERS_AT + 4 * (i >>> 1));
      if (word < 0) return -1;
      const id = (i & 1) === 0 ? word & 0xffff : word >>> 16;
      if (id === 0) return -1;
      if (id === peer) return i;
    }
    return -1;
  }

  hasPair(peer: number): boolean {
    return this.isPeerId_(peer) && (this.work_ !== null || this.slotOf_(peer) >= 0);
  }

  pairSecretInto(peer: number, out: Uint8Array, outOffset: number): Status {
    // One scan of the record's peer list per call: a stored secret, else a gateway's derivation.
    if (!this.isPeerId_(peer)) return ErrorCode.InvalidArgument;
    const slot = this.slotOf_(peer);
    if (slot >= 0) return this.copy_(PAIR_SECRETS_AT + slot * LINK_SECRET_BYTES, out, outOffset);
    const work = this.work_;
    if (work === null) return ErrorCode.InvalidArgument;
    // The root into `out`, then P(self, peer) over it: BLAKE2s reads its whole key into its first block before it writes.
    const copied = this.copy_(GATEWAY_ROOT_AT, out, outOffset);
    if (copied !== ErrorCode.Ok) return copied;
    return pairSecretFromRoot(this.hash_, out, outOffset, peer, work, out, outOffset);
  }

  /** Another board of the site (1..siteSize, not this one). */
  private isPeerId_(peer: number): boolean {
    return (peer | 0) === peer && peer >= 1 && peer <= this.siteSize && peer !== this.nodeId_;
  }

  floodSecretInto(out: Uint8Array, outOffset: number): Status {
    return this.copy_(FLOOD_SECRET_AT, out, outOffset);
  }

  private copy_(at: number, out: Uint8Array, outOffset: number): Status {
    if ((outOffset >>> 0) !== outOffset || outOffset + LINK_SECRET_BYTES > out.length) return ErrorCode.OutOfRange;
    for (let i = 0; i < LINK_SECRET_BYTES; i += 4) {
      const word = this.store_.readU32(this.key_, at + i);
      if (word < 0) {
        out.fill(0, outOffset, outOffset + LINK_SECRET_BYTES);
        return ErrorCode.AgentProvisioningMalformed;
      }
      out[outOffset + i] = word & 0xff;
      out[outOffset + i + 1] = (word >>> 8) & 0xff;
      out[outOffset + i + 2] = (word >>> 16) & 0xff;
      out[outOffset + i + 3] = (word >>> 24) & 0xff;
    }
    return ErrorCode.Ok;
  }
}
