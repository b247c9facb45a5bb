/**
 * The Node entry (agent/node/main.ts): same boot path as the board, driven
 * by host timers it is given; a host without a provisioning record gives
 * the board's identity itself (BootPlatform.identity).
 */
import { describe, expect, it } from "vitest";
import { openSimSensor } from "../../agent/sim-sensors";
import { startNodeAgent, type HostTimers } from "../../agent/node/main";
import { ErrorCode } from "../../core/runtime/errors";
import { ManualClock } from "../../hal/sim/manual-clock";
import type { AgentRole, SensorConfig } from "../../agent/config";
import { RecordingTransport, TEST_IDENTITY, testConfigJson } from "./helpers";

/** Host timers over a manual clock: run() fires what is due. */
class ManualTimers implements HostTimers {
  readonly #clock: ManualClock;
  readonly #pending: { at: number; callback: () => void; live: boolean }[] = [];
  constructor(clock: ManualClock) {
    this.#clock = clock;
  }
  set(callback: () => void, delayMs: number): unknown {
    const timer = { at: this.#clock.nowMs() + delayMs, callback, live: true };
    this.#pending.push(timer);
    return timer;
  }
  clear(handle: unknown): void {
    (handle as { live: boolean }).live = false;
  }
  get armed(): number {
    return this.#pending.filter((t) => t.live).length;
  }
  advanceTo(ms: number): void {
    for (let guard = 0; guard < 100_000; guard++) {
      const due = this.#pending.filter((t) => t.live && t.at <= ms).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.#clock.advance(due.at - this.#clock.nowMs());
      due.callback();
    }
    this.#clock.advance(ms - this.#clock.nowMs());
  }
}

describe("Node entry", () => {
  it("boots, runs on host timers, and shuts down leaving no timer behind", () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const transport = new RecordingTransport(5);
    const run = startNodeAgent(testConfigJson(), { clock, identity: TEST_IDENTITY, transport: () => transport, openSensor: (s, i) => openSimSensor(s.part, { seed: i }) }, timers);
    if (!run.ok) throw new Error(run.problems.join("; "));
    timers.advanceTo(20_000);
    expect(run.agent.status().samplesTaken).toBeGreaterThanOrEqual(58);
    expect(transport.sent.length).toBeGreaterThan(0);
    run.stop();
    timers.advanceTo(40_000);
    expect(run.agent.stopped).toBe(true);
    expect(timers.armed).toBe(0);
  });

  it("refuses a bad configuration with every problem and the stage, without starting anything", () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const platform = { clock, identity: TEST_IDENTITY, transport: () => new RecordingTransport(5), openSensor: (s: SensorConfig, i: number) => openSimSensor(s.part, { seed: i }) };
    const run = startNodeAgent({ ...testConfigJson(), nodeId: 5, role: "sensor", sampleIntervalMs: 0 }, platform, timers);
    expect(run).toEqual({
      ok: false,
      stage: "config",
      code: ErrorCode.AgentBadConfig,
      problems: [
        "nodeId: is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration",
        "role: is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration",
        "sampleIntervalMs: must be an integer 10..86400000 (ms)",
      ],
    });
    const badIdentity = startNodeAgent(testConfigJson(), { ...platform, identity: { nodeId: -1, role: "boss" as AgentRole } }, timers);
    expect(badIdentity).toEqual({ ok: false, stage: "config", code: ErrorCode.AgentBadConfig, problems: ["nodeId: must be an integer 1..65534", "role: must be one of sensor, relay, gateway, anchor"] });
    expect(timers.armed).toBe(0);
  });

  it("without an identity and without a store, refuses at stage storage: a board's identity is in its provisioning record", () => {
    const clock = new ManualClock(0);
    const run = startNodeAgent(testConfigJson(), { clock, transport: () => new RecordingTransport(5), openSensor: (s, i) => openSimSensor(s.part, { seed: i }) }, new ManualTimers(clock));
    expect(run).toMatchObject({ ok: false, stage: "storage", code: ErrorCode.AgentStorageUnavailable });
  });

  it("refuses a sensor it cannot open at the sensor stage", () => {
    const clock = new ManualClock(0);
    const run = startNodeAgent(testConfigJson(), { clock, identity: TEST_IDENTITY, transport: () => new RecordingTransport(5), openSensor: () => ({ ok: false, code: ErrorCode.AgentSensorOpenFailed }) }, new ManualTimers(clock));
    expect(run).toMatchObject({ ok: false, stage: "sensor", code: ErrorCode.AgentSensorOpenFailed });
  });
});
