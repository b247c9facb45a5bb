/**
 * Small random sites for the seed tests (V8) and the XS parity run: a grid
 * of 8..12 boards (always connected), two gateways, per-link loss up to
 * `lossPpmMax`, PIR intrusions and a temperature ramp early in the run, one
 * graceful shutdown and one power loss. Everything is drawn from the seed,
 * so a failing seed reproduces exactly. Platform neutral.
 */
import { Xoshiro128 } from "../../../core/runtime/prng";


export interface SmallSiteOptions {
  readonly durationMs?: number;
  readonly lossPpmMax?: number;
  readonly boardsMin?: number;
  readonly boardsMax?: number;
  /** Default true: one graceful shutdown and one power loss. */
  readonly faults?: boolean;
}

/** The board template of the small test sites: a temperature and a motion sensor, uplink every `uplinkIntervalMs`. */
export function smallBoard(siteName: string, uplinkIntervalMs: number): Record<string, unknown> {
  return {
    siteName,
    sampleIntervalMs: 1000,
    sampleRingCapacity: 16,
    timerCapacity: 8,
    neighbourCapacity: 16,
    sensors: [
      { part: "tmp117", intervalMs: 2_000, windowMs: 20_000, rules: [{ channel: 0, direction: "above", threshold: 30_000, hysteresis: 1_000 }] },
      { part: "motion", intervalMs: 1_000, windowMs: 30_000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
    ],
    uplink: { intervalMs: uplinkIntervalMs, alertRetryBaseMs: 1_000, alertRetryCapMs: 8_000 },
    radio: { meshTickMs: 250 },
  };
}

export function smallSite(seed: number, options: SmallSiteOptions = {}): Record<string, unknown> {
  const random = new Xoshiro128(seed ^ 0x51735173);
  const durationMs = options.durationMs ?? 90_000;
  const boardsMin = options.boardsMin ?? 8;
  const boards = boardsMin + random.nextBelow((options.boardsMax ?? 12) - boardsMin + 1);
  const first = random.nextBelow(boards);
  let second = random.nextBelow(boards - 1);
  if (second >= first) second++;
  const quietMs = Math.floor((durationMs * 3) / 5);
  const at = (fromMs: number, toMs: number): number => fromMs + random.nextBelow(toMs - fromMs);
  const board = (): number => random.nextBelow(boards);
  const events: Record<string, unknown>[] = [];
  const intrusions = 2 + random.nextBelow(3);
  for (let i = 0; i < intrusions; i++) {
    events.push({ boards: [board(), board()], sensor: 1, kind: "set", atMs: at(5_000, quietMs - 15_000), durationMs: 2_000 + random.nextBelow(8_000), amount: 1 });
  }
  events.push({ boards: [board()], sensor: 0, kind: "ramp", atMs: at(5_000, quietMs - 30_000), durationMs: 10_000, amount: 15_000 });
  const crashBoard = board();
  let shutdownBoard = board();
  if (shutdownBoard === crashBoard) shutdownBoard = (shutdownBoard + 1) % boards;
  return {
    name: `small-${seed}`,
    seed,
    boards,
    durationMs,
    startJitterMs: 500,
    topology: { kind: "radio", layout: "grid", spacingM: 100, rangeM: 150 },
    link: { lossPpm: random.nextBelow((options.lossPpmMax ?? 100_000) + 1), latencyMinMs: 20, latencyMaxMs: 150 },
    clock: { driftPpmMax: 100, offsetMsMax: 2_000 },
    gateways: [first, second],
    board: smallBoard("small", 10_000),
    events,
    shutdowns: options.faults === false ? [] : [{ board: shutdownBoard, atMs: at(10_000, quietMs - 20_000), offMs: 2_000 + random.nextBelow(10_000) }],
    crashes: options.faults === false ? [] : [{ node: crashBoard, atMs: at(10_000, quietMs - 20_000), durationMs: 1_000 + random.nextBelow(10_000) }],
    quietAfterMs: quietMs,
  };
}
