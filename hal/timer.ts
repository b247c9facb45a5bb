/**
 * Wake-timer contract (docs/architecture.md "Rules"): the one timer the
 * agent's driver (agent/driver.ts) sleeps on. It is the only thing that
 * differs between a board and the simulator:
 *  - on a board, hal/moddable/wake-timer.ts over Moddable's `timer` module;
 *  - in the site simulator, the kernel's virtual timer of the board
 *    (host-sim/site/site-node.ts, SimContext.setTimer).
 * When the armed time comes, the timer calls the handler it was made with
 * (the driver's `onTimer`), once per `schedule`.
 */
export interface WakeTimer {
  /** Fire once, `delayMs` (an integer >= 0) from now; replaces a wake-up already armed. */
  schedule(delayMs: number): void;
  /** Disarm (idempotent): the handler is not called until the next `schedule`. */
  clear(): void;
}
