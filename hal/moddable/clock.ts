/**
 * Clock over Moddable's `time` module. `Time.ticks` is milliseconds since
 * boot but, on 32-bit targets, wraps at 2^32 (about 49.7 days); this driver
 * widens it to a monotonic safe integer by counting wraps. It must be read at
 * least once per wrap period, which the agent's scheduler does every turn.
 */
import Time from "time";
import type { Clock } from "../clock";

const WRAP_MS = 0x1_0000_0000;

export class ModdableClock implements Clock {
  #lastTicks: number;
  #wrapOffsetMs = 0;

  constructor() {
    this.#lastTicks = Time.ticks >>> 0;
  }

  nowMs(): number {
    const ticks = Time.ticks >>> 0;
    if (ticks < this.#lastTicks) this.#wrapOffsetMs += WRAP_MS;
    this.#lastTicks = ticks;
    return this.#wrapOffsetMs + ticks;
  }
}
