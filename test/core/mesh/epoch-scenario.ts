/**
 * Epochs on the air (README "Link security"): what a receiver on key epoch 1
 * makes of frames from epoch 5, of forgeries under its own epoch, and of an
 * epoch that aliases its own (8 apart: the key phase holds 3 bits). Run on
 * V8 (test/core/mesh/epoch.test.ts) and on XS (test/xs/mesh.test.ts), the
 * same function, so both engines are held to the same numbers.
 * Platform neutral: no Node, no vitest.
 */
import { ReplayTable, VolatileCounterSource } from "../../../core/crypto/index";
import { MeshKeyring } from "../../../host-sim/kernel/workloads/mesh-keys";
import { FrameType, LinkClass, LinkHeader, LinkOpener, LinkSealer, MeshCounter, parseLinkHeader } from "../../../core/mesh/index";
import { makeNode, step } from "./fixtures";

/** The receiver's epoch, the sender's (a board that rotated 4 times while the receiver slept) and one aliasing the receiver's. */
export const RECEIVER_EPOCH = 1;
export const SENDER_EPOCH = 5;
export const ALIASED_EPOCH = 9;
const SENDER = 3;
const RECEIVER = 2;

export interface EpochVectors {
  /** The receive path's results (key check, hop tag, open: plaintext length or the first negated code) for each frame, in order. */
  readonly opens: Readonly<Record<string, number>>;
  /** Replay entries after all the opens (only the genuine frame may add one). */
  readonly replaySize: number;
  /** Transport counters at a receiver that heard the same frames. */
  readonly counters: Readonly<Record<string, number>>;
  /** Messages the transport delivered (only the genuine one). */
  readonly delivered: number;
}

function ringAt(epoch: number, seed = 0x5eed): MeshKeyring {
  const made = MeshKeyring.create(4, seed, epoch);
  if (!made.ok) throw new Error(`keyring: code ${made.code}`);
  return made.value;
}

function sealerOf(ring: MeshKeyring, id: number, counter: number): LinkSealer {
  const sealer = LinkSealer.create(ring.provider, new VolatileCounterSource(counter), id);
  const keys = ring.keysFor(id);
  if (!sealer.ok || keys === undefined) throw new Error("sealer");
  sealer.value.setKeys(keys);
  return sealer.value;
}

function sealFrom(ring: MeshKeyring, counter: number): Uint8Array {
  const sealer = sealerOf(ring, SENDER, counter);
  const h = new LinkHeader();
  h.type = FrameType.Broadcast;
  h.trafficClass = LinkClass.Telemetry;
  h.hopLimit = 0;
  const frame = new Uint8Array(64);
  const plain = new Uint8Array(8).fill(0x42);
  const length = sealer.sealAt(h, plain, 0, plain.length, frame);
  if (length < 0) throw new Error(`seal: ${-length}`);
  return frame.slice(0, length);
}

/** The frames: genuine (epoch 1), wrong epoch (5), forged (epoch 1, tag flipped), outsider (other secret, epoch 1), aliased (9). */
export function epochFrames(): Record<string, Uint8Array> {
  const genuine = sealFrom(ringAt(RECEIVER_EPOCH), 100);
  const forged = sealFrom(ringAt(RECEIVER_EPOCH), 101);
  forged[forged.length - 1] = (forged[forged.length - 1] ?? 0) ^ 1;
  return {
    genuine,
    wrongEpoch: sealFrom(ringAt(SENDER_EPOCH), 102),
    forged,
    outsider: sealFrom(ringAt(RECEIVER_EPOCH, 0xbad), 103),
    aliased: sealFrom(ringAt(ALIASED_EPOCH), 104),
  };
}

/** The transport's receive path for one frame: key check, hop tag, then the destination's open. */
export function receive(opener: LinkOpener, frame: Uint8Array, h: LinkHeader, out: Uint8Array): number {
  const keyed = opener.keyCheck(h);
  if (keyed !== 0) return -keyed;
  const hop = opener.verifyHop(frame, frame.length);
  if (hop !== 0) return -hop;
  return opener.open(frame, frame.length, h, out);
}

export function epochVectors(): EpochVectors {
  const frames = epochFrames();
  const receiverRing = ringAt(RECEIVER_EPOCH);
  const replay = ReplayTable.create({ capacity: 8, windowBits: 64 });
  if (!replay.ok) throw new Error("replay");
  const opener = new LinkOpener(receiverRing.provider, sealerOf(receiverRing, RECEIVER, 1), replay.value);
  const opens: Record<string, number> = {};
  const h = new LinkHeader();
  const out = new Uint8Array(64);
  // The genuine frame last, so every refusal before it is seen to leave the replay table empty.
  for (const name of ["wrongEpoch", "forged", "outsider", "aliased", "genuine"]) {
    const frame = frames[name] ?? new Uint8Array(0);
    const parsed = parseLinkHeader(frame, frame.length, h);
    opens[name] = parsed === 0 ? receive(opener, frame, h, out) : -parsed;
    if (name === "aliased") opens["replaySizeBeforeGenuine"] = replay.value.size;
  }
  const keys = receiverRing.keysFor(RECEIVER);
  if (keys === undefined) throw new Error("keys");
  const node = makeNode(RECEIVER, { extra: { provider: receiverRing.provider, keys } });
  let t = 1;
  for (const name of ["wrongEpoch", "forged", "outsider", "aliased", "genuine"]) {
    node.radio.hear(frames[name] ?? new Uint8Array(0));
    step(node, t++);
  }
  const c = node.transport.counters;
  return {
    opens,
    replaySize: replay.value.size,
    counters: {
      dropWrongEpoch: c.get(MeshCounter.dropWrongEpoch),
      dropForged: c.get(MeshCounter.dropForged),
      dropHopForged: c.get(MeshCounter.dropHopForged),
      dropUnknownKey: c.get(MeshCounter.dropUnknownKey),
      framesAccepted: c.get(MeshCounter.framesAccepted),
    },
    delivered: node.delivered.length,
  };
}
