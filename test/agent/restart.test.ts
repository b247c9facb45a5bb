/**
 * Restart of a faulted task (agent/task-boundary.ts inside the agent): a
 * sampling step that throws is counted, logged and restarted after a
 * backoff while the other tasks keep running; a task that keeps failing
 * ends Failed and the agent carries on without it.
 */
import { describe, expect, it } from "vitest";
import { AgentCounter } from "../../core/telemetry/agent-metrics";
import { openSimSensor } from "../../agent/sim-sensors";
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import { TaskState } from "../../core/runtime/scheduler";
import type { Sensor, SensorChannel } from "../../hal/sensor";
import { rig, runUntil, testConfig, unwrap } from "./helpers";

/** A sensor whose sample() throws on calls [from, from + count). */
class FaultySensor implements Sensor {
  calls = 0;
  readonly #inner: Sensor;
  readonly #from: number;
  readonly #count: number;
  constructor(inner: Sensor, from: number, count: number) {
    this.#inner = inner;
    this.#from = from;
    this.#count = count;
  }
  get channels(): readonly SensorChannel[] {
    return this.#inner.channels;
  }
  configure(): Status {
    return ErrorCode.Ok;
  }
  sample(nowMs: number, out: Int32Array, offset: number): Status {
    this.calls++;
    if (this.calls > this.#from && this.calls <= this.#from + this.#count) throw new RangeError("I2C bus stuck");
    return this.#inner.sample(nowMs, out, offset);
  }
  close(): void {}
}

function sensors(faulty: FaultySensor): Sensor[] {
  const config = testConfig();
  return [faulty, unwrap(openSimSensor(config.sensors[1]?.part ?? 7, { seed: 2 }))];
}

describe("task restart", () => {
  it("restarts a sampling task that threw, after a backoff, and sampling resumes; the other tasks keep running", () => {
    const config = testConfig();
    const faulty = new FaultySensor(unwrap(openSimSensor(config.sensors[0]?.part ?? 1, { seed: 1 })), 3, 2);
    const r = rig({ config, sensors: sensors(faulty) });
    runUntil(r, 30_000);
    const task = 5; // the first sampling task
    expect(r.agent.boundary.faultCount(task)).toBe(2);
    expect(r.agent.boundary.restartCount(task)).toBe(2);
    expect(r.agent.boundary.hasFailed(task)).toBe(false);
    expect(r.agent.scheduler.taskState(task)).not.toBe(TaskState.Failed);
    // Backoff 1 s then 2 s: at most 2 + 3 + a period of samples missed, the rest taken.
    expect(faulty.calls).toBeGreaterThanOrEqual(30 - 5);
    expect(r.agent.status().taskFaults).toBe(2);
    expect(r.agent.status().taskRestarts).toBe(2);
    expect(r.agent.metrics.value(AgentCounter.Samples)).toBeGreaterThan(50); // the PIR kept sampling throughout
    expect(r.transport.ticks).toBeGreaterThan(250); // and the mesh task kept ticking
  });

  it("ends a task that keeps failing as Failed; the agent keeps running without it", () => {
    const config = testConfig();
    const faulty = new FaultySensor(unwrap(openSimSensor(config.sensors[0]?.part ?? 1, { seed: 1 })), 0, 1_000_000);
    const r = rig({ config, sensors: sensors(faulty) });
    runUntil(r, 300_000, 200);
    const task = 5;
    expect(r.agent.boundary.hasFailed(task)).toBe(true);
    expect(r.agent.scheduler.taskState(task)).toBe(TaskState.Failed);
    expect(r.agent.boundary.restartCount(task)).toBe(5);
    const pirSamples = r.agent.metrics.value(AgentCounter.Samples);
    runUntil(r, 310_000, 200);
    expect(r.agent.metrics.value(AgentCounter.Samples)).toBeGreaterThan(pirSamples);
    expect(r.agent.checkCapacities()).toBeUndefined();
  });
});
