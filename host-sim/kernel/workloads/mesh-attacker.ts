/**
 * An attacker inside the simulated mesh (README "Mesh transport").
 *
 * On the air (real airtime, collisions) it:
 *  - forges: a captured frame with one bit flipped outside the hop fields;
 *  - replays: the oldest captured frame again, unchanged;
 *  - tampers: a captured frame with rewritten hop fields (legal for relays:
 *    it must be treated as the same frame, not a new one);
 *  - spoofs: a frame claiming another node as source, with a fake counter.
 * On the injected side channel (no airtime: the CPU and memory attack, not
 * RF jamming) it floods: batches of spoofed frames with distinct fake
 * counters, and, as an insider holding its own valid key, validly sealed
 * first fragments of ever-new message ids.
 * Its application can also send `sendFactor` times its normal rate.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import type { CounterSource } from "../../../core/crypto/counter-source";
import { FRAGMENT_HEADER_BYTES, FragmentHeader, writeFragmentHeader } from "../../../core/mesh/fragment-header";
import { FrameType, hasDestination, LinkClass, LinkHeader, parseLinkHeader, rewriteHopFields, writeLinkHeader } from "../../../core/mesh/link-header";
import { LinkSealer } from "../../../core/mesh/link-seal";
import type { MeshObserver } from "../../../core/mesh/transport";
import { SIM_AIR_PREFIX_BYTES, type SimRadio } from "../../../hal/sim/radio";
import type { SimContext } from "../node";
import type { MeshWorkloadOptions } from "./mesh";

export interface MeshAttackSpec {
  /** Kernel index of the attacking node. */
  readonly node: number;
  readonly startMs: number;
  readonly everyMs: number;
  readonly forge: boolean;
  readonly replay: boolean;
  readonly tamper: boolean;
  readonly spoof: boolean;
  /** Total frames to inject on the side channel (0 = no flood). */
  readonly injectFrames: number;
  /** Frames per injected batch (one kernel message). */
  readonly injectBatch: number;
  /** Application send rate multiplier (1 = normal). */
  readonly sendFactor: number;
}

const CAPTURE_SLOTS = 32;
const FRAME_MAX = 255;

export class MeshAttacker {
  readonly sendFactor: number;
  readonly #spec: MeshAttackSpec;
  readonly #meshId: number;
  readonly #nodeCount: number;
  readonly #captured = new Uint8Array(CAPTURE_SLOTS * FRAME_MAX);
  readonly #capturedLengths = new Uint16Array(CAPTURE_SLOTS);
  readonly #frame = new Uint8Array(FRAME_MAX);
  readonly #plain = new Uint8Array(FRAME_MAX);
  readonly #batch: Uint8Array;
  readonly #header = new LinkHeader();
  readonly #fragment = new FragmentHeader();
  readonly #sealer: LinkSealer | undefined;
  readonly #observer: MeshObserver;
  #capturedCount = 0;
  #injected = 0;
  #fakeCounter = 0x20_0000;
  #messageId = 0x8000;
  /** Actions taken, by kind (for tests). */
  readonly actions = { forged: 0, replayed: 0, tampered: 0, spoofed: 0, injected: 0 };

  constructor(spec: MeshAttackSpec, meshId: number, options: MeshWorkloadOptions, counters: CounterSource, observer: MeshObserver) {
    this.#spec = spec;
    // A test plan's knob (test/core/mesh/plan.ts), not site configuration: below 1 means the normal rate.
    this.sendFactor = Math.max(1, spec.sendFactor);
    this.#meshId = meshId;
    this.#nodeCount = options.scenario.nodeCount;
    this.#observer = observer;
    this.#batch = new Uint8Array(SIM_AIR_PREFIX_BYTES + 1 + spec.injectBatch * (FRAME_MAX + 1));
    const sealer = LinkSealer.create(options.keyring.provider, counters, meshId);
    const keys = options.keyring.keysFor(meshId);
    this.#sealer = sealer.ok ? sealer.value : undefined;
    if (this.#sealer !== undefined && keys !== undefined) this.#sealer.setKeys(keys);
  }

  firstDelayMs(): number {
    return Math.max(1, this.#spec.startMs);
  }

  /** Keep a raw frame heard on the air (kernel message: flag byte, then the frame). */
  capture(bytes: Uint8Array, lengthBytes: number): void {
    const frameBytes = lengthBytes - SIM_AIR_PREFIX_BYTES;
    if (bytes[0] !== 0 || frameBytes < 1 || frameBytes > FRAME_MAX) return;
    const slot = this.#capturedCount % CAPTURE_SLOTS;
    for (let i = 0; i < frameBytes; i++) this.#captured[slot * FRAME_MAX + i] = bytes[SIM_AIR_PREFIX_BYTES + i] ?? 0;
    this.#capturedLengths[slot] = frameBytes;
    this.#capturedCount++;
  }

  /** One round of attacks; returns the delay to the next round (0 = done). */
  act(ctx: SimContext, radio: SimRadio): number {
    const spec = this.#spec;
    const now = ctx.nowMs();
    if (!radio.isTransmitting(now)) this.onAir_(ctx, radio, now);
    if (spec.injectFrames > this.#injected) this.flood_(ctx, radio);
    return spec.everyMs;
  }

  private onAir_(ctx: SimContext, radio: SimRadio, now: number): void {
    const spec = this.#spec;
    const choices = (spec.forge ? 1 : 0) + (spec.replay ? 1 : 0) + (spec.tamper ? 1 : 0) + (spec.spoof ? 1 : 0);
    if (choices === 0) return;
    let pick = ctx.random.nextBelow(choices);
    const kinds = [spec.forge, spec.replay, spec.tamper, spec.spoof];
    let kind = 0;
    for (; kind < 4; kind++) {
      if (kinds[kind] !== true) continue;
      if (pick === 0) break;
      pick--;
    }
    if (kind === 3) {
      const length = this.spoofFrame_(ctx, this.#frame);
      if (radio.transmit(this.#frame, length, now) === ErrorCode.Ok) this.actions.spoofed++;
      return;
    }
    if (this.#capturedCount === 0) return;
    const newest = Math.min(this.#capturedCount, CAPTURE_SLOTS);
    // Replay the oldest kept frame (past most duplicate caches' reach); forge/tamper any.
    const slot = kind === 1 ? (this.#capturedCount >= CAPTURE_SLOTS ? this.#capturedCount % CAPTURE_SLOTS : 0) : ctx.random.nextBelow(newest);
    const length = this.#capturedLengths[slot] ?? 0;
    for (let i = 0; i < length; i++) this.#frame[i] = this.#captured[slot * FRAME_MAX + i] ?? 0;
    if (parseLinkHeader(this.#frame, length, this.#header) !== ErrorCode.Ok) return;
    if (kind === 0) {
      // Flip one bit anywhere the AEAD covers: header (hop fields aside), ciphertext or tag.
      const at = 2 + ctx.random.nextBelow(length - 2);
      const hints = hasDestination(this.#header.type) ? 2 : 1; // link hint (and relay hint): hop fields
      const index = at >= this.#header.headerBytes - hints && at < this.#header.headerBytes ? 0 : at;
      this.#frame[index] = (this.#frame[index] ?? 0) ^ (1 << ctx.random.nextBelow(index === 0 ? 3 : 8));
    } else if (kind === 2) {
      rewriteHopFields(this.#frame, this.#header.headerBytes, ctx.random.nextBelow(this.#header.hopLimit + 1), false, ctx.random.nextBelow(256));
    }
    if (radio.transmit(this.#frame, length, now) !== ErrorCode.Ok) return;
    if (kind === 0) this.actions.forged++;
    else if (kind === 1) this.actions.replayed++;
    else this.actions.tampered++;
  }

  /** A broadcast frame claiming another node, with a fake counter and random "ciphertext". */
  private spoofFrame_(ctx: SimContext, out: Uint8Array): number {
    const h = this.#header;
    let victim = 1 + ctx.random.nextBelow(this.#nodeCount);
    if (victim === this.#meshId) victim = victim === 1 ? 2 : victim - 1;
    h.type = FrameType.Broadcast;
    h.trafficClass = LinkClass.Telemetry;
    h.keyPhase = 0;
    h.hopLimit = 3;
    h.hopsTaken = 0;
    h.routed = false;
    h.source = victim;
    h.destination = 0xffff;
    h.counter = this.#fakeCounter;
    this.#fakeCounter = (this.#fakeCounter + 1 + ctx.random.nextBelow(7)) % 0xff_ffff;
    h.linkHint = victim & 0xff;
    const headerBytes = writeLinkHeader(h, out);
    const length = headerBytes + 16 + 12;
    for (let i = headerBytes; i < length; i++) out[i] = ctx.random.nextBelow(256);
    return length;
  }

  /** One injected batch: spoofed frames and insider first fragments, alternately. */
  private flood_(ctx: SimContext, radio: SimRadio): void {
    const spec = this.#spec;
    const batch = this.#batch;
    let at = SIM_AIR_PREFIX_BYTES + 1;
    let count = 0;
    for (; count < spec.injectBatch && this.#injected < spec.injectFrames; count++) {
      const length = (this.#injected & 1) === 0 ? this.spoofFrame_(ctx, this.#frame) : this.insiderFragment_(ctx);
      if (length <= 0) break;
      batch[at++] = length;
      for (let i = 0; i < length; i++) batch[at++] = this.#frame[i] ?? 0;
      this.#injected++;
    }
    if (count === 0) return;
    batch[SIM_AIR_PREFIX_BYTES] = count;
    if (radio.inject(batch, at) === ErrorCode.Ok) this.actions.injected += count;
  }

  /** A validly sealed first fragment of a message id never used before (it will never complete). */
  private insiderFragment_(ctx: SimContext): number {
    const sealer = this.#sealer;
    if (sealer === undefined) return -1;
    const f = this.#fragment;
    f.messageId = this.#messageId;
    this.#messageId = (this.#messageId + 1) & 0xffff;
    f.index = 0;
    f.count = 4;
    f.ackRequested = false;
    f.totalBytes = 64;
    writeFragmentHeader(f, this.#plain, 0);
    for (let i = 0; i < 16; i++) this.#plain[FRAGMENT_HEADER_BYTES + i] = ctx.random.nextBelow(256);
    const h = this.#header;
    h.type = FrameType.BroadcastFragment;
    h.trafficClass = LinkClass.Telemetry;
    h.hopLimit = 3;
    h.hopsTaken = 0;
    h.routed = false;
    h.destination = 0xffff;
    h.linkHint = this.#meshId & 0xff;
    const length = sealer.sealAt(h, this.#plain, 0, FRAGMENT_HEADER_BYTES + 16, this.#frame);
    if (length > 0) this.#observer.sealed(h.source, h.counter, this.#frame, length);
    return length;
  }
}
