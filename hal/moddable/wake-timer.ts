/**
 * The driver's wake timer (hal/timer.ts) over Moddable's `timer` module
 * (Moddable SDK documentation/base/base.md, "class Timer").
 *
 * One timer for the life of the board, made with `Timer.repeat`: a
 * repeating timer stays allocated until `Timer.clear` (a one-shot timer is
 * cleared automatically after its callback, so it could not be rescheduled
 * later from a radio callback). It is unscheduled at once and then
 * rescheduled to each wake-up with `Timer.schedule(id, delayMs, repeatMs)`;
 * `Timer.schedule(id)` with only the id unschedules it without clearing it
 * (Moddable SDK release OS201012). The repeat interval is only a backstop:
 * the driver reschedules on every wake-up.
 */
import Timer from "timer";
import type { WakeTimer } from "../timer";

/** The backstop repeat: a wake-up the driver did not reschedule comes back after this (ms). */
export const WAKE_TIMER_REPEAT_MS = 60_000;

export class ModdableWakeTimer implements WakeTimer {
  readonly #timer: Timer;

  /** `onFire` runs each time the armed time comes (the driver's onTimer). */
  constructor(onFire: () => void) {
    this.#timer = Timer.repeat(onFire, WAKE_TIMER_REPEAT_MS);
    Timer.schedule(this.#timer);
  }

  schedule(delayMs: number): void {
    Timer.schedule(this.#timer, delayMs, WAKE_TIMER_REPEAT_MS);
  }

  clear(): void {
    Timer.schedule(this.#timer);
  }
}
