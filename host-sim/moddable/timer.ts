import { addTimer, rearmTimer } from "./control";

type Callback = (timer: unknown) => void;
interface Handle {
  live: boolean;
  nextMs: number;
  intervalMs: number;
  repeat: boolean;
}

/** Stand-in for Moddable's `timer` module over virtual time. */
const Timer = {
  set(callback: Callback, intervalMs = 0, repeatMs?: number): unknown {
    const timer = addTimer(callback, intervalMs, repeatMs ?? 0, repeatMs !== undefined && repeatMs > 0);
    return timer;
  },
  repeat(callback: Callback, intervalMs: number): unknown {
    return addTimer(callback, intervalMs, intervalMs, true);
  },
  /** As Moddable's: with only the id it unschedules (keeps the timer); else it fires `intervalMs` from now, then every `repeatMs`. */
  schedule(timer: unknown, intervalMs?: number, repeatMs?: number): void {
    const handle = timer as Handle;
    if (intervalMs === undefined) {
      handle.live = false;
      return;
    }
    rearmTimer(timer as Parameters<typeof rearmTimer>[0], intervalMs, repeatMs ?? 0);
  },
  clear(timer: unknown): void {
    if (timer !== null && timer !== undefined) (timer as Handle).live = false;
  },
  delay(_ms: number): void {},
};
export default Timer;
