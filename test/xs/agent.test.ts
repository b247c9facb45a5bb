/**
 * The agent on the real XS engine (README "Building for a board"):
 *  - a small site of full agents (kernel + stand-in transport + gateways)
 *    runs inside XS with the same trace hash and summary as on V8;
 *  - steady state allocates nothing per frame (a whole site slice) and per
 *    sampling turn (driven by agent/driver.ts: a timer wake-up and a radio
 *    interrupt per turn);
 *  - what booting a board with 32 neighbours allocates and holds, raw (this
 *    host's 32-byte slots) and scaled to an MCU's 16-byte slots: the agent
 *    alone against the ESP32-C3's 92 KB JS heap cap, and the agent with its
 *    secured mesh (keys for a 33-board site, replay windows, MeshTransport)
 *    against the same C3 cap (it fits with little to spare: README "Agent on XS");
 *  - computrons per sampling turn (reported, not asserted).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { runOnXs, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { runParitySites, type ParitySummary } from "../agent/site-parity";
import { buildXsEntry, recordOf, runXsEntry } from "../../tools/xs/build-entry";

let run: XsRunResult;
/** Smallest fixed heap (slots, chunk bytes) the baseline and the booting variant of agent-heap.xs.ts complete in. */
let heap: {
  readonly baseSlots: number;
  readonly bootSlots: number;
  readonly agentSlots: number;
  readonly baseChunkBytes: number;
  readonly bootChunkBytes: number;
  readonly agentChunkBytes: number;
};
const find = (kind: string): XsRecord => {
  const found = run.records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record from XS\n${run.output.join("\n")}\n${run.stderr}`);
  return found;
};

/** ESP32-C3 JS heap cap (manifest creation for esp32/esp32c3: static 94208), bytes. */
const ESP32C3_HEAP_CAP_BYTES = 92 * 1024;
/** ESP32 JS heap (manifest creation for esp32: static 131072), bytes. */
const ESP32_HEAP_CAP_BYTES = 128 * 1024;

function completes(file: string, slots: number, chunkBytes: number, booted: number): boolean {
  const result = runOnXs(file, { heapSlots: slots, chunkBytes, fixedHeap: true });
  return result.status === 0 && result.records.some((r) => r.kind === "done" && r["booted"] === booted);
}

/** Binary search for the smallest fixed heap (one dimension; the other generous) a bundle completes in. */
function smallestHeap(file: string, booted: number, dimension: "slots" | "chunk"): number {
  let low = 4096;
  let high = dimension === "slots" ? 1 << 18 : 1 << 24;
  if (!(dimension === "slots" ? completes(file, high, 1 << 24, booted) : completes(file, 1 << 18, high, booted))) throw new Error(`${file} does not complete even with a large heap`);
  while (high - low > 8) {
    const mid = (low + high) >>> 1;
    const ok = dimension === "slots" ? completes(file, mid, 1 << 24, booted) : completes(file, 1 << 18, mid, booted);
    if (ok) high = mid;
    else low = mid;
  }
  return high;
}

beforeAll(async () => {
  run = await runXsEntry("test/xs/entries/agent.xs.ts", "agent", "agent bundle");
  const heapBundle = await buildXsEntry("test/xs/entries/agent-heap.xs.ts", "agent-heap");
  const source = readFileSync(heapBundle.outfile, "utf8");
  const variant = (n: number): string => {
    const file = heapBundle.outfile.replace(/\.js$/, `-boot${n}.js`);
    const rewritten = source.replace(/\b(var|const) BOOT = 0;/, `const BOOT = ${n};`);
    if (rewritten === source) throw new Error("agent-heap bundle: BOOT literal not found");
    writeFileSync(file, rewritten);
    return file;
  };
  const bootFile = variant(1);
  const agentFile = variant(2);
  heap = {
    baseSlots: smallestHeap(heapBundle.outfile, 0, "slots"),
    bootSlots: smallestHeap(bootFile, 1, "slots"),
    agentSlots: smallestHeap(agentFile, 1, "slots"),
    baseChunkBytes: smallestHeap(heapBundle.outfile, 0, "chunk"),
    bootChunkBytes: smallestHeap(bootFile, 1, "chunk"),
    agentChunkBytes: smallestHeap(agentFile, 1, "chunk"),
  };
  console.log(`agent on XS: ${JSON.stringify(run.records.filter((r) => r.kind !== "sites" && r.kind !== "done"))} heap ${JSON.stringify(heap)}`);
});

describe("the agent on XS", () => {
  it("runs a small site of full agents inside XS with every invariant holding", () => {
    const summaries = find("sites")["summaries"] as (ParitySummary | string)[];
    expect(summaries).toHaveLength(2);
    for (const s of summaries) {
      if (typeof s === "string") throw new Error(s);
      expect(s.ok).toBe(true);
      expect(s.alertsDelivered).toBe(s.alertsRaised);
      expect(s.alertsRaised).toBeGreaterThan(0);
      expect(s.readingsDelivered).toBeGreaterThan(0);
      expect(s.storedStateChecks).toBeGreaterThanOrEqual(2);
      expect(s.storedStateLost).toBe(0);
    }
  });

  it("gives the same trace hash and summary as V8 for the same site and seed", () => {
    const v8 = runParitySites();
    const xs = find("sites")["summaries"] as (ParitySummary | string)[];
    for (let i = 0; i < v8.length; i++) {
      const expected = v8[i];
      if (expected === undefined || typeof expected === "string") throw new Error(String(expected));
      expect((xs[i] as ParitySummary).traceHash, `seed ${expected.seed}`).toBe(expected.traceHash);
      expect(xs[i]).toEqual(JSON.parse(JSON.stringify(expected)));
    }
  });

  it("allocates nothing per frame in a steady-state site slice", () => {
    const frames = find("frames");
    expect(frames["exact"]).toBe(true);
    expect(Number(frames["frames"])).toBeGreaterThan(20);
    expect(frames["bytesPerFrame"]).toBe(0);
  });

  it("allocates nothing per steady-state sampling turn driven by the driver loop (a timer wake-up and a radio interrupt), one sample per turn", () => {
    const sampling = find("sampling");
    expect(sampling["exact"]).toBe(true);
    expect(sampling["samples"]).toBe(sampling["turns"]);
    expect(sampling["bytesPerTurn"]).toBe(0);
  });

  it("boots a board configured for 32 neighbours within the ESP32-C3 heap cap, with a quarter of it to spare", () => {
    const boot = find("boot");
    expect(boot["booted"]).toBe(true);
    expect(boot["neighbours"]).toBe(32);
    const agent = boot["agent"] as { bytes: number; slots: number; chunkBytes: number; exact: boolean };
    expect(agent.exact).toBe(true);
    expect(agent.bytes).toBe(agent.slots * Number(boot["slotBytes"]) + agent.chunkBytes);
    // Held after boot (peak live heap, garbage collected): raw on this host, and with an MCU's 16-byte slots.
    const agentSlots = heap.agentSlots - heap.baseSlots;
    const agentChunkBytes = heap.agentChunkBytes - heap.baseChunkBytes;
    expect(agentSlots).toBeGreaterThan(0);
    expect(agentSlots).toBeLessThanOrEqual(agent.slots + 64); // what boot allocated bounds what it holds (64: search granularity)
    expect(agentSlots * 16 + agentChunkBytes).toBeLessThan(ESP32C3_HEAP_CAP_BYTES * 0.75);
  });

  // What a whole board holds on its own terms (literal image, 32-bit XS, preload, drivers, stack) is measured and
  // checked against every platform in test/xs/board-memory.test.ts; this region is the agent and its mesh alone.
  it("boots the agent with its secured mesh for a 33-board site: the mesh holds heap of its own, under the ESP32's heap", () => {
    const boot = find("boot");
    const mesh = boot["transport"] as { bytes: number; slots: number; chunkBytes: number; exact: boolean };
    expect(mesh.exact).toBe(true);
    const slots = heap.bootSlots - heap.baseSlots;
    const chunkBytes = heap.bootChunkBytes - heap.baseChunkBytes;
    const agentAlone = heap.agentSlots - heap.baseSlots;
    expect(slots).toBeGreaterThan(agentAlone); // the mesh holds heap of its own
    const scaledBytes = slots * 16 + chunkBytes;
    expect(scaledBytes).toBeLessThan(ESP32_HEAP_CAP_BYTES * 0.9);
    console.log(`board heap after boot, agent + mesh: ${slots} slots + ${chunkBytes} chunk bytes = ${slots * 32 + chunkBytes} B raw, ${scaledBytes} B at 16-byte slots (C3 cap ${ESP32C3_HEAP_CAP_BYTES})`);
  });
});
