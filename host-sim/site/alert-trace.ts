/**
 * Where an alert's time goes (README "Site scale"): every alert-class frame
 * any board puts on the air, seen at the site's air port like the nonce and
 * duty ledgers, by (origin, counter) and hops taken. From them the report
 * takes, per delivered alert, the wait from the raise to the origin's first
 * alert frame, how many end-to-end attempts (distinct frames of its origin)
 * it took, and, over every alert frame, how long each hop held it: from the
 * first transmission at hops taken k to the first at k + 1 (the next hop's
 * forward, after any hop retransmissions). A slow alert then shows whether
 * it waited at its origin, at one hop, or for end-to-end retries.
 *
 * Host-side only (the site simulator); it grows with the alert frames of
 * the run, which a board never keeps.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { HOP_LIMIT_MAX, LinkClass, LinkHeader, parseLinkHeader } from "../../core/mesh/link-header";
import { SIM_AIR_PREFIX_BYTES, SimAirFlag } from "../../hal/sim/radio";
import type { LedgerEventSource } from "./nonce-ledger";
import { percentile } from "./gateway-sink";

/** One alert frame's first transmission at each hop count (virtual ms), -1 where none was seen. */
interface AlertFrame {
  readonly origin: number;
  readonly firstTxMs: number[];
}

export interface AlertHopStats {
  /** Hop delays (ms) measured, and their 50th/99th percentiles and maximum. */
  readonly hopDelays: number;
  readonly hopDelayP50Ms: number;
  readonly hopDelayP99Ms: number;
  readonly hopDelayMaxMs: number;
  /** Per delivered alert: raise to the origin's first alert frame after it (ms), percentiles and maximum. */
  readonly originWaitP50Ms: number;
  readonly originWaitP99Ms: number;
  readonly originWaitMaxMs: number;
  /** End-to-end attempts per delivered alert (distinct alert frames of its origin from the raise to the delivery): mean and maximum. */
  readonly attemptsMean: number;
  readonly attemptsMax: number;
}

export class AlertTrace {
  readonly #frames = new Map<number, AlertFrame>();
  /** Per origin board index: its alert frames' first transmissions (virtual ms), in order. */
  readonly #originTx: number[][];
  readonly #header = new LinkHeader();
  #events: LedgerEventSource | undefined;

  constructor(boards: number) {
    this.#originTx = Array.from({ length: boards }, () => []);
  }

  attachEvents(events: LedgerEventSource): void {
    this.#events = events;
  }

  /** A frame `board` put on the air (the air port's bytes: flag byte, then the frame). */
  recordAir(board: number, air: Uint8Array, airBytes: number): void {
    if (airBytes <= SIM_AIR_PREFIX_BYTES || air[0] !== SimAirFlag.Radio) return;
    const h = this.#header;
    if (parseLinkHeader(air.subarray(SIM_AIR_PREFIX_BYTES, airBytes), airBytes - SIM_AIR_PREFIX_BYTES, h) !== ErrorCode.Ok) return;
    if (h.trafficClass !== LinkClass.Alert) return;
    const nowMs = this.#events?.timeMs ?? 0;
    const key = h.source * 0x1_0000_0000 + h.counter;
    let frame = this.#frames.get(key);
    if (frame === undefined) {
      frame = { origin: h.source - 1, firstTxMs: new Array<number>(HOP_LIMIT_MAX + 1).fill(-1) };
      this.#frames.set(key, frame);
      if (board === h.source - 1) this.#originTx[board]?.push(nowMs);
    }
    if (h.hopsTaken <= HOP_LIMIT_MAX && (frame.firstTxMs[h.hopsTaken] ?? -1) < 0) frame.firstTxMs[h.hopsTaken] = nowMs;
  }

  /** The statistics, given each delivered alert's origin board, raise time and delivery time (virtual ms). */
  stats(alerts: readonly { readonly source: number; readonly raisedMs: number; readonly deliveredMs: number }[]): AlertHopStats {
    const delays: number[] = [];
    for (const frame of this.#frames.values()) {
      for (let k = 0; k < HOP_LIMIT_MAX; k++) {
        const from = frame.firstTxMs[k] ?? -1;
        const to = frame.firstTxMs[k + 1] ?? -1;
        if (from >= 0 && to >= from) delays.push(to - from);
      }
    }
    const waits: number[] = [];
    let attemptsSum = 0;
    let attemptsMax = 0;
    for (const alert of alerts) {
      const sends = this.#originTx[alert.source] ?? [];
      let first = -1;
      let attempts = 0;
      for (const t of sends) {
        if (t < alert.raisedMs || t > alert.deliveredMs) continue;
        if (first < 0) first = t;
        attempts++;
      }
      if (first >= 0) waits.push(first - alert.raisedMs);
      attemptsSum += attempts;
      attemptsMax = Math.max(attemptsMax, attempts);
    }
    const d = Float64Array.from(delays);
    const w = Float64Array.from(waits);
    return {
      hopDelays: d.length,
      hopDelayP50Ms: percentile(d, d.length, 50),
      hopDelayP99Ms: percentile(d, d.length, 99),
      hopDelayMaxMs: percentile(d, d.length, 100),
      originWaitP50Ms: percentile(w, w.length, 50),
      originWaitP99Ms: percentile(w, w.length, 99),
      originWaitMaxMs: percentile(w, w.length, 100),
      attemptsMean: alerts.length > 0 ? attemptsSum / alerts.length : Number.NaN,
      attemptsMax,
    };
  }
}
