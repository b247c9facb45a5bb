/**
 * The mesh on the real XS engine (README "Mesh transport"): frame encode/decode
 * and a full simulation (so every routing and relay decision) give exactly
 * what V8 gives, trace hash included; and the cost of the mesh hot paths.
 * Computrons are recorded, never asserted (no timing asserts); allocation is
 * asserted where our code is the only allocator.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectCompleted, runOnXs, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { meshFrameVectors, runMeshParity } from "../core/mesh/xs-scenario";
import { buildXsEntry } from "../../tools/xs/build-entry";
import { epochVectors } from "../core/mesh/epoch-scenario";
import { farAhead, fragmentFlood, sealAsAnother } from "../core/mesh/captured-board-scenario";
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
    expect(v8.every((line) => line.includes("hop=0 badHop=305 forged=-305") && line.includes("replayed=-322"))).toBe(true);
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
    expect(v8.counters["drop_hop_forged"]).toBeGreaterThan(0);
  });

  it("epochs on the air: epoch 5 at a receiver on epoch 1 is a wrong epoch, a forgery is forged, each in its own counter, as on V8", () => {
    const xs = find("epochs")["epochs"] as ReturnType<typeof epochVectors>;
    expect(xs).toEqual(JSON.parse(JSON.stringify(epochVectors())));
    expect(xs.opens["wrongEpoch"]).toBe(-ErrorCode.KeyEpochMismatch);
    expect(xs.opens["forged"]).toBe(-ErrorCode.CryptoAuthFailed);
    expect(xs.counters).toEqual({ dropWrongEpoch: 1, dropForged: 0, dropHopForged: 3, dropUnknownKey: 0, framesAccepted: 1 });
    expect(xs.delivered).toBe(1);
  });

  it("a captured board sealing as another is taken 0 times, far-ahead counters lock nobody out, the flood residual is the same, as on V8", () => {
    const xs = find("captured");
    expect(xs["sealAsAnother"]).toEqual(sealAsAnother());
    expect(xs["farAhead"]).toEqual(farAhead());
    const seal = xs["sealAsAnother"] as ReturnType<typeof sealAsAnother>;
    expect([seal.accepted, seal.delivered, seal.genuineDelivered]).toEqual([0, 0, 2]);
    const ahead = xs["farAhead"] as ReturnType<typeof farAhead>;
    expect([ahead.forgedAccepted, ahead.honestAfter, ahead.honestUnicastAfterFlood]).toEqual([0, ahead.honestAfterSent, 1]);
  });

  it("a multi-identity fragment flood: honest delivery within 5 % of the no-flood run, collapsed with the gateway's secrets, as on V8", () => {
    const xs = find("flood");
    expect(xs["none"]).toEqual(fragmentFlood("none"));
    expect(xs["captured"]).toEqual(fragmentFlood("captured"));
    expect(xs["gatewaySecrets"]).toEqual(fragmentFlood("gatewaySecrets"));
    const none = xs["none"] as ReturnType<typeof fragmentFlood>;
    const captured = xs["captured"] as ReturnType<typeof fragmentFlood>;
    expect(none.honestDelivered).toBeGreaterThan(0);
    expect(captured.honestDelivered).toBeGreaterThanOrEqual(Math.ceil(0.95 * none.honestDelivered));
  });

  it("split-tag frames on XS: cost per frame recorded (origin seal, relay hop check + re-stamp, destination hop check + open), relays and opens allocate nothing", () => {
    const c = find("linkCost");
    expect(c["exact"]).toBe(true);
    expect([c["relayBytes"], c["openBytes"]]).toEqual([0, 0]);
    console.log(`link frame on XS (24-byte payload): seal ${Math.round(Number(c["sealComputrons"]))}, relay ${Math.round(Number(c["relayComputrons"]))}, open ${Math.round(Number(c["openComputrons"]))} computrons`);
  });

  it("sealing, opening (seal + open round trip), the lookups and the duplicate-drop receive path allocate nothing per op", () => {
    const cases = run.records.filter((r) => r.kind === "case");
    expect(cases.length).toBe(9);
    expect(cases.some((c) => String(c["name"]).startsWith("link frame seal + open"))).toBe(true);
    for (const c of cases) {
      const name = String(c["name"]);
      expect(c["exact"], name).toBe(true);
      // Sealing, opening and relaying read keys and frames in place (keyedHashAt, streamXorAt): no view per frame.
      expect(c["bytesPerOp"], name).toBe(0);
    }
  });
});
