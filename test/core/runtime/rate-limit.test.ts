import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { RateLimiter, type RateClass, type RateLimiterOptions } from "../../../core/runtime/rate-limit";
import type { Result } from "../../../core/runtime/result";

function unwrap<T>(result: Result<T>): T {
  if (!result.ok) throw new Error(`unexpected error code ${result.code}`);
  return result.value;
}

function errorCode<T>(result: Result<T>): number {
  return result.ok ? ErrorCode.Ok : result.code;
}

const ONE_PER_SECOND: RateClass = { refillPerSecondMilli: 1_000, burstTokens: 1 };

function limiter(options: Partial<RateLimiterOptions> = {}): RateLimiter {
  return unwrap(RateLimiter.create({ capacity: 16, classes: [{ refillPerSecondMilli: 1_000, burstTokens: 3 }], ...options }));
}

function counts(rl: RateLimiter): readonly number[] {
  return [rl.admittedCount, rl.limitedCount, rl.refusedCount, rl.evictedCount, rl.invalidCount, rl.size];
}

describe("RateLimiter.create", () => {
  it("rejects out-of-range options with InvalidArgument", () => {
    const classes = [ONE_PER_SECOND];
    const bad: RateLimiterOptions[] = [
      { capacity: 0, classes },
      { capacity: 1.5, classes },
      { capacity: 2 ** 21, classes },
      { capacity: 8, classes: [] },
      { capacity: 8, classes: new Array<RateClass>(257).fill(ONE_PER_SECOND) },
      { capacity: 8, classes: [{ refillPerSecondMilli: 0, burstTokens: 1 }] },
      { capacity: 8, classes: [{ refillPerSecondMilli: 0.5, burstTokens: 1 }] },
      { capacity: 8, classes: [{ refillPerSecondMilli: 1_000, burstTokens: 0 }] },
      { capacity: 8, classes: [{ refillPerSecondMilli: 1_000, burstTokens: 2_000_000 }] },
      { capacity: 8, classes, probeWindow: 9 },
      { capacity: 8, classes, probeWindow: 0 },
      { capacity: 8, classes, hashSeed: -1 },
      { capacity: 8, classes, hashSeed: 2 ** 32 },
    ];
    for (const options of bad) expect(errorCode(RateLimiter.create(options)), JSON.stringify(options)).toBe(ErrorCode.InvalidArgument);
  });

  it("defaults the probe window to 8, or to the capacity when smaller", () => {
    expect(limiter({ capacity: 100 }).probeWindow).toBe(8);
    expect(limiter({ capacity: 3 }).probeWindow).toBe(3);
  });
});

describe("RateLimiter.tryTake", () => {
  it("admits a new peer's full burst, then limits it", () => {
    const rl = limiter();
    expect([1, 2, 3, 4].map(() => rl.tryTake(9, 0, 0))).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.Ok, ErrorCode.RateLimited]);
    expect(counts(rl)).toEqual([3, 1, 0, 0, 0, 1]);
  });

  it("refills one token per 1000 ms at 1000 milli-tokens per second, not a millisecond early", () => {
    const rl = limiter();
    rl.tryTake(9, 0, 0, 3);
    expect(rl.tryTake(9, 0, 999)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 0, 1_000)).toBe(ErrorCode.Ok);
    expect(rl.tryTake(9, 0, 1_000)).toBe(ErrorCode.RateLimited);
  });

  it("supports fractional rates: 500 milli-tokens per second is one token per 2000 ms", () => {
    const rl = limiter({ classes: [{ refillPerSecondMilli: 500, burstTokens: 1 }] });
    expect(rl.tryTake(9, 0, 0)).toBe(ErrorCode.Ok);
    expect(rl.tryTake(9, 0, 1_999)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 0, 2_000)).toBe(ErrorCode.Ok);
  });

  it("keeps partial refill across calls instead of losing the remainder", () => {
    const rl = limiter({ classes: [{ refillPerSecondMilli: 3, burstTokens: 1 }] }); // one token per 333,333.3 ms
    rl.tryTake(9, 0, 0);
    for (let t = 1_000; t < 333_000; t += 1_000) expect(rl.tryTake(9, 0, t)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 0, 333_333)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 0, 333_334)).toBe(ErrorCode.Ok);
  });

  it("never refills past the burst, however long the peer was idle", () => {
    const rl = limiter();
    rl.tryTake(9, 0, 0, 3);
    const later = 10 ** 12;
    expect(rl.availableMilli(9, 0, later)).toBe(3_000);
    expect([1, 2, 3, 4].map(() => rl.tryTake(9, 0, later))).toEqual([ErrorCode.Ok, ErrorCode.Ok, ErrorCode.Ok, ErrorCode.RateLimited]);
  });

  it("takes cost tokens at once and limits a request the bucket cannot fully cover", () => {
    const rl = limiter();
    expect(rl.tryTake(9, 0, 0, 2)).toBe(ErrorCode.Ok);
    expect(rl.tryTake(9, 0, 0, 2)).toBe(ErrorCode.RateLimited);
    expect(rl.availableMilli(9, 0, 0)).toBe(1_000);
  });

  it("grants nothing when time goes backwards", () => {
    const rl = limiter();
    rl.tryTake(9, 0, 5_000, 3);
    expect(rl.tryTake(9, 0, 0)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 0, 5_999)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 0, 6_000)).toBe(ErrorCode.Ok);
  });

  it("keeps a separate bucket per message class for the same peer", () => {
    const rl = limiter({ classes: [ONE_PER_SECOND, { refillPerSecondMilli: 1_000, burstTokens: 2 }] });
    expect(rl.tryTake(9, 0, 0)).toBe(ErrorCode.Ok);
    expect(rl.tryTake(9, 0, 0)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(9, 1, 0)).toBe(ErrorCode.Ok);
    expect(rl.tryTake(9, 1, 0)).toBe(ErrorCode.Ok);
    expect(rl.size).toBe(2);
  });

  it("rejects a bad peer id, class, time or cost with InvalidArgument, counts it, and creates no entry", () => {
    const rl = limiter();
    rl.tryTake(9, 0, 100, 1);
    const before = rl.availableMilli(9, 0, 100);
    const bad: (() => number)[] = [
      () => rl.tryTake(-1, 0, 100),
      () => rl.tryTake(2 ** 32, 0, 100),
      () => rl.tryTake(1.5, 0, 100),
      () => rl.tryTake(9, 1, 100),
      () => rl.tryTake(9, -1, 100),
      () => rl.tryTake(9, 0, -1),
      () => rl.tryTake(9, 0, 0.5),
      () => rl.tryTake(9, 0, Number.NaN),
      () => rl.tryTake(9, 0, 100, 0),
      () => rl.tryTake(9, 0, 100, 1.5),
      () => rl.tryTake(9, 0, 100, 4), // more than the burst can ever hold
    ];
    for (const call of bad) expect(call()).toBe(ErrorCode.InvalidArgument);
    expect(counts(rl)).toEqual([1, 0, 0, 0, bad.length, 1]);
    expect(rl.availableMilli(9, 0, 100)).toBe(before);
    expect(rl.availableMilli(9, 5, 100)).toBe(-1);
  });

  it("reports a full burst for a peer it has never seen, without creating an entry", () => {
    const rl = limiter();
    expect(rl.availableMilli(77, 0, 0)).toBe(3_000);
    expect(rl.has(77, 0)).toBe(false);
    expect(rl.size).toBe(0);
  });
});

// capacity == probeWindow makes the table fully associative, so tests do not depend on the hash.
function fullyAssociative(capacity: number, rate: RateClass = ONE_PER_SECOND): RateLimiter {
  return unwrap(RateLimiter.create({ capacity, probeWindow: capacity, classes: [rate] }));
}

describe("RateLimiter eviction policy", () => {
  it("reclaims an entry only once its bucket has refilled to the full burst, and counts it", () => {
    const rl = fullyAssociative(2);
    rl.tryTake(1, 0, 0);
    rl.tryTake(2, 0, 500);
    expect(rl.tryTake(3, 0, 999)).toBe(ErrorCode.RateLimited); // both buckets still refilling
    expect(rl.refusedCount).toBe(1);
    expect(rl.tryTake(3, 0, 1_000)).toBe(ErrorCode.Ok); // peer 1 is full again: reclaimed
    expect(rl.evictedCount).toBe(1);
    expect([rl.has(1, 0), rl.has(2, 0), rl.has(3, 0)]).toEqual([false, true, true]);
  });

  it("picks the reclaimable entry seen longest ago", () => {
    const rl = fullyAssociative(3);
    rl.tryTake(1, 0, 300);
    rl.tryTake(2, 0, 100);
    rl.tryTake(3, 0, 200);
    expect(rl.tryTake(4, 0, 5_000)).toBe(ErrorCode.Ok);
    expect([rl.has(1, 0), rl.has(2, 0), rl.has(3, 0), rl.has(4, 0)]).toEqual([true, false, true, true]);
  });

  it("does not let a flood reset a real peer's bucket: its empty bucket stays empty", () => {
    const rl = fullyAssociative(64);
    expect(rl.tryTake(1, 0, 0)).toBe(ErrorCode.Ok);
    for (let id = 1_000; id < 101_000; id++) rl.tryTake(id, 0, 0);
    expect(rl.has(1, 0)).toBe(true);
    expect(rl.tryTake(1, 0, 0)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(1, 0, 999)).toBe(ErrorCode.RateLimited);
    expect(rl.tryTake(1, 0, 1_000)).toBe(ErrorCode.Ok);
  });

  it("gives a peer evicted while idle exactly its burst back, no more", () => {
    const rl = fullyAssociative(1, { refillPerSecondMilli: 1_000, burstTokens: 2 });
    rl.tryTake(1, 0, 0, 2);
    rl.tryTake(2, 0, 2_000); // peer 1 has refilled to 2 tokens: reclaimed
    expect(rl.has(1, 0)).toBe(false);
    expect(rl.tryTake(1, 0, 4_000)).toBe(ErrorCode.Ok); // reclaims peer 2's full slot
    expect(rl.tryTake(1, 0, 4_000)).toBe(ErrorCode.Ok);
    expect(rl.tryTake(1, 0, 4_000)).toBe(ErrorCode.RateLimited);
    expect(rl.evictedCount).toBe(2);
  });
});

describe("RateLimiter under a flood of 100,000 distinct sender ids", () => {
  /**
   * One new fake id every 10 ms for 1,000,000 ms, and a real peer asking every
   * 10 ms, at 1 token/s, burst 1. The real peer holds one slot (its bucket is
   * never full when a fake arrives, so it is never evicted), leaving 63 slots.
   * Each fake spends its token; its slot becomes reclaimable exactly 1000 ms
   * later. So in every 1000 ms period 63 fakes get a slot and 37 are refused:
   * 63,000 admitted fakes, 63,000 - 63 evictions, 37,000 refusals. The real
   * peer gets exactly one request per second: 1,000 over the run.
   */
  it("keeps the table at capacity, evicts exactly the refilled entries, and leaves the real peer its exact rate", () => {
    const rl = fullyAssociative(64);
    const REAL_PEER = 1;
    let realAdmitted = 0;
    let fakeAdmitted = 0;
    for (let i = 0; i < 100_000; i++) {
      const nowMs = i * 10;
      if (rl.tryTake(REAL_PEER, 0, nowMs) === ErrorCode.Ok) realAdmitted += 1;
      if (rl.tryTake(1_000_000 + i, 0, nowMs) === ErrorCode.Ok) fakeAdmitted += 1;
    }
    expect(rl.capacity).toBe(64);
    expect(rl.size).toBe(64);
    expect(realAdmitted).toBe(1_000);
    expect(fakeAdmitted).toBe(63_000);
    expect(rl.evictedCount).toBe(62_937);
    expect(rl.refusedCount).toBe(37_000);
    expect(rl.admittedCount + rl.limitedCount + rl.refusedCount).toBe(200_000);
  });

  it("with a hashed table and short probe window, memory stays flat and evictions account for every claim", () => {
    const rl = unwrap(RateLimiter.create({ capacity: 1_024, probeWindow: 8, hashSeed: 0x9e3779b9, classes: [ONE_PER_SECOND] }));
    let realAdmitted = 0;
    let fakeAdmitted = 0;
    for (let i = 0; i < 100_000; i++) {
      const nowMs = i; // one fake per millisecond
      if (rl.tryTake(1, 0, nowMs) === ErrorCode.Ok) realAdmitted += 1;
      if (rl.tryTake(1_000_000 + i, 0, nowMs) === ErrorCode.Ok) fakeAdmitted += 1;
    }
    expect(rl.capacity).toBe(1_024);
    expect(rl.size).toBeLessThanOrEqual(1_024);
    expect(realAdmitted).toBe(100); // one per second over 100 s: not inflated, not starved
    // Each admitted fake claimed a slot (new fakes start with a full burst):
    // either an empty one (counted in size, which also holds the real peer) or an evicted one.
    expect(rl.evictedCount).toBe(fakeAdmitted - (rl.size - 1));
    expect(rl.evictedCount).toBeGreaterThan(0);
    expect(fakeAdmitted + rl.refusedCount).toBe(100_000);
  });
});

describe("balance width", () => {
  it("a table whose bursts fit u32 balances (narrow slots) admits, limits and evicts exactly as one with f64 balances", () => {
    const op = fc.record({ peer: fc.nat({ max: 40 }), cls: fc.nat({ max: 1 }), dtMs: fc.nat({ max: 3_000 }), cost: fc.integer({ min: 1, max: 3 }) });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 300 }), fc.nat(), (ops, seed) => {
        const classes: RateClass[] = [
          { refillPerSecondMilli: 700, burstTokens: 3 },
          { refillPerSecondMilli: 4_000_000, burstTokens: 4_294 },
        ];
        const narrow = unwrap(RateLimiter.create({ capacity: 12, classes, hashSeed: seed >>> 0 }));
        // One more class, never used, whose burst needs f64 balances: same table otherwise.
        const wide = unwrap(RateLimiter.create({ capacity: 12, classes: [...classes, { refillPerSecondMilli: 1, burstTokens: 4_295 }], hashSeed: seed >>> 0 }));
        let now = 0;
        for (const o of ops) {
          now += o.dtMs;
          expect(narrow.tryTake(o.peer, o.cls, now, o.cost)).toBe(wide.tryTake(o.peer, o.cls, now, o.cost));
          expect(narrow.availableMilli(o.peer, o.cls, now)).toBe(wide.availableMilli(o.peer, o.cls, now));
        }
        expect([narrow.admittedCount, narrow.limitedCount, narrow.refusedCount, narrow.evictedCount, narrow.size]).toEqual([wide.admittedCount, wide.limitedCount, wide.refusedCount, wide.evictedCount, wide.size]);
      }),
      { numRuns: 100 },
    );
  });
});
