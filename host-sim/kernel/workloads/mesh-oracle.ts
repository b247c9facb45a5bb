/**
 * Independent checkers for the mesh workload, consulted after every kernel
 * event (README "Mesh transport"):
 *
 *  - no forged or replayed frame is ever accepted: every frame a node
 *    accepts must be, byte for byte (hop fields aside), a frame its claimed
 *    source sealed, and no node accepts the same (source, counter) twice;
 *  - no duty-cycle budget is ever exceeded: from every transmission's start
 *    and airtime, the exact on-air time inside every sliding window that
 *    ends at a transmission's end (the maxima) is at most the budget;
 *  - every message reaches an application at most once (unicast: exactly
 *    once when delivered at all).
 *
 * They recompute from what the nodes report, never from transport state.
 * The first violation of each kind is kept as text; the invariants return it.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { hasDestination, HOP_TAG_BYTES, LINK_TYPE_SHIFT, LinkHeader, parseLinkHeader } from "../../../core/mesh/link-header";

const MUTABLE_BYTE1_MASK = 0x1e;

/**
 * FNV-1a of a frame with its hop fields zeroed and without its hop tag: what
 * the end-to-end tag authenticates, the ciphertext and that tag (link-seal.ts;
 * each hop stamps its own hop tag).
 */
function authenticatedHash(frame: Uint8Array, lengthBytes: number, headerBytes: number): number {
  // The link hint ends every header; unicast types also carry the relay hint after it (link-header.ts).
  const hints = hasDestination((frame[0] ?? 0) >>> LINK_TYPE_SHIFT) ? 2 : 1;
  let h = 0x811c9dc5;
  for (let i = 0; i < lengthBytes - HOP_TAG_BYTES; i++) {
    let byte = frame[i] ?? 0;
    if (i === 1) byte &= ~MUTABLE_BYTE1_MASK & 0xff;
    if (i >= headerBytes - hints && i < headerBytes) byte = 0;
    h = Math.imul(h ^ byte, 0x01000193);
  }
  return h >>> 0;
}

function pairKey(source: number, n: number): number {
  return source * 0x1_0000_0000 + n;
}

export class MeshOracle {
  forgeryViolation: string | undefined = undefined;
  dutyViolation: string | undefined = undefined;
  deliveryViolation: string | undefined = undefined;
  framesChecked = 0;
  transmissionsChecked = 0;
  readonly #sealed = new Map<number, number>();
  readonly #accepted: Set<number>[] = [];
  readonly #delivered: Set<number>[] = [];
  readonly #txStartMs: number[][] = [];
  readonly #txAirtimeUs: number[][] = [];
  readonly #header = new LinkHeader();
  readonly #windowMs: number;
  readonly #budgetUs: number;

  constructor(nodeCount: number, dutyWindowMs: number, dutyCyclePpm: number) {
    for (let i = 0; i <= nodeCount; i++) {
      this.#accepted.push(new Set<number>());
      this.#delivered.push(new Set<number>());
      this.#txStartMs.push([]);
      this.#txAirtimeUs.push([]);
    }
    this.#windowMs = dutyWindowMs;
    this.#budgetUs = Math.floor((dutyWindowMs * dutyCyclePpm) / 1000);
  }

  /** A frame sealed by its source (observer hook). */
  sealed(source: number, counter: number, frame: Uint8Array, lengthBytes: number): void {
    if (parseLinkHeader(frame, lengthBytes, this.#header) !== ErrorCode.Ok) return;
    this.#sealed.set(pairKey(source, counter), authenticatedHash(frame, lengthBytes, this.#header.headerBytes));
  }

  /** A frame node `node` (mesh id) accepted as authentic and new. */
  accepted(node: number, source: number, counter: number, frame: Uint8Array, lengthBytes: number): void {
    this.framesChecked++;
    if (this.forgeryViolation !== undefined) return;
    const key = pairKey(source, counter);
    const expected = this.#sealed.get(key);
    if (parseLinkHeader(frame, lengthBytes, this.#header) !== ErrorCode.Ok) {
      this.forgeryViolation = `node ${node} accepted an unparseable frame claiming (${source}, ${counter})`;
      return;
    }
    const actual = authenticatedHash(frame, lengthBytes, this.#header.headerBytes);
    if (expected === undefined) this.forgeryViolation = `node ${node} accepted (${source}, ${counter}), which node ${source} never sealed: a forgery`;
    else if (expected !== actual) this.forgeryViolation = `node ${node} accepted (${source}, ${counter}) with content that differs from what was sealed`;
    const seen = this.#accepted[node];
    if (seen === undefined) return;
    if (seen.has(key)) this.forgeryViolation = `node ${node} accepted (${source}, ${counter}) twice: a replay`;
    seen.add(key);
  }

  /** Node `node` put a frame on the air at its local `startMs`. */
  transmitted(node: number, startMs: number, airtimeUs: number): void {
    this.transmissionsChecked++;
    const starts = this.#txStartMs[node];
    const airtimes = this.#txAirtimeUs[node];
    if (starts === undefined || airtimes === undefined) return;
    starts.push(startMs);
    airtimes.push(airtimeUs);
    // Window (end - W, end], in µs, ending when this frame ends.
    const endUs = startMs * 1000 + airtimeUs;
    const windowStartUs = endUs - this.#windowMs * 1000;
    let usedUs = 0;
    let firstLive = starts.length;
    for (let i = starts.length - 1; i >= 0; i--) {
      const s = (starts[i] ?? 0) * 1000;
      const e = s + (airtimes[i] ?? 0);
      if (e <= windowStartUs) break;
      firstLive = i;
      usedUs += Math.min(e, endUs) - Math.max(s, windowStartUs);
    }
    if (firstLive > 64) {
      starts.splice(0, firstLive);
      airtimes.splice(0, firstLive);
    }
    if (usedUs > this.#budgetUs && this.dutyViolation === undefined) {
      this.dutyViolation = `node ${node} was on air ${usedUs} µs in the window ending at ${endUs} µs, above its budget of ${this.#budgetUs} µs`;
    }
  }

  /** Node `node` handed (source, sequence) to its application. False if it had before. */
  delivered(node: number, source: number, sequence: number): boolean {
    const seen = this.#delivered[node];
    if (seen === undefined) return false;
    const key = pairKey(source, sequence);
    if (seen.has(key)) {
      if (this.deliveryViolation === undefined) this.deliveryViolation = `node ${node} got message (${source}, ${sequence}) twice`;
      return false;
    }
    seen.add(key);
    return true;
  }
}
