import type { Clock } from "../clock";

/** A clock that moves only when told to: for tests and the simulator. */
export class ManualClock implements Clock {
  #nowMs: number;

  constructor(startMs = 0) {
    this.#nowMs = Math.max(0, Math.floor(startMs));
  }

  nowMs(): number {
    return this.#nowMs;
  }

  /** Advance by a non-negative whole number of milliseconds; others are ignored. */
  advance(deltaMs: number): void {
    if (Number.isSafeInteger(deltaMs) && deltaMs > 0) this.#nowMs += deltaMs;
  }
}
