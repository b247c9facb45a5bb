/**
 * Virtual time and timers behind the Moddable stand-ins (time, timer,
 * mc/config) used when device code runs in tests, on XS or on V8. Test-only
 * code: module-level state is fine here, never in device folders.
 */
type TimerCallback = (timer: unknown) => void;

interface VirtualTimer {
  readonly id: number;
  readonly callback: TimerCallback;
  readonly intervalMs: number;
  nextMs: number;
  repeat: boolean;
  live: boolean;
}

export const virtual = {
  nowMs: 0,
  nextId: 1,
  timers: [] as VirtualTimer[],
  config: {} as Record<string, unknown>,
};

export function resetVirtual(config: Record<string, unknown>): void {
  virtual.nowMs = 0;
  virtual.nextId = 1;
  virtual.timers = [];
  virtual.config = config;
}

export function addTimer(callback: TimerCallback, firstMs: number, intervalMs: number, repeat: boolean): VirtualTimer {
  const timer: VirtualTimer = { id: virtual.nextId++, callback, intervalMs, nextMs: virtual.nowMs + firstMs, repeat, live: true };
  virtual.timers.push(timer);
  return timer;
}

/** Advance virtual time to `targetMs`, firing due timers in (time, id) order. */
export function advanceTo(targetMs: number): number {
  let fired = 0;
  for (;;) {
    let next: VirtualTimer | undefined;
    for (const timer of virtual.timers) {
      if (!timer.live || timer.nextMs > targetMs) continue;
      if (next === undefined || timer.nextMs < next.nextMs || (timer.nextMs === next.nextMs && timer.id < next.id)) next = timer;
    }
    if (next === undefined) break;
    virtual.nowMs = next.nextMs;
    if (next.repeat && next.intervalMs > 0) next.nextMs += next.intervalMs;
    else next.live = false;
    next.callback(next);
    fired++;
  }
  virtual.nowMs = targetMs;
  return fired;
}
