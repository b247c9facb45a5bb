/**
 * Mesh tables whose entries share one backing array with a per-entry
 * stride: every layout keeps what it stores, entries of different slots
 * never mix, and capacity and the full policy are honoured exactly.
 */
import * as fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { ReplayTable, VolatileCounterSource } from "../../core/crypto/index";
import { BROADCAST_NODE_ID, FrameType, LinkClass, LinkHeader, LinkOpener, LinkScratch, LinkSealer, NeighbourChange, NeighbourTable, RecentPairs, RelayQueue, parseLinkHeader, snrQualityPermille } from "../../core/mesh/index";
import { keyring } from "../mesh/helpers";
import { unwrap } from "../mesh/fixtures";

describe("recent pairs: value and time kept only when used", () => {
  const layouts = [
    { minAgeMs: 0, withValues: true },
    { minAgeMs: 0, withValues: false },
    { minAgeMs: 50, withValues: true },
    { minAgeMs: 50, withValues: false },
  ];

  for (const { minAgeMs, withValues } of layouts) {
    it(`min age ${minAgeMs}, ${withValues ? "with" : "without"} values: matches a model of the last entries, values and the age policy`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 8 }),
          fc.array(fc.record({ id: fc.integer({ min: 1, max: 5 }), n: fc.nat({ max: 6 }), gapMs: fc.nat({ max: 40 }) }), { maxLength: 60 }),
          (capacity, ops) => {
            const set = unwrap(RecentPairs.create(capacity, minAgeMs, withValues));
            const model: { id: number; n: number; value: number; atMs: number }[] = [];
            let now = 0;
            for (const o of ops) {
              now += o.gapMs;
              if (set.find(o.id, o.n) >= 0) continue;
              const value = o.id * 1000 + o.n + 1;
              const oldest = model[0];
              const refuse = model.length === capacity && minAgeMs > 0 && oldest !== undefined && now - oldest.atMs < minAgeMs;
              expect(set.wouldAccept(now)).toBe(!refuse);
              const slot = set.insert(o.id, o.n, value, now);
              if (refuse) {
                expect(slot).toBe(-ErrorCode.Full);
                continue;
              }
              expect(slot).toBeGreaterThanOrEqual(0);
              if (model.length === capacity) model.shift();
              model.push({ id: o.id, n: o.n, value, atMs: now });
              expect(set.size).toBe(model.length);
              if (set.collisionCount > 0) return;
              for (const e of model) {
                const at = set.find(e.id, e.n);
                expect(at).toBeGreaterThanOrEqual(0);
                expect(set.valueAt(at)).toBe(withValues ? e.value : 0);
              }
            }
          },
        ),
        { numRuns: 100 },
      );
    });
  }

  it("setValueAt changes only its own entry, and nothing when values are not kept", () => {
    const set = unwrap(RecentPairs.create(4, 10));
    const a = set.insert(1, 1, 11, 0);
    const b = set.insert(2, 2, 22, 0);
    set.setValueAt(a, 99);
    expect([set.valueAt(a), set.valueAt(b)]).toEqual([99, 22]);
    const bare = unwrap(RecentPairs.create(4, 10, false));
    const c = bare.insert(1, 1, 11, 0);
    bare.setValueAt(c, 99);
    expect(bare.valueAt(c)).toBe(0);
    expect(bare.find(1, 1)).toBe(c);
  });
});

describe("relay queue: deadlines kept per slot (no heap of its own)", () => {
  it("matches a model: capacity exactly, the earliest deadline (first scheduled among equals), due relays per class, cancellation", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("schedule" as const), counter: fc.nat({ max: 9 }), cls: fc.nat({ max: 2 }), deadline: fc.nat({ max: 20 }), length: fc.integer({ min: 1, max: 40 }) }),
      fc.record({ kind: fc.constant("cancel" as const), counter: fc.nat({ max: 9 }) }),
      fc.record({ kind: fc.constant("take" as const), now: fc.nat({ max: 25 }), cls: fc.nat({ max: 2 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 60 }), (slots, ops) => {
        const queue = unwrap(RelayQueue.create(slots, 40));
        type Entry = { counter: number; cls: number; deadline: number; seq: number; length: number; slot: number };
        let model: Entry[] = [];
        let seq = 0;
        const frame = new Uint8Array(40);
        const out = new Uint8Array(40);
        for (const o of ops) {
          if (o.kind === "schedule") {
            if (model.some((e) => e.counter === o.counter)) continue;
            frame.fill(o.counter + 1);
            const slot = queue.schedule(frame, o.length, 7, o.counter, o.cls, 1, o.deadline);
            if (model.length === slots) {
              expect(slot).toBe(-ErrorCode.MeshQueueFull);
              continue;
            }
            expect(slot).toBeGreaterThanOrEqual(0);
            model.push({ counter: o.counter, cls: o.cls, deadline: o.deadline, seq: seq++, length: o.length, slot });
          } else if (o.kind === "cancel") {
            const known = model.some((e) => e.counter === o.counter);
            expect(queue.cancel(7, o.counter)).toBe(known ? ErrorCode.Ok : ErrorCode.NotFound);
            model = model.filter((e) => e.counter !== o.counter);
          } else {
            const due = model.filter((e) => e.cls === o.cls && e.deadline <= o.now).sort((a, b) => a.deadline - b.deadline || a.slot - b.slot)[0];
            const slot = queue.dueOfClass(o.now, o.cls);
            expect(slot).toBe(due === undefined ? -ErrorCode.NotFound : due.slot);
            if (due !== undefined) {
              expect(queue.readFrame(slot, out)).toBe(due.length);
              expect(out.subarray(0, due.length).every((b) => b === due.counter + 1)).toBe(true);
              queue.release(slot);
              model = model.filter((e) => e !== due);
            }
          }
          expect(queue.size).toBe(model.length);
          const first = [...model].sort((a, b) => a.deadline - b.deadline || a.seq - b.seq)[0];
          expect(queue.nextDeadlineMs()).toBe(first === undefined ? Number.POSITIVE_INFINITY : first.deadline);
          expect(queue.peekDue(1_000)).toBe(first === undefined ? -ErrorCode.NotFound : first.slot);
          if (first !== undefined) expect(queue.peekDue(first.deadline - 1)).toBe(-ErrorCode.NotFound);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe("a node's sealer and opener share one nonce and AAD scratch", () => {
  it("alternating seals and opens of frames from other senders, with headers of every length, all authenticate and round-trip", () => {
    const ring = keyring();
    const scratch = new LinkScratch();
    const own = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(1), 5, scratch));
    const ownKey = ring.sendKey(5);
    if (ownKey === undefined) throw new Error("no key");
    own.setKey(ownKey);
    const opener = new LinkOpener(ring.provider, ring.groupKeys, unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 })), scratch);
    const peer = unwrap(LinkSealer.create(ring.provider, new VolatileCounterSource(0xfffff0), 9));
    const peerKey = ring.sendKey(9);
    if (peerKey === undefined) throw new Error("no key");
    peer.setKey(peerKey);
    const peerOpener = new LinkOpener(ring.provider, ring.groupKeys, unwrap(ReplayTable.create({ capacity: 16, windowBits: 64 })));
    const h = new LinkHeader();
    const frame = new Uint8Array(255);
    const out = new Uint8Array(255);
    for (let k = 0; k < 40; k++) {
      const payload = Uint8Array.from({ length: 5 + k }, (_v, i) => (i * 3 + k) & 0xff);
      const type = k % 2 === 0 ? FrameType.Broadcast : FrameType.Unicast;
      // A frame from the peer (its counter crosses into the long form), opened with the shared scratch.
      const header = new LinkHeader();
      Object.assign(header, { type, trafficClass: LinkClass.Telemetry, hopLimit: 3, hopsTaken: 0, source: 9, destination: type === FrameType.Broadcast ? BROADCAST_NODE_ID : 5, linkHint: 9, relayHint: 9 });
      const inLength = peer.seal(header, payload, frame);
      expect(inLength).toBeGreaterThan(0);
      expect(parseLinkHeader(frame, inLength, h)).toBe(ErrorCode.Ok);
      expect(opener.open(frame, inLength, h, out)).toBe(payload.length);
      expect(out.subarray(0, payload.length)).toEqual(payload);
      // Then one of ours, sealed with the same scratch, opened by the peer.
      Object.assign(header, { source: 5, destination: type === FrameType.Broadcast ? BROADCAST_NODE_ID : 9, linkHint: 5, relayHint: 5 });
      const outLength = own.seal(header, payload, frame);
      expect(outLength).toBeGreaterThan(0);
      expect(parseLinkHeader(frame, outLength, h)).toBe(ErrorCode.Ok);
      expect(peerOpener.open(frame, outLength, h, out)).toBe(payload.length);
      expect(out.subarray(0, payload.length)).toEqual(payload);
    }
  });
});

describe("neighbour table: id, use and link figures of a slot in one array", () => {
  it("matches a model: each neighbour's own SNR average and last heard time, capacity exactly, the one heard longest ago evicted", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.record({ id: fc.integer({ min: 1, max: 0xfffe }), gapMs: fc.integer({ min: 1, max: 50 }), snr: fc.integer({ min: -128, max: 127 }), rssi: fc.integer({ min: -255, max: 0 }) }), { maxLength: 60 }),
        (capacity, ops) => {
          const table = unwrap(NeighbourTable.create(capacity));
          const model = new Map<number, { snr: number; heardMs: number }>();
          let now = 0;
          for (const o of ops) {
            now += o.gapMs;
            const known = model.get(o.id);
            const change = table.heard(o.id, now, o.rssi, o.snr);
            if (known !== undefined) {
              expect(change).toBe(NeighbourChange.Refreshed);
              known.snr = known.snr + ((o.snr - known.snr) >> 2);
              known.heardMs = now;
            } else {
              if (model.size === capacity) {
                expect(change).toBe(NeighbourChange.AddedEvicting);
                const oldest = [...model.entries()].sort((a, b) => a[1].heardMs - b[1].heardMs)[0];
                expect(table.lastEvictedId).toBe(oldest?.[0]);
                if (oldest !== undefined) model.delete(oldest[0]);
              } else expect(change).toBe(NeighbourChange.Added);
              model.set(o.id, { snr: o.snr, heardMs: now });
            }
            expect(table.size).toBe(model.size);
            for (const [id, e] of model) {
              expect(table.has(id)).toBe(true);
              expect(table.qualityPermille(id)).toBe(snrQualityPermille(e.snr));
              expect(table.lastHeardMs(id)).toBe(e.heardMs);
            }
          }
        },
      ),
      { numRuns: 150 },
    );
  });
});
