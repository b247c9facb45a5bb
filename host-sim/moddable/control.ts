/**
 * Virtual time and timers behind the Moddable stand-ins (time, timer,
 * mc/config) used when device code runs in tests, on XS or on V8, and the
 * scripted GPIO levels behind the stand-in Digital IO class
 * (provider-builtin.ts). Test-only code: module-level state is fine here,
 * never in device folders.
 */
type TimerCallback = (timer: unknown) => void;

interface VirtualTimer {
  readonly id: number;
  readonly callback: TimerCallback;
  intervalMs: number;
  nextMs: number;
  repeat: boolean;
  live: boolean;
  /** In `virtual.timers` (a lapsed timer is dropped from it and re-added when re-armed). */
  queued: boolean;
}

/** A level a wired device drives onto a pin from `atMs` on (until the next step). */
export interface PinStep {
  readonly atMs: number;
  readonly level: 0 | 1;
}

interface PinWiring {
  /** Level before the first step. */
  readonly idle: 0 | 1;
  /** Ascending atMs. */
  readonly steps: readonly PinStep[];
}

/**
 * Moddable's console: picket-xs defines `trace` natively (text on stdout, no
 * newline added); on V8 this stand-in keeps what device code printed.
 */
export const consoleOutput: string[] = [];
if (typeof (globalThis as { trace?: unknown }).trace !== "function") {
  (globalThis as { trace?: unknown }).trace = (...values: unknown[]): void => {
    consoleOutput.push(values.map(String).join(""));
  };
}

export const virtual = {
  nowMs: 0,
  nextId: 1,
  timers: [] as VirtualTimer[],
  config: {} as Record<string, unknown>,
  /** pin -> what drives it; a pin absent here floats (reads its pull, or 0). */
  pins: new Map<number, PinWiring>(),
  /** Pins whose read() throws (a broken GPIO driver). */
  failingPins: new Set<number>(),
  /** Flash partitions by name (the `flash` stand-in): erase unit and contents. */
  partitions: new Map<string, VirtualPartition>(),
  /** SX127x stand-ins on the one virtual LoRa channel, in creation order. */
  radios: [] as VirtualRadio[],
  /** Frames put on the virtual channel. */
  framesOnAir: 0,
  /**
   * On picket-xs: the deepest JS stack (slots) any board callback (a timer's,
   * the radio's onReadable/onWritable) used, measured from where the stand-in
   * calls it, as a board's native event loop calls it on an empty stack.
   * -1 on V8 (no stack figures there).
   */
  callbackStackPeakSlots: -1,
};

/**
 * Call just before a stand-in calls a board callback: restarts picket-xs's
 * stack peak (tools/xs/host/picket_xs.c `stack`) and returns the current
 * depth (-1 on V8). Pass the result to `callbackReturned` right after the
 * callback returns.
 */
export function callbackStarts(): number {
  const stack = xsStack();
  return stack === undefined ? -1 : stack(2);
}

/** picket-xs's `stack` host function; undefined on V8. */
function xsStack(): ((op: number) => number) | undefined {
  return (globalThis as { stack?: (op: number) => number }).stack;
}

/** The callback started at `depth` has returned: keep its stack use if it is the deepest yet. */
export function callbackReturned(depth: number): void {
  const stack = xsStack();
  if (depth < 0 || stack === undefined) return;
  const used = stack(1) - depth;
  if (used > virtual.callbackStackPeakSlots) virtual.callbackStackPeakSlots = used;
}

export interface VirtualPartition {
  readonly blockSize: number;
  readonly bytes: Uint8Array;
}

/** What the channel needs from a radio stand-in (sx127x.ts). */
export interface VirtualRadio {
  readonly id: number;
  readonly closed: boolean;
  /** A frame from another radio ends now. */
  hear(frame: Uint8Array): void;
  /** This radio's own transmission is done. */
  sent(): void;
}

/** Create (or replace) partition `name`: `bytes` copied, or `size` erased bytes. */
export function setPartition(name: string, blockSize: number, bytes: Uint8Array): void {
  virtual.partitions.set(name, { blockSize, bytes: bytes.slice() });
}

/** A partition image as its non-erased runs: [offset, hex bytes] (a provisioned store is a few hundred bytes of a mostly 0xff partition). */
export type SparseImage = readonly (readonly [number, string])[];

/** Create partition `name` of `sizeBytes` erased bytes with `runs` written in. */
export function setSparsePartition(name: string, blockSize: number, sizeBytes: number, runs: SparseImage): void {
  const bytes = new Uint8Array(sizeBytes).fill(0xff);
  for (let r = 0; r < runs.length; r++) {
    const run = runs[r];
    if (run === undefined) continue;
    const [offset, hex] = run;
    for (let i = 0; i < hex.length / 2; i++) bytes[offset + i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  }
  virtual.partitions.set(name, { blockSize, bytes });
}

/**
 * Put `frame` on the channel from `from`: every other open radio hears it
 * when its airtime has passed (a perfect channel: no loss, no collisions),
 * and the sender is told it is done at the same moment.
 */
export function transmitOnAir(from: VirtualRadio, frame: Uint8Array, airtimeMs: number): void {
  virtual.framesOnAir++;
  const copy = frame.slice();
  addTimer(
    () => {
      for (let i = 0; i < virtual.radios.length; i++) {
        const radio = virtual.radios[i];
        if (radio !== undefined && radio !== from && !radio.closed) radio.hear(copy);
      }
      from.sent();
    },
    airtimeMs,
    0,
    false,
  );
}

export function resetVirtual(config: Record<string, unknown>): void {
  virtual.nowMs = 0;
  virtual.nextId = 1;
  virtual.timers = [];
  consoleOutput.length = 0;
  virtual.config = config;
  virtual.pins = new Map();
  virtual.failingPins = new Set();
  virtual.partitions = new Map();
  virtual.radios = [];
  virtual.framesOnAir = 0;
  virtual.callbackStackPeakSlots = -1;
}

/** Wire a device to `pin`: it holds `idle`, then each step's level from its time on. */
export function scriptPin(pin: number, idle: 0 | 1, steps: readonly PinStep[] = []): void {
  virtual.pins.set(pin, { idle, steps: [...steps].sort((a, b) => a.atMs - b.atMs) });
}

/** Make every read() of `pin` throw (true) or work again (false). */
export function failPinReads(pin: number, failing: boolean): void {
  if (failing) virtual.failingPins.add(pin);
  else virtual.failingPins.delete(pin);
}

/** The driven level of `pin` now, or undefined if nothing drives it. */
export function drivenLevel(pin: number): 0 | 1 | undefined {
  const wiring = virtual.pins.get(pin);
  if (wiring === undefined) return undefined;
  let level = wiring.idle;
  // Indexed, not for-of: no iterator object, so a read allocates nothing on XS either.
  for (let i = 0; i < wiring.steps.length; i++) {
    const step = wiring.steps[i];
    if (step === undefined || step.atMs > virtual.nowMs) break;
    level = step.level;
  }
  return level;
}

export function addTimer(callback: TimerCallback, firstMs: number, intervalMs: number, repeat: boolean): VirtualTimer {
  const timer: VirtualTimer = { id: virtual.nextId++, callback, intervalMs, nextMs: virtual.nowMs + firstMs, repeat, live: true, queued: true };
  virtual.timers.push(timer);
  return timer;
}

/** Arm `timer` to fire `intervalMs` from now (Moddable's Timer.schedule); a lapsed timer goes back in the list. */
export function rearmTimer(timer: VirtualTimer, intervalMs: number, repeatMs = 0): void {
  timer.live = true;
  timer.nextMs = virtual.nowMs + intervalMs;
  timer.intervalMs = repeatMs;
  timer.repeat = repeatMs > 0;
  if (!timer.queued) {
    timer.queued = true;
    virtual.timers.push(timer);
  }
}

/** Drop lapsed timers so the list holds only live ones (a long run must not grow the heap). */
function compactTimers(): void {
  let kept = 0;
  for (let i = 0; i < virtual.timers.length; i++) {
    const timer = virtual.timers[i];
    if (timer === undefined) continue;
    if (timer.live) virtual.timers[kept++] = timer;
    else timer.queued = false;
  }
  virtual.timers.length = kept;
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
    const depth = callbackStarts();
    next.callback(next);
    callbackReturned(depth);
    fired++;
  }
  virtual.nowMs = targetMs;
  compactTimers();
  return fired;
}
