/**
 * The mesh on the real XS engine (README "Mesh transport"): frame encode/decode
 * and a full simulation (so every routing and relay decision) give exactly
 * what V8 gives, trace hash included; and the cost of the mesh hot paths.
 * Computrons are recorded, never asserted (no timing asserts); allocation is
 * asserted where our code is the only allocator.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectCompleted, runOnXs, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { meshFrameVectors, runMeshParity } from "../mesh/xs-scenario";
import { buildXsEntry } from "../../tools/xs/build-entry";
import { epochVectors } from "../mesh/epoch-scenario";
import { runSplitTagScenario } from "../mesh/split-tag-scenario";
import { runFragmentFlood } from "../mesh/fragment-flood-scenario";
import { XS_KEY_CACHE_ENTRY_BYTES, XS_KEY_SLOT_BYTES } from "../mesh/key-ram";
import { ErrorCode } from "../../core/runtime/errors";

let run: XsRunResult;

beforeAll(async () => {
  const bundle = await buildXsEntry("test/xs/entries/mesh.xs.ts", "mesh");
  run = runOnXs(bundle.outfile);
  expectCompleted(run, "mesh bundle");
});

function find(kind: string): XsRecord {
  const found = run.records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record from XS`);
  return found;
}

describe("mesh on XS", () => {
  it("seals, parses and opens frames byte for byte as V8 does", () => {
    const xs = find("frames")["vectors"] as string[];
    const v8 = meshFrameVectors();
    expect(xs).toHaveLength(24);
    expect(xs).toEqual(v8);
    expect(v8.every((line) => line.includes("forged=-305") && line.includes("replayed=-322"))).toBe(true);
  });

  it("runs the parity scenario with every invariant holding and the same trace hash, counters and statistics as V8", () => {
    const xs = find("summary")["summary"] as ReturnType<typeof runMeshParity>;
    const v8 = runMeshParity();
    expect(xs.ok).toBe(true);
    expect(v8.ok).toBe(true);
    expect(xs.events).toBeGreaterThan(1000);
    expect(xs.traceHash).toBe(v8.traceHash);
    expect(xs).toEqual(JSON.parse(JSON.stringify(v8)));
    expect(v8.counters["frames_relayed"]).toBeGreaterThan(0);
    expect(v8.counters["routed_sends"]).toBeGreaterThan(0);
    expect(v8.counters["drop_forged"]).toBeGreaterThan(0);
  });

  it("epochs on the air: epoch 5 at a receiver on epoch 1 is a wrong epoch, a forgery is forged, each in its own counter, as on V8", () => {
    const xs = find("epochs")["epochs"] as ReturnType<typeof epochVectors>;
    expect(xs).toEqual(JSON.parse(JSON.stringify(epochVectors())));
    expect(xs.opens["wrongEpoch"]).toBe(-ErrorCode.KeyEpochMismatch);
    expect(xs.opens["forged"]).toBe(-ErrorCode.CryptoAuthFailed);
    expect(xs.counters).toEqual({ dropWrongEpoch: 1, dropForged: 3, dropUnknownKey: 0, framesAccepted: 1 });
    expect(xs.delivered).toBe(1);
  });

  it("split-tag frames: a captured board sealing as another is accepted 0 times, far-ahead counters lock nobody out, as on V8", () => {
    const xs = find("splitTag")["report"] as ReturnType<typeof runSplitTagScenario>;
    expect(xs).toEqual(JSON.parse(JSON.stringify(runSplitTagScenario())));
    expect(xs.genuineOpened).toBe(20);
    expect([xs.relayHopAccepted, xs.gatewayAccepted, xs.capturedRelayE2eAccepted, xs.gatewayReplayAfterForgeries]).toEqual([0, 0, 0, 0]);
    expect(xs.honestAfterFarAhead).toBe(20);
  });

  it("a multi-identity fragment flood: honest delivery within 5 % of the no-flood run with split tags, collapsed with group keys, as on V8", () => {
    const xs = find("flood");
    expect(xs["none"]).toEqual(runFragmentFlood("none"));
    expect(xs["splitTag"]).toEqual(runFragmentFlood("splitTag"));
    expect(xs["groupKeys"]).toEqual(runFragmentFlood("groupKeys"));
    const none = xs["none"] as ReturnType<typeof runFragmentFlood>;
    const split = xs["splitTag"] as ReturnType<typeof runFragmentFlood>;
    expect(split.honestDelivered).toBeGreaterThanOrEqual(Math.ceil(0.95 * none.honestDelivered));
    expect(none.honestDelivered).toBeGreaterThan(0);
  });

  it("split-tag frames on XS: cost per frame recorded (origin seal, relay hop check + re-stamp, gateway hop check + open), nothing allocated", () => {
    const c = find("splitTagCost");
    for (const key of ["sealComputrons", "relayComputrons", "openComputrons"]) expect(Number(c[key])).toBeGreaterThan(0);
    expect(c["exact"]).toBe(true);
    expect([c["sealBytes"], c["relayBytes"], c["openBytes"]]).toEqual([0, 0, 0]);
  });

  it("RAM per link key on XS: one symmetric key-store slot and one sender-key-cache entry (the bench's per-neighbour rows)", () => {
    const k = find("keyRam");
    expect(k["exact"]).toBe(true);
    // 16 B of slot metadata + 32 key bytes in the slab's ArrayBuffer; 3 float64 + a 12-byte nonce base per cache entry (XS chunks round up).
    expect(k["slotBytes"]).toBe(XS_KEY_SLOT_BYTES);
    expect(k["cacheEntryBytes"]).toBe(XS_KEY_CACHE_ENTRY_BYTES);
  });

  it("sealing, opening (seal + open round trip), the lookups and the duplicate-drop receive path allocate nothing per op", () => {
    const cases = run.records.filter((r) => r.kind === "case");
    expect(cases.length).toBe(8);
    expect(cases.some((c) => String(c["name"]).startsWith("link frame seal + open"))).toBe(true);
    for (const c of cases) {
      const name = String(c["name"]);
      expect(c["exact"], name).toBe(true);
      expect(Number(c["computronsPerOp"])).toBeGreaterThan(0);
      // Opening reads the sealed bytes in place through the provider's aeadOpenAt: no view per frame.
      expect(c["bytesPerOp"], name).toBe(0);
    }
  });
});
