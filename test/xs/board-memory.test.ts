/**
 * A board's memory on the board's terms (test/xs/board-memory.ts): the
 * literal build/device/main.js preloaded (emulated) on 32-bit XS, a sensor
 * and a gateway of a 33-board site and a sensor of a 120-board site, each
 * booted from its provisioned flash and run for 10 virtual minutes on its
 * neighbourhood's recorded traffic. The full table (every role, 33/120
 * boards, every platform) is `npm run bench`'s board-memory table.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { headroomOf, measureBoardMemory, measureStackWorstCase, MEMORY_BUDGETS, STACK_CLEAN_WRITES, platformCreations, ramBytes, STACK_MARGIN, STACK_SPARE_MAX, type BoardMemory } from "./board-memory";

const MINUTES = 10;
let sensor33: BoardMemory;
let relay33: BoardMemory;
let gateway33: BoardMemory;
let sensor120: BoardMemory;

beforeAll(async () => {
  sensor33 = await measureBoardMemory({ role: "sensor", siteBoards: 33, minutes: MINUTES });
  relay33 = await measureBoardMemory({ role: "relay", siteBoards: 33, minutes: MINUTES });
  gateway33 = await measureBoardMemory({ role: "gateway", siteBoards: 33, minutes: MINUTES });
  sensor120 = await measureBoardMemory({ role: "sensor", siteBoards: 120, minutes: MINUTES });
  for (const b of [sensor33, relay33, gateway33, sensor120]) {
    const cells = platformCreations().map((p) => `${p.name} ${ramBytes(b, p)}/${p.staticBytes} B`);
    console.log(`board memory: ${b.role} of ${b.siteBoards}: boot ${b.bootBytes} B, steady max ${b.steadyMaxBytes} B, aliases ${b.aliases}, stack peak ${b.stackPeakSlots} slots, boot ${b.bootComputrons} computrons; needs ${cells.join(", ")}`);
  }
}, 600_000);

describe("a board's memory, literal image, 32-bit XS, preload", () => {
  it("is measured on 16-byte slots with the image preloaded: module bodies in flash, only aliases and the machine's start in RAM", () => {
    expect(sensor33.slotBytes).toBe(16);
    expect(sensor33.flashBytes).toBeGreaterThan(100_000); // the preloaded heap and byte code of the whole image
    expect(sensor33.flashObjectsBytes).toBeGreaterThan(50_000); // what the module bodies created: flash, not RAM
    expect(sensor33.flashCodeBytes).toBeGreaterThan(50_000);
    expect(sensor33.flashObjectsBytes + sensor33.flashCodeBytes).toBeLessThan(sensor33.flashBytes);
    expect(sensor33.frozenFunctions).toBeGreaterThan(1_000);
    // Module load does not depend on the site (a few bytes differ: the preloaded config and test data are per site).
    expect(Math.abs(sensor33.moduleLoadBytes - sensor120.moduleLoadBytes)).toBeLessThanOrEqual(64);
    expect(sensor33.moduleLoadBytes).toBeLessThan(sensor33.flashBytes / 10);
    expect(sensor33.moduleLoadBytes).toBeGreaterThanOrEqual(sensor33.aliases * 4);
  });

  it("boots from provisioned flash and runs the full 10 minutes: sampling, uplink and the receive path on replayed frames", () => {
    for (const b of [sensor33, gateway33, sensor120]) {
      expect(b.status["storageMounted"]).toBe(true);
      expect(b.status["samplesTaken"]).toBeGreaterThanOrEqual(MINUTES * 60 * 2 - 2); // two sensors at 1 Hz
      expect(b.status["taskFaults"]).toBe(0);
      expect(b.framesReplayed).toBeGreaterThan(10);
      expect(b.minuteBytes).toHaveLength(MINUTES);
    }
    // The gateway took its neighbours' telemetry off the replayed frames.
    expect(gateway33.status["messagesReceived"]).toBeGreaterThan(0);
  });

  it("steady state does not grow: the last minute holds no more than the first", () => {
    for (const b of [sensor33, gateway33, sensor120]) {
      const first = b.minuteBytes[0] ?? 0;
      const last = b.minuteBytes[b.minuteBytes.length - 1] ?? Number.POSITIVE_INFINITY;
      expect(last).toBeLessThanOrEqual(first);
    }
  });

  it("with no radio traffic at all, nothing grows: the second half of 20 quiet minutes holds no more than the first", async () => {
    // A board alone on its channel (hellos, sampling, uplink attempts, the utilisation window: every 60 s
    // and 600 s period runs at least once per half). One slot a minute of growth is 16 B here.
    const quiet = await measureBoardMemory({ role: "sensor", siteBoards: 33, minutes: 20, traffic: false });
    expect(quiet.framesReplayed).toBe(0);
    expect(quiet.status["taskFaults"]).toBe(0);
    expect(quiet.readingsBytes).toBeGreaterThan(0); // the driver's own table exists, and is left out of the readings
    const half = quiet.minuteBytes.length / 2;
    const firstHalf = Math.max(...quiet.minuteBytes.slice(0, half));
    const secondHalf = Math.max(...quiet.minuteBytes.slice(half));
    expect(secondHalf).toBeLessThanOrEqual(firstHalf);
    expect(quiet.minuteBytes[quiet.minuteBytes.length - 1]).toBeLessThanOrEqual(quiet.minuteBytes[1] ?? 0);
  }, 300_000);

  it("no preloaded object is written at run time (nothing copied out of flash but the stand-ins' own state)", () => {
    for (const b of [sensor33, gateway33, sensor120]) expect(b.aliased).toBeLessThanOrEqual(2);
  });

  it("boot costs the same for 33 and 120 boards, under 2 M computrons (receive keys come on first use)", () => {
    expect(sensor33.bootComputrons).toBeLessThan(2_000_000);
    expect(sensor120.bootComputrons).toBeLessThan(2_000_000);
    expect(sensor120.bootComputrons / sensor33.bootComputrons).toBeLessThan(1.05);
  });

  it("boot heap grows with the site only by the per-sender replay windows (under 100 B a member)", () => {
    const perMember = (sensor120.bootBytes - sensor33.bootBytes) / (120 - 33);
    expect(perMember).toBeGreaterThan(0);
    expect(perMember).toBeLessThan(100);
  });

  it("every board budget holds: a sensor and a relay of a 33-board site leave the nRF52 10 % and the ESP32-C3 40 % of their XS memory, a gateway the ESP32 40 %", () => {
    // The budgets themselves (board-memory.ts MEMORY_BUDGETS), against manifest.json's creation values.
    expect(MEMORY_BUDGETS.map((b) => `${b.roles.join("+")} ${b.siteBoards} ${b.platform} ${b.headroom}`)).toEqual([
      "sensor+relay 33 nrf52 0.1",
      "sensor+relay 33 esp32/esp32c3 0.4",
      "gateway 33 esp32 0.4",
    ]);
    const statics = Object.fromEntries(platformCreations().map((p) => [p.name, p.staticBytes]));
    expect(statics).toMatchObject({ esp32: 131_072, "esp32/esp32c3": 94_208, nrf52: 65_536 });
    const measured: Record<string, BoardMemory> = { sensor: sensor33, relay: relay33, gateway: gateway33 };
    const misses: string[] = [];
    for (const budget of MEMORY_BUDGETS) {
      const platform = platformCreations().find((p) => p.name === budget.platform);
      expect(platform, budget.platform).toBeDefined();
      if (platform === undefined) continue;
      for (const role of budget.roles) {
        const board = measured[role];
        expect(board, role).toBeDefined();
        if (board === undefined) continue;
        const headroom = headroomOf(board, platform);
        if (headroom < budget.headroom) misses.push(`${role} of ${budget.siteBoards} on ${budget.platform}: ${(headroom * 100).toFixed(1)} % free, needs ${budget.headroom * 100} %`);
      }
    }
    expect(misses).toEqual([]);
  });

  it("creation.stack is set from the deepest stack measured, log cleans during flash writes included: 20 % to spare, no more than 50 %", async () => {
    // The sensor's log made to clean at each flash write it makes in its first minute: its boot record, then
    // its first send-counter reservation (a tick's persist phase). Later writes (the next reservation, alerts)
    // do not come within the run, so a run made to clean at them would not clean: each run is checked below.
    const worst = await measureStackWorstCase("sensor", 33, STACK_CLEAN_WRITES);
    const measured = [sensor33, gateway33, sensor120].map((b) => b.stackPeakSlots);
    // Every run of the scenario made the board's log clean (a clean during a put runs before its append,
    // RecordLog.makeRoom, so it is no longer deeper than a frame seal; both count).
    expect(worst.cleaned.map((n) => n > 0)).toEqual([true, true]);
    const deepest = Math.max(worst.worstSlots, ...measured);
    for (const p of platformCreations()) {
      expect(p.stackSlots, p.name).toBeGreaterThanOrEqual(Math.ceil(deepest * STACK_MARGIN));
      expect(p.stackSlots, p.name).toBeLessThanOrEqual(Math.ceil(deepest * STACK_SPARE_MAX));
    }
  }, 300_000);
});
