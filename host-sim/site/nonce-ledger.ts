/**
 * The site's record of every ChaCha20 nonce that went on the air, for the
 * `site-nonce-unique` invariant (site.ts): no nonce is used twice under one
 * key. Two frames encrypted under the same key and nonce leak the XOR of
 * their plaintexts (RFC 8439 §4; RFC 8613 §7.5 requires a sender never to
 * reuse a sequence number under a key). The nonce is (source, counter)
 * (core/mesh/link-seal.ts), so the ledger holds (source, counter) unique
 * whichever secret keyed the frame: stronger than per key.
 *
 * What it sees: every frame a board's radio transmits, as the site node's air
 * port receives it (SiteNode.broadcast, the SimAirPort the board's SimRadio
 * transmits through). Nothing in the board's object graph is wrapped.
 *
 * What it checks: the link header (core/mesh/link-header.ts) names the key
 * (source id and key phase; a simulated site runs one key epoch, so the phase
 * names the epoch) and the counter the nonce is derived from. A relay
 * forwards the origin's frame unchanged except the hop fields and the hop
 * tag, so one (key, counter) legitimately goes on the air many times, always
 * with the same ciphertext and end-to-end tag. The same (key, counter) with
 * a DIFFERENT ciphertext or end-to-end tag is a reuse. Per (key, counter)
 * the ledger keeps a 64-bit hash of ciphertext || end-to-end tag (two
 * FNV-1a lanes) and its length, with the board
 * and event that first transmitted it; the first reuse is kept with both
 * events for the invariant's message.
 *
 * Bounded: at most `capacity` distinct (key, counter) entries per site
 * (default 2^20, far above what a site of the simulator's size puts on the
 * air in a run); a run that would need more fails the invariant rather than
 * forgetting what it saw. Host code (Maps, objects); platform neutral.
 */
import { HOP_TAG_BYTES, LinkHeader, parseLinkHeader } from "../../core/mesh/link-header";
import { ErrorCode } from "../../core/runtime/errors";
import { SIM_AIR_PREFIX_BYTES, SimAirFlag } from "../../hal/sim/radio";

export const NONCE_LEDGER_DEFAULT_CAPACITY = 1 << 20;

/** Which event the kernel is processing (the kernel's SimEventView has this shape). */
export interface LedgerEventSource {
  readonly index: number;
  readonly timeMs: number;
}

interface NonceUse {
  readonly lo: number;
  readonly hi: number;
  readonly sealedBytes: number;
  readonly board: number;
  readonly eventIndex: number;
  readonly timeMs: number;
}

export class NonceLedger {
  readonly capacity: number;
  /** Key (source << 1 | key phase) -> counter -> first use. */
  readonly #keys = new Map<number, Map<number, NonceUse>>();
  readonly #header = new LinkHeader();
  #entries = 0;
  #frames = 0;
  #repeats = 0;
  #unparsed = 0;
  #reuses = 0;
  #violation: string | undefined = undefined;
  #events: LedgerEventSource | undefined = undefined;

  constructor(capacity = NONCE_LEDGER_DEFAULT_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`nonce ledger capacity must be a positive integer (got ${capacity})`);
    this.capacity = capacity;
  }

  /** Where the current event's index and time come from (set once the kernel exists). */
  attachEvents(events: LedgerEventSource): void {
    this.#events = events;
  }

  /** Frames recorded (every radio transmission with a well-formed link header). */
  get framesRecorded(): number {
    return this.#frames;
  }
  /** Transmissions of a (key, counter) already seen with the same ciphertext and tag (relays, hop retransmissions). */
  get sameFrameRepeats(): number {
    return this.#repeats;
  }
  /** Transmissions whose link header did not parse (counted; nothing to check). */
  get unparsed(): number {
    return this.#unparsed;
  }
  /** (key, counter) pairs seen so far. */
  get entries(): number {
    return this.#entries;
  }
  /** Transmissions that reused a nonce with a different ciphertext or tag. */
  get reuses(): number {
    return this.#reuses;
  }
  /** The highest counter seen on the air under (source node id, key phase), or -1. */
  highestCounter(source: number, keyPhase: number): number {
    const counters = this.#keys.get(source * 8 + (keyPhase & 7));
    let highest = -1;
    if (counters !== undefined) for (const counter of counters.keys()) if (counter > highest) highest = counter;
    return highest;
  }
  /** The first reuse (or the ledger running out of room), else undefined. */
  get violation(): string | undefined {
    return this.#violation;
  }

  /**
   * Board `board` handed `air[0 .. airBytes)` to its air port: a flag byte,
   * then the frame (hal/sim/radio.ts). Injected side-channel batches (test
   * attackers) are not the board's radio and are skipped.
   */
  recordAir(board: number, air: Uint8Array, airBytes: number): void {
    if (airBytes < SIM_AIR_PREFIX_BYTES || air[0] !== SimAirFlag.Radio) return;
    const frameBytes = airBytes - SIM_AIR_PREFIX_BYTES;
    const frame = air.subarray(SIM_AIR_PREFIX_BYTES, airBytes);
    const h = this.#header;
    if (parseLinkHeader(frame, frameBytes, h) !== ErrorCode.Ok) {
      this.#unparsed++;
      return;
    }
    this.#frames++;
    const keyId = h.source * 8 + (h.keyPhase & 7);
    let counters = this.#keys.get(keyId);
    if (counters === undefined) {
      counters = new Map<number, NonceUse>();
      this.#keys.set(keyId, counters);
    }
    // Ciphertext || end-to-end tag: everything after the header but the hop tag, which each hop stamps anew.
    let lo = 0x811c9dc5;
    let hi = 0xcbf29ce4;
    for (let i = h.headerBytes; i < frameBytes - HOP_TAG_BYTES; i++) {
      const byte = frame[i] ?? 0;
      lo = Math.imul(lo ^ byte, 0x01000193) >>> 0;
      hi = Math.imul(hi ^ (byte ^ 0xa5), 0x01000193) >>> 0;
    }
    const sealedBytes = frameBytes - h.headerBytes;
    const events = this.#events;
    const eventIndex = events?.index ?? -1;
    const timeMs = events?.timeMs ?? 0;
    const first = counters.get(h.counter);
    if (first === undefined) {
      if (this.#entries >= this.capacity) {
        this.#violation ??= `the nonce ledger is full (${this.capacity} (key, counter) entries); the run cannot be checked further`;
        return;
      }
      counters.set(h.counter, { lo, hi, sealedBytes, board, eventIndex, timeMs });
      this.#entries++;
      return;
    }
    if (first.lo === lo && first.hi === hi && first.sealedBytes === sealedBytes) {
      this.#repeats++;
      return;
    }
    this.#reuses++;
    this.#violation ??=
      `nonce reused: counter ${h.counter} of node ${h.source} (board ${h.source - 1}) under key phase ${h.keyPhase} sealed two different frames ` +
      `(${first.sealedBytes} and ${sealedBytes} sealed bytes, tag+ciphertext hashes ${hex(first.hi, first.lo)} and ${hex(hi, lo)}): ` +
      `first sent by board ${first.board} at event ${first.eventIndex} (t = ${first.timeMs} ms), again by board ${board} at event ${eventIndex} (t = ${timeMs} ms)`;
  }
}

function hex(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, "0") + lo.toString(16).padStart(8, "0");
}
