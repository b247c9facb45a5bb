/**
 * Airtime per board over sliding hours (README "Mesh transport": the duty
 * cycle is a share of every hour, ETSI EN 300 220's sliding observation
 * window): every transmission a board puts on the air is recorded with its
 * start and airtime, and after every event the `site-duty-hour` invariant
 * checks that no board's airtime in the hour ending now exceeds its budget.
 * The report takes, per board, its airtime in each clock hour of the run and
 * its worst sliding hour (the hour starting at any of its transmissions).
 *
 * Host-side only (the site simulator): it grows with the transmissions of
 * the run, which a board never keeps.
 */
import { HOUR_MS } from "../../core/mesh/duty-cycle";
import type { LedgerEventSource } from "./nonce-ledger";

export interface BoardDutyHours {
  readonly board: number;
  /** Airtime in each clock hour of the run [h, h + 1) hours, µs. */
  readonly perHourUs: readonly number[];
  /** The most airtime in any sliding hour, µs, and where that hour starts (ms). */
  readonly worstHourUs: number;
  readonly worstHourStartMs: number;
}

export class DutyLedger {
  readonly budgetUsPerHour: number;
  /** Per board: transmission starts (ms) and airtimes (µs), in time order. */
  readonly #startsMs: number[][];
  readonly #airtimesUs: number[][];
  /** Per board: the first transmission still inside the hour ending at the newest one, and that hour's airtime. */
  readonly #windowFirst: number[];
  readonly #windowUs: number[];
  #events: LedgerEventSource | undefined = undefined;
  #violation: string | undefined = undefined;

  /** `budgetPermille` of every hour per board (the site's radio.dutyCyclePermille). */
  constructor(boards: number, budgetPermille: number) {
    if (!Number.isSafeInteger(boards) || boards < 1) throw new Error(`duty ledger: boards must be a positive integer (got ${boards})`);
    if (!Number.isFinite(budgetPermille) || budgetPermille <= 0 || budgetPermille > 1000) throw new Error(`duty ledger: budget must be 0 < permille <= 1000 (got ${budgetPermille})`);
    this.budgetUsPerHour = (HOUR_MS * 1000 * budgetPermille) / 1000;
    this.#startsMs = Array.from({ length: boards }, () => []);
    this.#airtimesUs = Array.from({ length: boards }, () => []);
    this.#windowFirst = new Array<number>(boards).fill(0);
    this.#windowUs = new Array<number>(boards).fill(0);
  }

  /** Where the current event's time comes from (set once the kernel exists). */
  attachEvents(events: LedgerEventSource): void {
    this.#events = events;
  }

  /** The first board found over its budget in a sliding hour, or undefined. */
  get violation(): string | undefined {
    return this.#violation;
  }

  /** `board` put a frame of `airtimeUs` on the air now. */
  record(board: number, airtimeUs: number): void {
    const starts = this.#startsMs[board];
    const airtimes = this.#airtimesUs[board];
    if (starts === undefined || airtimes === undefined) return;
    const nowMs = this.#events?.timeMs ?? 0;
    starts.push(nowMs);
    airtimes.push(airtimeUs);
    let first = this.#windowFirst[board] ?? 0;
    let windowUs = (this.#windowUs[board] ?? 0) + airtimeUs;
    // The hour (nowMs - 1 h, nowMs]: transmissions that started before it leave the window.
    while (first < starts.length && (starts[first] ?? 0) <= nowMs - HOUR_MS) {
      windowUs -= airtimes[first] ?? 0;
      first++;
    }
    this.#windowFirst[board] = first;
    this.#windowUs[board] = windowUs;
    if (windowUs > this.budgetUsPerHour && this.#violation === undefined) {
      this.#violation = `board ${board} sent ${(windowUs / 1e6).toFixed(2)} s of airtime in the hour to ${nowMs} ms, over its budget of ${(this.budgetUsPerHour / 1e6).toFixed(2)} s`;
    }
  }

  /** Per board: airtime per clock hour of a run of `runMs`, and its worst sliding hour. */
  hours(runMs: number): BoardDutyHours[] {
    const hourCount = Math.max(1, Math.ceil(runMs / HOUR_MS));
    const out: BoardDutyHours[] = [];
    for (let board = 0; board < this.#startsMs.length; board++) {
      const starts = this.#startsMs[board] ?? [];
      const airtimes = this.#airtimesUs[board] ?? [];
      const perHourUs = new Array<number>(hourCount).fill(0);
      for (let i = 0; i < starts.length; i++) {
        const hour = Math.min(hourCount - 1, Math.floor((starts[i] ?? 0) / HOUR_MS));
        perHourUs[hour] = (perHourUs[hour] ?? 0) + (airtimes[i] ?? 0);
      }
      // Worst sliding hour: one starting at each transmission (two pointers over the time-ordered list).
      let worstUs = 0;
      let worstStartMs = 0;
      let sumUs = 0;
      let end = 0;
      for (let i = 0; i < starts.length; i++) {
        const from = starts[i] ?? 0;
        while (end < starts.length && (starts[end] ?? 0) < from + HOUR_MS) sumUs += airtimes[end++] ?? 0;
        if (sumUs > worstUs) {
          worstUs = sumUs;
          worstStartMs = from;
        }
        sumUs -= airtimes[i] ?? 0;
      }
      out.push({ board, perHourUs, worstHourUs: worstUs, worstHourStartMs: worstStartMs });
    }
    return out;
  }
}
