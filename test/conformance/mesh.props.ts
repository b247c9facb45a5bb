/**
 * Property definitions for core/mesh (README "Mesh transport"), platform neutral: the same
 * list runs on V8 (test/core/mesh/mesh.property.test.ts) and inside the XS engine
 * (test/xs/conformance.test.ts). fast-check comes in as a parameter.
 */
import { ErrorCode } from "../../core/runtime/errors";
import {
  AirtimeWindow,
  BROADCAST_NODE_ID,
  DutyCycleBudget,
  FragmentHeader,
  FragmentResult,
  HopAckHistory,
  HopAckTable,
  LINK_TAG_BYTES,
  LinkHeader,
  RecentPairs,
  ReassemblyTable,
  RouteTable,
  fragmentChunkBytes,
  fragmentCount,
  fragmentOffset,
  hasDestination,
  loraAirtimeUs,
  parseLinkHeader,
  readHopAckEntry,
  rewriteHopFields,
  writeAad,
  writeLinkHeader,
  type FrameType,
  type LinkClass,
  type LoRaParams,
} from "../../core/mesh/index";
import { check, unwrap, type ConformanceProperty, type FastCheck } from "./support";


export type MeshProperty = ConformanceProperty;



function headerArbitrary(fc: FastCheck) {
  return fc.record({
    type: fc.integer({ min: 0, max: 7 }),
    trafficClass: fc.integer({ min: 0, max: 2 }),
    keyPhase: fc.integer({ min: 0, max: 7 }),
    hopLimit: fc.integer({ min: 0, max: 7 }),
    hopsTaken: fc.integer({ min: 0, max: 7 }),
    routed: fc.boolean(),
    source: fc.integer({ min: 1, max: 0xfffe }),
    destination: fc.integer({ min: 1, max: 0xfffe }),
    counter: fc.oneof(fc.integer({ min: 0, max: 0xffffff }), fc.integer({ min: 0x1000000, max: 0xffffffff })),
    linkHint: fc.integer({ min: 0, max: 255 }),
    relayHint: fc.integer({ min: 0, max: 255 }),
  });
}

function toHeader(fields: Record<string, number | boolean>): LinkHeader {
  const h = new LinkHeader();
  Object.assign(h, fields);
  if (!hasDestination(h.type)) {
    h.destination = BROADCAST_NODE_ID;
    h.relayHint = 0; // only unicast types carry it
  }
  if (h.hopsTaken > h.hopLimit) h.hopsTaken = h.hopLimit;
  return h;
}

function headerRoundTrip(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(headerArbitrary(fc), (fields) => {
      const h = toHeader(fields);
      h.type = h.type as FrameType;
      h.trafficClass = h.trafficClass as LinkClass;
      const frame = new Uint8Array(32);
      const n = writeLinkHeader(h, frame);
      const out = new LinkHeader();
      check(parseLinkHeader(frame, n + LINK_TAG_BYTES, out) === ErrorCode.Ok, "parse failed");
      for (const key of ["type", "trafficClass", "keyPhase", "hopLimit", "hopsTaken", "routed", "source", "destination", "counter", "linkHint", "relayHint"] as const) {
        check(out[key] === h[key], `${key}: ${String(out[key])} != ${String(h[key])}`);
      }
      return true;
    }),
    { numRuns, seed },
  );
}

function aadExcludesOnlyHopFields(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(headerArbitrary(fc), fc.integer({ min: 0, max: 7 }), fc.boolean(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.nat(), (fields, hops, routed, hint, relay, pick) => {
      const h = toHeader(fields);
      const frame = new Uint8Array(32);
      const n = writeLinkHeader(h, frame);
      const before = new Uint8Array(16);
      const after = new Uint8Array(16);
      writeAad(frame, n, before);
      const relayed = frame.slice();
      rewriteHopFields(relayed, n, hops, routed, hint, relay);
      writeAad(relayed, n, after);
      for (let i = 0; i < n; i++) check(before[i] === after[i], `relay changed AAD byte ${i}`);
      // Any other bit changes the AAD.
      const bit = pick % (8 * n);
      const at = bit >>> 3;
      const mask = 1 << (bit & 7);
      // The link hint ends the header; unicast types carry the relay hint after it.
      const hints = hasDestination(h.type) ? 2 : 1;
      const mutable = at >= n - hints || (at === 1 && (mask & 0x1e) !== 0);
      const changed = frame.slice();
      changed[at] = (changed[at] ?? 0) ^ mask;
      writeAad(changed, n, after);
      let same = true;
      for (let i = 0; i < n; i++) if (before[i] !== after[i]) same = false;
      check(same === mutable, `bit ${bit}: AAD ${same ? "unchanged" : "changed"}`);
      return true;
    }),
    { numRuns, seed },
  );
}

function parseNeverThrows(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 70 }), (bytes, length) => {
      const code = parseLinkHeader(bytes, length, new LinkHeader());
      check(code === ErrorCode.Ok || (code >= 500 && code < 600), `code ${code}`);
      return true;
    }),
    { numRuns, seed },
  );
}

function airtimeMatchesFormula(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 7, max: 12 }),
      fc.constantFrom(62_500, 125_000, 250_000, 500_000),
      fc.integer({ min: 5, max: 8 }),
      fc.integer({ min: 6, max: 20 }),
      fc.boolean(),
      fc.boolean(),
      fc.integer({ min: 0, max: 255 }),
      (spreadingFactor, bandwidthHz, codingRateDenominator, preambleSymbols, crcOn, implicitHeader, length) => {
        const p: LoRaParams = { spreadingFactor, bandwidthHz, codingRateDenominator, preambleSymbols, crcOn, implicitHeader };
        const tSymMs = 2 ** spreadingFactor / (bandwidthHz / 1000);
        const de = tSymMs > 16 ? 1 : 0;
        const symbols = 8 + Math.max(Math.ceil((8 * length - 4 * spreadingFactor + 28 + (crcOn ? 16 : 0) - (implicitHeader ? 20 : 0)) / (4 * (spreadingFactor - 2 * de))) * (codingRateDenominator - 4 + 4), 0);
        const referenceUs = ((preambleSymbols + 4.25) * tSymMs + symbols * tSymMs) * 1000;
        const us = loraAirtimeUs(p, length);
        check(us >= referenceUs - 1e-6 && us - referenceUs < 1, `${us} vs ${referenceUs}`);
        return true;
      },
    ),
    { numRuns, seed },
  );
}

function dutyNeverExceeded(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: 3000 }), fc.integer({ min: 1, max: 900_000 }), fc.integer({ min: 0, max: 2 })), { maxLength: 150 }), (attempts) => {
      const windowMs = 30_000;
      const budget = unwrap(DutyCycleBudget.create({ dutyCyclePpm: 50_000, windowMs, bucketCount: 15, classSharePermille: [1000, 800, 600] }), "budget");
      const sent: [number, number][] = [];
      let now = 0;
      for (const [gap, airtimeUs, cls] of attempts) {
        now += gap;
        const last = sent[sent.length - 1];
        if (last !== undefined && now * 1000 < last[0] + last[1]) continue;
        if (!budget.allows(now, airtimeUs, cls)) continue;
        budget.record(now, airtimeUs);
        sent.push([now * 1000, airtimeUs]);
        const end = now * 1000 + airtimeUs;
        let used = 0;
        for (const [s, d] of sent) used += Math.max(0, Math.min(end, s + d) - Math.max(end - windowMs * 1000, s));
        check(used <= budget.budgetUs, `on air ${used} µs > budget ${budget.budgetUs}`);
      }
      return true;
    }),
    { numRuns, seed },
  );
}

function windowNeverUndercounts(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: 2000 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 100 }), fc.constantFrom(1, 2, 5, 10), (records, buckets) => {
      const windowMs = 10_000;
      const window = unwrap(AirtimeWindow.create(windowMs, buckets), "window");
      const kept: [number, number][] = [];
      let now = 0;
      for (const [gap, us] of records) {
        now += gap;
        window.record(now, us);
        kept.push([now, us]);
        let exact = 0;
        for (const [t, v] of kept) if (t > now - windowMs) exact += v;
        check(window.usedUs(now) >= exact, `window ${window.usedUs(now)} < exact ${exact}`);
      }
      return true;
    }),
    { numRuns, seed },
  );
}

function reassemblyAnyOrder(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 10, max: 200 }), fc.array(fc.nat(), { minLength: 1, maxLength: 200 }), (total, chunk, picks) => {
      const count = fragmentCount(total, chunk);
      if (count === 0) return true;
      const message = new Uint8Array(total);
      for (let i = 0; i < total; i++) message[i] = (i * 29 + total) & 0xff;
      let covered = 0;
      for (let i = 0; i < count; i++) {
        check(fragmentOffset(total, count, i) === covered, "fragments not contiguous");
        covered += fragmentChunkBytes(total, count, i);
      }
      check(covered === total, "fragments do not cover the message");
      const table = unwrap(ReassemblyTable.create({ slots: 2, slotBytes: 600, perSenderMax: 1, timeoutMs: 1_000_000 }), "table");
      const order = picks.map((p) => p % count);
      for (let i = 0; i < count; i++) order.push(i); // every fragment at least once, after the random ones
      let complete = false;
      for (const index of order) {
        if (complete) break;
        const h = Object.assign(new FragmentHeader(), { messageId: 9, index, count, ackRequested: false, totalBytes: total });
        const offset = fragmentOffset(total, count, index);
        const result = table.accept(3, 2, h, message, offset, 0);
        check(result >= 0, `refused with ${-result}`);
        complete = result === FragmentResult.Complete;
      }
      check(complete, "never completed");
      const out = new Uint8Array(total);
      table.read(table.completedSlot, 0, out, 0, total);
      for (let i = 0; i < total; i++) check(out[i] === message[i], `byte ${i} differs`);
      check(table.checkInvariants() === ErrorCode.Ok, "invariants");
      return true;
    }),
    { numRuns, seed },
  );
}

function recentPairsModel(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 32 }), fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.nat({ max: 40 })), { maxLength: 200 }), (capacity, pairs) => {
      const table = unwrap(RecentPairs.create(capacity), "table");
      const model: [number, number][] = [];
      for (const [id, n] of pairs) {
        if (model.some(([a, b]) => a === id && b === n)) {
          check(table.find(id, n) >= 0, `(${id}, ${n}) lost`);
          continue;
        }
        check(table.find(id, n) < 0, `(${id}, ${n}) found before insert`);
        table.insert(id, n, id * 100 + n, 0);
        model.push([id, n]);
        if (model.length > capacity) model.shift();
        check(table.size === model.length, "size differs from the model");
      }
      for (const [id, n] of model) {
        const slot = table.find(id, n);
        if (table.collisionCount === 0) check(slot >= 0 && table.valueAt(slot) === id * 100 + n, `(${id}, ${n}) missing`);
      }
      return true;
    }),
    { numRuns, seed },
  );
}

/** One watched frame in the hop-ack model: (source, counter) -> what the table must know about it. */
interface WatchedFrame {
  hops: number;
  nextHop: number;
  tag: number;
  sends: number;
  deadlineMs: number;
}

/**
 * Hop-ack table against a model: it holds exactly the frames watched and not
 * yet taken, never more than its capacity; a copy heard releases a frame
 * only when it went further and carries the same tag, a HopAck only from the
 * frame's next hop; a frame is given up only past its deadline with its
 * sends used.
 */
function hopAckTableModel(fc: FastCheck, numRuns: number, seed: number): void {
  const op = fc.oneof(
    fc.record({ kind: fc.constant(0), counter: fc.nat({ max: 5 }), hops: fc.nat({ max: 3 }), nextHop: fc.integer({ min: 1, max: 3 }), tag: fc.nat({ max: 2 }), atMs: fc.nat({ max: 50 }) }),
    fc.record({ kind: fc.constant(1), counter: fc.nat({ max: 5 }), hops: fc.nat({ max: 4 }), nextHop: fc.integer({ min: 1, max: 3 }), tag: fc.nat({ max: 2 }), atMs: fc.nat({ max: 50 }) }),
    fc.record({ kind: fc.constant(2), counter: fc.nat({ max: 5 }), hops: fc.nat({ max: 4 }), nextHop: fc.integer({ min: 1, max: 3 }), tag: fc.nat({ max: 2 }), atMs: fc.nat({ max: 50 }) }),
    fc.record({ kind: fc.constant(3), counter: fc.nat({ max: 5 }), hops: fc.nat({ max: 4 }), nextHop: fc.integer({ min: 1, max: 3 }), tag: fc.nat({ max: 2 }), atMs: fc.nat({ max: 50 }) }),
  );
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 120 }), (capacity, ops) => {
      const table = unwrap(HopAckTable.create(capacity, 48), "table");
      const model = new Map<number, WatchedFrame>();
      const frame = new Uint8Array(40);
      const sendsMax = 3;
      let now = 0;
      for (const o of ops) {
        now += o.atMs;
        frame.fill(o.tag, 40 - LINK_TAG_BYTES);
        const known = model.get(o.counter);
        if (o.kind === 0) {
          const slot = table.watch(frame, 40, { source: 7, counter: o.counter, hopsTaken: o.hops, linkHint: o.nextHop, destination: 9, trafficClass: 2 }, now + 100, -1, 0);
          if (known !== undefined) {
            check(slot >= 0, "a resend lost its slot");
            known.sends++;
            known.hops = o.hops;
            known.nextHop = o.nextHop;
            known.tag = o.tag;
            known.deadlineMs = now + 100;
          } else if (model.size < capacity) {
            check(slot >= 0, "refused with room left");
            model.set(o.counter, { hops: o.hops, nextHop: o.nextHop, tag: o.tag, sends: 1, deadlineMs: now + 100 });
          } else check(slot === -ErrorCode.MeshQueueFull, `full table gave ${slot}`);
        } else if (o.kind === 1) {
          const slot = table.forwardedSlot(7, o.counter, o.hops, frame, 40);
          const expected = known !== undefined && o.hops > known.hops && o.tag === known.tag;
          check((slot >= 0) === expected, `forwarded copy (${o.counter}, hops ${o.hops}, tag ${o.tag}): ${slot}`);
          if (slot >= 0) {
            table.release(slot);
            model.delete(o.counter);
          }
        } else if (o.kind === 2) {
          const slot = table.acknowledgedSlot(7, o.counter, o.nextHop);
          check((slot >= 0) === (known !== undefined && known.nextHop === o.nextHop), `hop ack (${o.counter}) from ${o.nextHop}: ${slot}`);
          if (slot >= 0) {
            table.release(slot);
            model.delete(o.counter);
          }
        } else {
          const slot = table.exhausted(now, sendsMax);
          if (slot >= 0) {
            const counter = table.counterAt(slot);
            const gone = model.get(counter);
            check(gone !== undefined && gone.sends >= sendsMax && gone.deadlineMs <= now, `gave up (${counter}) too early`);
            table.release(slot);
            model.delete(counter);
          } else {
            for (const [counter, w] of model) check(!(w.sends >= sendsMax && w.deadlineMs <= now), `(${counter}) not given up`);
          }
        }
        check(table.size === model.size && table.size <= capacity, `size ${table.size} vs model ${model.size}`);
      }
      return true;
    }),
    { numRuns, seed },
  );
}

/** Hop-ack history against a model: the newest distinct entries within the window, newest first, at most the limit. */
function hopAckHistoryModel(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 8 }),
      fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.nat({ max: 6 }), fc.nat({ max: 30 })), { maxLength: 60 }),
      fc.integer({ min: 1, max: 5 }),
      fc.nat({ max: 200 }),
      (capacity, notes, limit, windowMs) => {
        const history = unwrap(HopAckHistory.create(capacity), "history");
        const model: [number, number, number][] = []; // newest last
        let now = 0;
        for (const [source, counter, gap] of notes) {
          now += gap;
          history.note(source, counter, now);
          const at = model.findIndex(([s, c]) => s === source && c === counter);
          if (at >= 0) model.splice(at, 1);
          model.push([source, counter, now]);
          if (model.length > capacity) model.shift();
        }
        const out = new Uint8Array(6 * limit);
        const written = history.writeRecent(out, 0, limit, now - windowMs);
        const expected: [number, number][] = [];
        for (let i = model.length - 1; i >= 0 && expected.length < limit; i--) {
          const entry = model[i];
          if (entry === undefined || entry[2] < now - windowMs) break;
          expected.push([entry[0], entry[1]]);
        }
        check(written === expected.length, `wrote ${written}, expected ${expected.length}`);
        const counter = new Float64Array(1);
        for (let i = 0; i < written; i++) {
          const source = readHopAckEntry(out, i, counter);
          check(source === expected[i]?.[0] && counter[0] === expected[i]?.[1], `entry ${i}`);
        }
        return true;
      },
    ),
    { numRuns, seed },
  );
}

/**
 * Route table: a route's failures count only frames its own next hop did
 * not take, consecutively (one taken, or a new next hop, clears them); an
 * advertisement replaces an equally short route only when it is newer.
 */
function routeFailuresModel(fc: FastCheck, numRuns: number, seed: number): void {
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat({ max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.nat({ max: 20 })), { maxLength: 80 }), (ops) => {
      const routes = unwrap(RouteTable.create(4, 1_000_000), "routes");
      let nextHop = -1;
      let hops = 0;
      let failures = 0;
      let advert = -1;
      for (const [kind, hop, length, counter] of ops) {
        if (kind === 0) {
          const got = routes.noteFailure(5, hop);
          if (nextHop === hop) failures = Math.min(255, failures + 1);
          check(got === (nextHop === hop ? failures : 0), `failures ${got} vs ${failures}`);
        } else if (kind === 1) {
          routes.noteSuccess(5, hop);
          if (nextHop === hop) failures = 0;
        } else {
          const isAdvert = kind === 3;
          routes.learn(5, hop, length, 0, isAdvert ? counter : -1);
          const newer = isAdvert && counter > advert;
          if (newer) advert = counter;
          const replace = nextHop < 0 || hop === nextHop || length < hops || (newer && length === hops);
          if (replace) {
            if (hop !== nextHop) failures = 0;
            nextHop = hop;
            hops = length;
          }
          check(routes.nextHop(5, 0) === nextHop && routes.hops(5, 0) === hops, `route ${routes.nextHop(5, 0)}/${routes.hops(5, 0)} vs ${nextHop}/${hops}`);
        }
      }
      return true;
    }),
    { numRuns, seed },
  );
}

export const meshProperties: readonly MeshProperty[] = Object.freeze([
  { name: "link header: every field round-trips", run: headerRoundTrip },
  { name: "link header: the AAD ignores exactly the hop fields a relay may change", run: aadExcludesOnlyHopFields },
  { name: "link header: parsing arbitrary bytes yields Ok or a mesh error code", run: parseNeverThrows },
  { name: "airtime: integer µs equals the Semtech formula rounded up", run: airtimeMatchesFormula },
  { name: "duty cycle: exact on-air time in every sliding window stays within the budget", run: dutyNeverExceeded },
  { name: "airtime window: never below the exact sliding sum", run: windowNeverUndercounts },
  { name: "reassembly: any order with duplicates gives back the message", run: reassemblyAnyOrder },
  { name: "recent pairs: newest `capacity` pairs found, oldest evicted first", run: recentPairsModel },
  { name: "hop acks: the table holds exactly the routed frames not yet taken, released only by a forward further on or their next hop's ack", run: hopAckTableModel },
  { name: "hop acks: a HopAck repeats the newest distinct frames taken within the window, newest first", run: hopAckHistoryModel },
  { name: "routes: failures count consecutive frames the route's own next hop did not take; only a newer advertisement replaces an equally short route", run: routeFailuresModel },
]);
