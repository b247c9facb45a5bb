/**
 * A captured board against split-tag frames (core/mesh/link-auth.ts) and the
 * site key hierarchy (core/crypto/site-keys.ts), README "Link security".
 * A site of boards 1..6: board 1 is the gateway, 3 a relay, 5 an honest
 * sensor, 6 captured (the attacker holds exactly its provisioning record).
 * Every board has its own provider holding only its own record's secrets.
 * Run on V8 (test/unit/link-auth.test.ts) and XS (test/xs/mesh.test.ts).
 * Platform neutral: no Node, no vitest.
 */
import { CoseAlg, KemAlg, KeyKind, NobleCryptoProvider, ReplayTable, type KeyHandle } from "../../core/crypto/index";
import { Channel, deriveTrafficKey } from "../../core/crypto/traffic-derive";
import { boardKeyMaterial, deriveBoardSecretKey, deriveSiteTagKey, SITE_SECRET_BYTES, SiteKeyDeriver, TagKeyUse, type BoardKeyMaterial } from "../../core/crypto/site-keys";
import { ErrorCode } from "../../core/runtime/errors";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, parseLinkHeader, rewriteHopFields } from "../../core/mesh/index";
import { LinkAuthScratch, openEndToEnd, sealSplit, stampHop, verifyHop, type EndToEndKeys } from "../../core/mesh/link-auth";
import { SeededEntropy } from "../../hal/sim/entropy";

export const SITE_GROUP = 7;
export const SITE_EPOCH = 3;
export const SITE_BOARDS = 6;
export const FLOOD_RECEIVER = 0xffff;
export const GATEWAY = 1;
const RELAY = 3;
const HONEST = 5;
const CAPTURED = 6;

export function siteAuthority(): Uint8Array {
  return Uint8Array.from({ length: SITE_SECRET_BYTES }, (_, i) => (i * 37 + 11) & 0xff);
}

function must<T>(r: { ok: true; value: T } | { ok: false; code: number }, what: string): T {
  if (!r.ok) throw new Error(`${what}: code ${r.code}`);
  return r.value;
}

/** One board: its own provider, holding only what its provisioning record carries. */
export class SiteBoard {
  readonly id: number;
  readonly provider: NobleCryptoProvider;
  readonly material: BoardKeyMaterial;
  readonly #board: KeyHandle;
  readonly #flood: KeyHandle;
  readonly #pairs = new Map<number, KeyHandle>();
  /** Derived keys by what they were derived from (each derivation takes a key-store slot). */
  readonly #derived = new Map<string, KeyHandle>();
  readonly #e2e = new Map<string, EndToEndKeys>();
  /** The gateway's R_e2e (gateways only). */
  readonly #e2eRoot: KeyHandle | undefined;

  readonly boardCount: number;

  constructor(id: number, e2eRoot?: Uint8Array, boardCount = SITE_BOARDS) {
    this.id = id;
    this.boardCount = boardCount;
    this.provider = must(
      NobleCryptoProvider.create(new SeededEntropy(id), { symmetricSlots: 160 + boardCount, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }),
      "provider",
    );
    this.material = must(boardKeyMaterial(siteAuthority(), SITE_GROUP, SITE_EPOCH, id, boardCount), "material");
    this.#board = this.import(this.material.boardSecret);
    this.#flood = this.import(this.material.floodSecret);
    this.#e2eRoot = e2eRoot === undefined ? undefined : this.import(e2eRoot);
  }

  import(secret: Uint8Array): KeyHandle {
    return must(this.provider.importSymmetricKey(KeyKind.Secret, secret), "import");
  }

  /** Every secret this board holds (what an attacker who captured it has). */
  heldSecrets(): KeyHandle[] {
    const out = [this.#board, this.#flood];
    for (let peer = 1; peer <= this.boardCount; peer++) if (peer !== this.id) out.push(this.pair(peer));
    return out;
  }

  pair(peer: number): KeyHandle {
    let handle = this.#pairs.get(peer);
    if (handle === undefined) {
      handle = this.import(this.material.pairSecrets.subarray((peer - 1) * SITE_SECRET_BYTES, peer * SITE_SECRET_BYTES));
      this.#pairs.set(peer, handle);
    }
    return handle;
  }

  /** End-to-end keys of origin `origin` derived from `secret` (its board secret, when the holder has it). */
  e2eFrom(secret: KeyHandle, origin: number): EndToEndKeys {
    const name = `${secret}:${origin}`;
    const known = this.#e2e.get(name);
    if (known !== undefined) return known;
    const cipher = must(deriveTrafficKey(this.provider, secret, new Uint8Array(0), { channel: Channel.EndToEnd, epoch: SITE_EPOCH, senderId: origin, receiverId: 0, groupId: SITE_GROUP }), "cipher");
    const tag = must(deriveSiteTagKey(this.provider, secret, TagKeyUse.EndToEnd, SITE_GROUP, SITE_EPOCH, origin, 0), "tag");
    const keys = { cipher, tag };
    this.#e2e.set(name, keys);
    return keys;
  }

  /** This board's own end-to-end keys. */
  ownE2e(): EndToEndKeys {
    return this.e2eFrom(this.#board, this.id);
  }

  /** A gateway's keys for origin `origin`, derived on demand from R_e2e. */
  gatewayE2e(origin: number): EndToEndKeys {
    if (this.#e2eRoot === undefined) throw new Error("not a gateway");
    const name = `root:${origin}`;
    const known = this.#e2e.get(name);
    if (known !== undefined) return known;
    const keys = this.e2eFrom(must(deriveBoardSecretKey(this.provider, this.#e2eRoot, SITE_GROUP, SITE_EPOCH, origin), "board secret"), origin);
    this.#e2e.set(name, keys);
    return keys;
  }

  /** Hop tag key from `secret` for boards a and b, or (b = FLOOD_RECEIVER) the flood key. */
  hopFrom(secret: KeyHandle, a: number, b: number): KeyHandle {
    const flood = b === FLOOD_RECEIVER;
    const name = flood ? `${secret}:flood` : `${secret}:${a}:${b}`;
    let key = this.#derived.get(name);
    if (key === undefined) {
      key = must(deriveSiteTagKey(this.provider, secret, flood ? TagKeyUse.Flood : TagKeyUse.Hop, SITE_GROUP, SITE_EPOCH, flood ? 0 : a, flood ? 0 : b), "hop key");
      this.#derived.set(name, key);
    }
    return key;
  }

  /** The key this board checks a routed hop from `transmitter` with. */
  hopKeyFrom(transmitter: number): KeyHandle {
    return this.hopFrom(this.pair(transmitter), transmitter, this.id);
  }

  hopKeyTo(receiver: number): KeyHandle {
    return this.hopFrom(this.pair(receiver), this.id, receiver);
  }

  floodKey(): KeyHandle {
    return this.hopFrom(this.#flood, 0, FLOOD_RECEIVER);
  }
}

export interface SplitTagReport {
  /** The honest path 5 -> 3 -> 1: hop checks at 3 and 1, e2e open at 1 (payload bytes). */
  readonly genuineOpened: number;
  readonly genuinePayloadMatches: boolean;
  /** Frames the captured board sealed claiming origin 5, one per (e2e secret, hop secret) it holds. */
  readonly forgeryAttempts: number;
  /** Of them, routed to relay 3 as if sent by 5: hop tags accepted by 3. */
  readonly relayHopAccepted: number;
  /** Of them, heard by the gateway: e2e tags accepted (attributed to origin 5). */
  readonly gatewayAccepted: number;
  /** Flooded as if transmitted by 5: hop tags accepted by 3 (the flood residual: F is site-wide). */
  readonly floodHopAcceptedResidual: number;
  /** The captured board relaying a forged origin-5 frame as itself: the gateway's hop check (it is board 6's hop) and e2e check. */
  readonly capturedRelayHopAccepted: number;
  readonly capturedRelayE2eAccepted: number;
  /** Replay entries at the gateway after every forgery, the far-ahead counters included. */
  readonly gatewayReplayAfterForgeries: number;
  /** The honest sender's next frame (counter 11) after forged counters near 2^32: opened. */
  readonly honestAfterFarAhead: number;
  /** The gateway's frame to board 5 (sealed under 5's keys, source 1): opened by 5. */
  readonly downOpened: number;
  /** The captured board sealing to 5 as the gateway, under every secret it holds: opened by 5. */
  readonly downForgedAccepted: number;
  /** A flipped bit in each region: hop tag only, e2e tag (hop re-stamped by a relay that could not know), ciphertext. */
  readonly tamper: Readonly<Record<string, number>>;
}

export function header(type: FrameType, source: number, destination: number, counter: number, nextHop: number): LinkHeader {
  const h = new LinkHeader();
  h.type = type;
  h.trafficClass = LinkClass.Alert;
  h.hopLimit = 3;
  h.hopsTaken = 0;
  h.routed = nextHop !== 0;
  h.source = source;
  h.destination = destination;
  h.counter = counter;
  h.linkHint = nextHop !== 0 ? nextHop & 0xff : source & 0xff;
  h.relayHint = source & 0xff;
  h.keyPhase = SITE_EPOCH & 7;
  return h;
}

const PAYLOAD = Uint8Array.from({ length: 20 }, (_, i) => 0xa0 + i);

/** R_e2e of the test site: what a gateway holds. */
export function siteEndToEndRoot(): Uint8Array {
  const e2eRoot = new Uint8Array(SITE_SECRET_BYTES);
  if (new SiteKeyDeriver().endToEndRoot(siteAuthority(), SITE_GROUP, SITE_EPOCH, e2eRoot) !== ErrorCode.Ok) throw new Error("root");
  return e2eRoot;
}

export function runSplitTagScenario(): SplitTagReport {
  const e2eRoot = siteEndToEndRoot();
  const gateway = new SiteBoard(GATEWAY, e2eRoot);
  const relay = new SiteBoard(RELAY);
  const honest = new SiteBoard(HONEST);
  const captured = new SiteBoard(CAPTURED);
  const s = new LinkAuthScratch();
  const replay = must(ReplayTable.create({ capacity: 8, windowBits: 64 }), "replay");
  const frame = new Uint8Array(128);
  const out = new Uint8Array(128);
  const parsed = new LinkHeader();
  const gwE2eHonest = gateway.gatewayE2e(HONEST);

  /** 5 -> 3 -> 1: returns the opened length at the gateway (or a negated code). */
  const deliver = (counter: number): number => {
    const length = sealSplit(honest.provider, header(FrameType.Unicast, HONEST, GATEWAY, counter, RELAY), PAYLOAD, honest.ownE2e(), honest.hopKeyTo(RELAY), RELAY, frame, s);
    if (length < 0) return length;
    if (parseLinkHeader(frame, length, parsed) !== ErrorCode.Ok) return -ErrorCode.MeshUnknownType;
    if (verifyHop(relay.provider, frame, length, relay.hopKeyFrom(HONEST), HONEST, RELAY, s) !== ErrorCode.Ok) return -ErrorCode.CryptoAuthFailed;
    rewriteHopFields(frame, parsed.headerBytes, 1, true, GATEWAY, RELAY);
    if (stampHop(relay.provider, frame, length, relay.hopKeyTo(GATEWAY), RELAY, GATEWAY, s) !== ErrorCode.Ok) return -ErrorCode.CryptoAuthFailed;
    parseLinkHeader(frame, length, parsed);
    if (verifyHop(gateway.provider, frame, length, gateway.hopKeyFrom(parsed.relayHint), parsed.relayHint, GATEWAY, s) !== ErrorCode.Ok) return -ErrorCode.CryptoAuthFailed;
    return openEndToEnd(gateway.provider, frame, length, parsed, gwE2eHonest, replay, out, s);
  };

  const genuineOpened = deliver(10);
  let genuinePayloadMatches = genuineOpened === PAYLOAD.length;
  for (let i = 0; i < PAYLOAD.length; i++) if (out[i] !== PAYLOAD[i]) genuinePayloadMatches = false;
  const replayAfterGenuine = replay.size;

  // The captured board seals as origin 5 under every secret it holds, as e2e and as hop secret, with counters near 2^32.
  const held = captured.heldSecrets();
  let attempts = 0;
  let relayHopAccepted = 0;
  let gatewayAccepted = 0;
  let floodHopAccepted = 0;
  let capturedRelayHop = 0;
  let capturedRelayE2e = 0;
  for (let e = 0; e < held.length; e++) {
    const fakeE2e = captured.e2eFrom(held[e] as KeyHandle, HONEST);
    for (let k = 0; k < held.length; k++) {
      const counter = 0xffff_fff0 + ((e * held.length + k) % 15);
      attempts++;
      // Routed to the relay, as if 5 sent it (hops taken 0: the transmitter is the source).
      let length = sealSplit(captured.provider, header(FrameType.Unicast, HONEST, GATEWAY, counter, RELAY), PAYLOAD, fakeE2e, captured.hopFrom(held[k] as KeyHandle, HONEST, RELAY), RELAY, frame, s);
      parseLinkHeader(frame, length, parsed);
      if (verifyHop(relay.provider, frame, length, relay.hopKeyFrom(HONEST), HONEST, RELAY, s) === ErrorCode.Ok) relayHopAccepted++;
      if (openEndToEnd(gateway.provider, frame, length, parsed, gwE2eHonest, replay, out, s) > 0) gatewayAccepted++;
      // Flooded, as if 5 transmitted it.
      length = sealSplit(captured.provider, header(FrameType.Broadcast, HONEST, BROADCAST_NODE_ID, counter, 0), PAYLOAD, fakeE2e, captured.hopFrom(held[k] as KeyHandle, HONEST, FLOOD_RECEIVER), FLOOD_RECEIVER, frame, s);
      parseLinkHeader(frame, length, parsed);
      if (verifyHop(relay.provider, frame, length, relay.floodKey(), HONEST, FLOOD_RECEIVER, s) === ErrorCode.Ok) floodHopAccepted++;
      if (openEndToEnd(gateway.provider, frame, length, parsed, gwE2eHonest, replay, out, s) > 0) gatewayAccepted++;
      // Relayed by the captured board as itself (its own hop to the gateway is genuine), claiming origin 5.
      length = sealSplit(captured.provider, header(FrameType.Unicast, HONEST, GATEWAY, counter, GATEWAY), PAYLOAD, fakeE2e, captured.hopKeyTo(GATEWAY), GATEWAY, frame, s);
      rewriteHopFields(frame, length - 16 - PAYLOAD.length, 1, true, GATEWAY, CAPTURED);
      stampHop(captured.provider, frame, length, captured.hopKeyTo(GATEWAY), CAPTURED, GATEWAY, s);
      parseLinkHeader(frame, length, parsed);
      if (verifyHop(gateway.provider, frame, length, gateway.hopKeyFrom(parsed.relayHint), parsed.relayHint, GATEWAY, s) === ErrorCode.Ok) capturedRelayHop++;
      if (openEndToEnd(gateway.provider, frame, length, parsed, gwE2eHonest, replay, out, s) > 0) capturedRelayE2e++;
    }
  }
  const gatewayReplayAfterForgeries = replay.size - replayAfterGenuine;
  const honestAfterFarAhead = deliver(11);

  // Tampering: one bit in each region of an honest frame at the gateway's hop check / e2e check.
  const tamper: Record<string, number> = {};
  const tamperAt = (name: string, flip: (length: number, headerBytes: number) => number, restamp: boolean): void => {
    const length = sealSplit(honest.provider, header(FrameType.Unicast, HONEST, GATEWAY, 20 + Object.keys(tamper).length, GATEWAY), PAYLOAD, honest.ownE2e(), honest.hopKeyTo(GATEWAY), GATEWAY, frame, s);
    parseLinkHeader(frame, length, parsed);
    const at = flip(length, parsed.headerBytes);
    frame[at] = (frame[at] ?? 0) ^ 1;
    if (restamp) stampHop(honest.provider, frame, length, honest.hopKeyTo(GATEWAY), HONEST, GATEWAY, s);
    parseLinkHeader(frame, length, parsed);
    const hop = verifyHop(gateway.provider, frame, length, gateway.hopKeyFrom(HONEST), HONEST, GATEWAY, s);
    tamper[name] = hop !== ErrorCode.Ok ? -hop : openEndToEnd(gateway.provider, frame, length, parsed, gwE2eHonest, replay, out, s);
  };
  tamperAt("hopTag", (length) => length - 1, false);
  tamperAt("hopFields", () => 1, false);
  tamperAt("e2eTagRestamped", (length) => length - 9, true);
  tamperAt("ciphertextRestamped", (_length, headerBytes) => headerBytes + 3, true);
  tamperAt("counterRestamped", (_length, headerBytes) => headerBytes - 3, true);
  // Reflection: an honest 5 -> 1 hop tag checked as if 1 had sent it to 5 (same pair key, other direction).
  {
    const length = sealSplit(honest.provider, header(FrameType.Unicast, HONEST, GATEWAY, 40, GATEWAY), PAYLOAD, honest.ownE2e(), honest.hopKeyTo(GATEWAY), GATEWAY, frame, s);
    const forward = verifyHop(gateway.provider, frame, length, gateway.hopKeyFrom(HONEST), HONEST, GATEWAY, s);
    const reflected = verifyHop(honest.provider, frame, length, honest.hopKeyFrom(GATEWAY), GATEWAY, HONEST, s);
    tamper["reflectedForwardOk"] = forward === ErrorCode.Ok ? 1 : -forward;
    tamper["reflected"] = -reflected;
  }

  // Downlink: the gateway seals to board 5 under 5's keys; the captured board tries the same with every secret it holds.
  const boardReplay = must(ReplayTable.create({ capacity: 4, windowBits: 64 }), "board replay");
  let length = sealSplit(gateway.provider, header(FrameType.Unicast, GATEWAY, HONEST, 1, HONEST), PAYLOAD, gwE2eHonest, gateway.hopKeyTo(HONEST), HONEST, frame, s);
  parseLinkHeader(frame, length, parsed);
  const downHop = verifyHop(honest.provider, frame, length, honest.hopKeyFrom(GATEWAY), GATEWAY, HONEST, s);
  const downOpened = downHop === ErrorCode.Ok ? openEndToEnd(honest.provider, frame, length, parsed, honest.ownE2e(), boardReplay, out, s) : -downHop;
  let downForgedAccepted = 0;
  for (let e = 0; e < held.length; e++) {
    length = sealSplit(captured.provider, header(FrameType.Unicast, GATEWAY, HONEST, 2 + e, HONEST), PAYLOAD, captured.e2eFrom(held[e] as KeyHandle, HONEST), captured.hopKeyTo(HONEST), HONEST, frame, s);
    parseLinkHeader(frame, length, parsed);
    if (openEndToEnd(honest.provider, frame, length, parsed, honest.ownE2e(), boardReplay, out, s) > 0) downForgedAccepted++;
  }

  return {
    genuineOpened,
    downOpened,
    downForgedAccepted,
    genuinePayloadMatches,
    forgeryAttempts: attempts,
    relayHopAccepted,
    gatewayAccepted,
    floodHopAcceptedResidual: floodHopAccepted,
    capturedRelayHopAccepted: capturedRelayHop,
    capturedRelayE2eAccepted: capturedRelayE2e,
    gatewayReplayAfterForgeries,
    honestAfterFarAhead,
    tamper,
  };
}

/** Split-tag work per frame, for the XS cost record: an origin's seal, a relay's hop check + re-stamp, a gateway's hop check + open. */
export interface SplitTagCostOps {
  readonly frames: number;
  seal(): void;
  relay(): void;
  open(): void;
}

export function splitTagCostOps(frames: number): SplitTagCostOps {
  const gateway = new SiteBoard(GATEWAY, siteEndToEndRoot());
  const relay = new SiteBoard(RELAY);
  const honest = new SiteBoard(HONEST);
  const s = new LinkAuthScratch();
  const replay = must(ReplayTable.create({ capacity: 4, windowBits: 64 }), "replay");
  const payload = new Uint8Array(24).fill(0x33);
  const out = new Uint8Array(64);
  const parsed = new LinkHeader();
  const e2e = honest.ownE2e();
  const gwE2e = gateway.gatewayE2e(HONEST);
  const toRelay = honest.hopKeyTo(RELAY);
  const relayIn = relay.hopKeyFrom(HONEST);
  const relayOut = relay.hopKeyTo(GATEWAY);
  const gatewayIn = gateway.hopKeyFrom(RELAY);
  const sealed: Uint8Array[] = [];
  const lengths: number[] = [];
  for (let i = 0; i < frames; i++) {
    const frame = new Uint8Array(64);
    lengths.push(sealSplit(honest.provider, header(FrameType.Unicast, HONEST, GATEWAY, 100 + i, RELAY), payload, e2e, toRelay, RELAY, frame, s));
    sealed.push(frame);
  }
  const scratchFrame = new Uint8Array(64);
  const h = header(FrameType.Unicast, HONEST, GATEWAY, 1, RELAY);
  return {
    frames,
    seal: () => {
      for (let i = 0; i < frames; i++) sealSplit(honest.provider, h, payload, e2e, toRelay, RELAY, scratchFrame, s);
    },
    relay: () => {
      for (let i = 0; i < frames; i++) {
        const frame = sealed[i] as Uint8Array;
        const length = lengths[i] ?? 0;
        verifyHop(relay.provider, frame, length, relayIn, HONEST, RELAY, s);
        rewriteHopFields(frame, length - 16 - payload.length, 1, true, GATEWAY, RELAY);
        stampHop(relay.provider, frame, length, relayOut, RELAY, GATEWAY, s);
      }
    },
    open: () => {
      for (let i = 0; i < frames; i++) {
        const frame = sealed[i] as Uint8Array;
        const length = lengths[i] ?? 0;
        parseLinkHeader(frame, length, parsed);
        verifyHop(gateway.provider, frame, length, gatewayIn, RELAY, GATEWAY, s);
        openEndToEnd(gateway.provider, frame, length, parsed, gwE2e, replay, out, s);
      }
    },
  };
}
