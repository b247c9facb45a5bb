import { addTimer, rearmTimer } from "./control";

type Callback = (timer: unknown) => void;
interface Handle {
  live: boolean;
  nextMs: number;
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
  schedule(timer: unknown, intervalMs = 0): void {
    rearmTimer(timer as Parameters<typeof rearmTimer>[0], intervalMs);
  },
  clear(timer: unknown): void {
    if (timer !== null && timer !== undefined) (timer as Handle).live = false;
  },
  delay(_ms: number): void {},
};
export default Timer;
