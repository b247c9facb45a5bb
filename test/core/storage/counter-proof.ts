/**
 * The send counter against a damaged flash image (README "Durable state on
 * flash", "Link security"): after any damage, a board either resumes
 * strictly above every value it issued or refuses to issue any
 * (CounterUnprovable, Corrupt). Never both silent and repeated.
 *
 * A scenario is a store with unrelated records around it (boot records,
 * alert slots, consensus entries) and a counter that has issued values under
 * several reservations. Its last reservation is captured as two images:
 * before (old ceiling) and after it, with values issued under the new
 * ceiling. The bytes that differ are the counter region: the two ceiling
 * records (counter-reservation.ts writes the ceiling, then its mirror).
 * Damage is applied to a copy and judged by `judge`: mount, open, repair,
 * then compare where counting resumes with the highest value issued.
 *
 * Platform neutral (no Node, no vitest): the V8 tests, `npm run fuzz` and
 * the XS entry run the same code.
 */
import { ErrorCode } from "../../../core/runtime/errors";
import { Outcome } from "../../../core/runtime/result";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { CounterReservation } from "../../../core/storage/counter-reservation";
import type { StoreConfig } from "../../../core/storage/durable-store";
import type { SimFlash, SimFlashOptions } from "../../../hal/sim/flash";
import { mountAfterPowerUp, simDevice } from "./fixtures";
import type { Counter } from "../../../core/runtime/ids";

/** The agent's shape in small: a boot record, lifetime counters, the ceiling and its mirror, alert slots. */
export const PROOF_CONFIG: StoreConfig = Object.freeze({
  recordPayloadMaxBytes: 40,
  kvKeyCount: 8,
  kvValueMaxBytes: 40,
  kvValueBytes: Object.freeze([12, 32, 8, 8, 40, 40, 40, 40]),
  logCapacityEntries: 16,
});
export const PROOF_KEY = 2;
export const PROOF_MIRROR = 3;
const STEP_K = 16;
const AHEAD = 4;

export interface CounterScenario {
  readonly geometry: SimFlashOptions;
  /** The image before the last reservation, and after it (with values issued under it). */
  readonly before: Uint8Array;
  readonly after: Uint8Array;
  /** Highest value issued in `before` and in `after`. */
  readonly highestBefore: number;
  readonly highestAfter: number;
  /** [start, end) byte ranges that differ between the images: the ceiling record, then its mirror. */
  readonly region: readonly (readonly [number, number])[];
}

export const Verdict = Object.freeze({ Resumed: 0, Refused: 1, RolledBack: 2 } as const);
export type Verdict = (typeof Verdict)[keyof typeof Verdict];

function openCounter(device: SimFlash): { counter: CounterReservation | undefined; code: number } {
  const store = mountAfterPowerUp(device, PROOF_CONFIG);
  const opened = CounterReservation.open(store, { key: PROOF_KEY, mirrorKey: PROOF_MIRROR, stepK: STEP_K, aheadValues: AHEAD });
  return opened.ok ? { counter: opened.value, code: ErrorCode.Ok } : { counter: undefined, code: opened.code };
}

/** Build a scenario: `reservations` reservations with noise between them, `seed` picks the noise. */
export function buildCounterScenario(geometry: SimFlashOptions, seed: number, reservations: number): CounterScenario {
  const device = simDevice(geometry);
  const rng = new Xoshiro128(seed);
  const store = mountAfterPowerUp(device, PROOF_CONFIG);
  const reopened = CounterReservation.open(store, { key: PROOF_KEY, mirrorKey: PROOF_MIRROR, stepK: STEP_K, aheadValues: AHEAD });
  if (!reopened.ok) throw new Error(`counter refused: ${reopened.code}`);
  const live = reopened.value;
  const out = new Outcome<Counter>(0 as Counter);
  const noise = new Uint8Array(40);
  let highest = -1;
  const issueAll = (): void => {
    while (live.next(out) === ErrorCode.Ok) highest = out.value;
  };
  for (let r = 0; r < reservations - 1; r++) {
    if (live.prepare() !== ErrorCode.Ok) throw new Error("prepare failed");
    issueAll();
    for (let n = rng.nextBelow(4); n > 0; n--) {
      noise.fill(rng.nextBelow(256));
      const key = rng.nextBelow(3) === 0 ? 0 : 4 + rng.nextBelow(4);
      if (store.put(key, noise, 0, key === 0 ? 12 : 40) !== ErrorCode.Ok) throw new Error("noise put failed");
    }
  }
  // The values before the last reservation: all but AHEAD of the current one are issued, so prepare must write.
  const before = new Uint8Array(geometry.blockSizeBytes * geometry.blockCount);
  device.copyTo(before);
  const highestBefore = highest;
  if (live.prepare() !== ErrorCode.Ok) throw new Error("last prepare failed");
  issueAll();
  const after = new Uint8Array(before.length);
  device.copyTo(after);
  const region: [number, number][] = [];
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    const last = region[region.length - 1];
    // Records are a few bytes apart at most (padding); a gap of more than 16 equal bytes starts a new range.
    if (last !== undefined && i - last[1] <= 16) last[1] = i + 1;
    else region.push([i, i + 1]);
  }
  return { geometry, before, after, highestBefore, highestAfter: highest, region };
}

/** Load `image`, mount, open and repair the counter: where it resumes against `highestIssued`. */
export function judge(device: SimFlash, image: Uint8Array, highestIssued: number): Verdict {
  device.reset();
  if (device.load(image) !== ErrorCode.Ok) throw new Error("image does not fit the device");
  const { counter } = openCounter(device);
  if (counter === undefined) return Verdict.Refused;
  if (counter.repair() !== ErrorCode.Ok) return Verdict.Refused;
  return counter.peekNext > highestIssued ? Verdict.Resumed : Verdict.RolledBack;
}

export interface ProofTally {
  cases: number;
  resumed: number;
  refused: number;
  /** Resumed at or below a value already issued: a nonce reused. Must stay 0. */
  rolledBack: number;
  /**
   * Images with a run of damaged bytes (erased, zeroed or random) over the
   * newest record of the log, the mirror's: that is what a write cut short
   * by power loss leaves (an interrupted program leaves any bits, then
   * mount zero-fills them: record-log.ts "Mount"), so the one damage this
   * scheme cannot tell from a write that never completed (README "Link
   * security", residual risks). Counted apart; `tailErasedRolledBack` of them
   * resumed too low.
   */
  tailErased: number;
  tailErasedRolledBack: number;
  /** The first few rollbacks, described. */
  readonly examples: string[];
}

function tally(): ProofTally {
  return { cases: 0, resumed: 0, refused: 0, rolledBack: 0, tailErased: 0, tailErasedRolledBack: 0, examples: [] };
}

function count(t: ProofTally, verdict: Verdict, what: () => string): void {
  t.cases++;
  if (verdict === Verdict.Resumed) t.resumed++;
  else if (verdict === Verdict.Refused) t.refused++;
  else {
    t.rolledBack++;
    if (t.examples.length < 5) t.examples.push(what());
  }
}

/** Every single-bit flip in the counter region of the `after` image. */
export function flipEveryBit(s: CounterScenario): ProofTally {
  const device = simDevice(s.geometry);
  const t = tally();
  const image = new Uint8Array(s.after.length);
  for (const [start, end] of s.region) {
    for (let at = start; at < end; at++) {
      for (let bit = 0; bit < 8; bit++) {
        image.set(s.after);
        image[at] = (image[at] ?? 0) ^ (1 << bit);
        count(t, judge(device, image, s.highestAfter), () => `bit ${bit} of byte ${at}`);
      }
    }
  }
  return t;
}

/**
 * Every torn write of the last reservation: the first copy cut after each of
 * its bytes (with the byte in flight half-programmed), the mirror not
 * written; then the first copy whole and the mirror cut the same ways. No
 * value under the new ceiling was issued in any of these states.
 */
export function tearEveryWrite(s: CounterScenario): ProofTally {
  const device = simDevice(s.geometry);
  const t = tally();
  const image = new Uint8Array(s.after.length);
  for (let r = 0; r < s.region.length; r++) {
    const range = s.region[r];
    if (range === undefined) continue;
    const [start, end] = range;
    for (let cut = start; cut <= end; cut++) {
      for (const mask of [0x00, 0x0f, 0xf0]) {
        image.set(s.before);
        for (let e = 0; e < r; e++) {
          const whole = s.region[e];
          if (whole !== undefined) for (let i = whole[0]; i < whole[1]; i++) image[i] = s.after[i] ?? 0xff;
        }
        for (let i = start; i < cut; i++) image[i] = s.after[i] ?? 0xff;
        if (cut < end) image[cut] = (s.before[cut] ?? 0xff) & ((s.after[cut] ?? 0xff) | mask);
        count(t, judge(device, image, s.highestBefore), () => `copy ${r} cut at byte ${cut} (mask ${mask})`);
      }
    }
  }
  return t;
}

/**
 * Random damage to the `after` image: 1..maxEvents events, each a bit flip,
 * a random byte, or a run of 1..64 bytes set to 0x00, 0xFF or random bytes;
 * half of them within 64 bytes of the counter region, half anywhere. The
 * guarantee covers one event per image; several events at once can defeat
 * it (two copies, one witness), and `npm run fuzz` reports how often.
 */
export function corruptRandomly(s: CounterScenario, seed: number, images: number, maxEvents = 1): ProofTally {
  const device = simDevice(s.geometry);
  const rng = new Xoshiro128(seed);
  const t = tally();
  const image = new Uint8Array(s.after.length);
  const size = image.length;
  const first = s.region[0]?.[0] ?? 0;
  const last = s.region[s.region.length - 1]?.[1] ?? size;
  // The mirror's record: after the first copy's (its length from its header: 16-byte header, payload, 4-byte CRC, aligned).
  const align = s.geometry.programAlignBytes ?? 1;
  const firstCopyBytes = Math.ceil((16 + (s.after[first] ?? 0) + 4) / align) * align;
  const newestStart = first + firstCopyBytes;
  let newestEnd = last;
  while (newestEnd > newestStart && s.after[newestEnd - 1] === 0xff) newestEnd--;
  for (let n = 0; n < images; n++) {
    image.set(s.after);
    const events = 1 + rng.nextBelow(maxEvents);
    let what = "";
    // A run of damaged bytes over the mirror's record: see `tailErased`.
    let wipesNewest = false;
    for (let e = 0; e < events; e++) {
      const near = rng.nextBelow(2) === 0;
      const lo = near ? Math.max(0, first - 64) : 0;
      const hi = near ? Math.min(size, last + 64) : size;
      const at = lo + rng.nextBelow(hi - lo);
      const kind = rng.nextBelow(5);
      what += ` kind ${kind}@${at}`;
      if (kind === 0) image[at] = (image[at] ?? 0) ^ (1 << rng.nextBelow(8));
      else if (kind === 1) image[at] = rng.nextBelow(256);
      else {
        const length = Math.min(size - at, 1 + rng.nextBelow(64));
        for (let i = 0; i < length; i++) image[at + i] = kind === 2 ? 0x00 : kind === 3 ? 0xff : rng.nextBelow(256);
        if (at < newestEnd && at + length > newestStart) wipesNewest = true;
      }
    }
    const verdict = judge(device, image, s.highestAfter);
    if (wipesNewest) {
      t.tailErased++;
      if (verdict === Verdict.RolledBack) t.tailErasedRolledBack++;
      t.cases++;
      if (verdict === Verdict.Resumed) t.resumed++;
      else if (verdict === Verdict.Refused) t.refused++;
      continue;
    }
    count(t, verdict, () => `image ${n} of seed ${seed}:${what}`);
  }
  return t;
}
