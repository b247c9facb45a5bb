/**
 * Graceful shutdown of the agent (core/runtime/shutdown.ts phases driven by
 * agent/agent.ts): intake stops, routine telemetry is drained, pending
 * alerts and lifetime counters are flushed to storage, and once Stopped no
 * timer is armed and nothing runs. What was stored is all there at the next
 * boot, and pending alerts are sent again.
 */
import { describe, expect, it } from "vitest";
import { AgentCounter } from "../../core/telemetry/agent-metrics";
import { LIFETIME_COUNTER_COUNT, LifetimeCounter } from "../../agent/persistence";
import { TrafficClass } from "../../core/mesh/transport-port";
import { MessageFlag, readHeader, WireHeader } from "../../core/uplink/wire";
import { ErrorCode } from "../../core/runtime/errors";
import { ShutdownPhase } from "../../core/runtime/shutdown";
import { SimEventKind } from "../../hal/sim/sensors/script";
import { newFlash, RecordingTransport, rig, runUntil } from "./helpers";
import { ALERT_DRAIN_MS, ALERT_DRAIN_POLL_MS } from "../../agent/agent";

const intrusion = [{ kind: SimEventKind.Set, atMs: 3_000, untilMs: 4_200, amount: 1 }];

function shutDown(r: ReturnType<typeof rig>): void {
  expect(r.agent.requestShutdown()).toBe(ErrorCode.Ok);
  for (let i = 0; i < 1_000 && !r.agent.stopped; i++) {
    r.clock.advance(10);
    r.agent.runDue();
  }
}

describe("graceful shutdown", () => {
  it("ends Stopped with no timer armed, and nothing runs afterwards", () => {
    const r = rig({ flash: newFlash() });
    runUntil(r, 20_000);
    shutDown(r);
    expect(r.agent.stopped).toBe(true);
    expect(r.agent.scheduler.phase).toBe(ShutdownPhase.Stopped);
    expect(r.agent.scheduler.armedTimerCount).toBe(0);
    expect(r.agent.scheduler.shutdown.forcedBy).toBe(0);
    expect(r.agent.nextDeadlineMs).toBe(Number.POSITIVE_INFINITY);
    const samples = r.agent.metrics.value(AgentCounter.Samples);
    const ticks = r.transport.ticks;
    runUntil(r, 60_000);
    expect(r.agent.metrics.value(AgentCounter.Samples)).toBe(samples);
    expect(r.transport.ticks).toBe(ticks);
    expect(r.agent.scheduler.checkInvariants()).toBe(ErrorCode.Ok);
  });

  it("drains the routine telemetry left in the outbox before it stops", () => {
    const r = rig();
    runUntil(r, 21_000); // windows [10 s, 20 s) closed, not yet sent (the uplink goes at 25 s)
    expect(r.agent.pipeline.outbox.routineLength).toBeGreaterThan(0);
    shutDown(r);
    expect(r.agent.pipeline.outbox.routineLength).toBe(0);
    expect(r.transport.sent.filter((m) => m.trafficClass === TrafficClass.Telemetry).length).toBeGreaterThanOrEqual(2);
  });

  it("flushes lifetime counters and a clean-shutdown mark: the next boot finds them", () => {
    const flash = newFlash();
    const first = rig({ flash });
    runUntil(first, 15_000);
    shutDown(first);
    const lifetime = Array.from(first.agent.lifetimeCounters()).slice(0, LIFETIME_COUNTER_COUNT);
    expect(lifetime[LifetimeCounter.Samples]).toBeGreaterThan(0);
    const second = rig({ flash, startMs: 100_000 });
    expect(second.agent.store.bootCount).toBe(2);
    expect(second.agent.store.cleanShutdowns).toBe(1);
    expect(second.agent.store.previousShutdownClean).toBe(true);
    expect([LifetimeCounter.Samples, LifetimeCounter.AlertsRaised, LifetimeCounter.AlertsDelivered, LifetimeCounter.TelemetryRecordsSent].map((c) => second.agent.lifetimeAtBoot(c))).toEqual(lifetime);
    runUntil(second, 110_000);
    expect(second.agent.lifetimeCounters()[LifetimeCounter.Samples]).toBe((lifetime[LifetimeCounter.Samples] ?? 0) + second.agent.metrics.value(AgentCounter.Samples));
  });

  it("keeps unacknowledged alerts in storage and sends them again after the restart, flagged as resent", () => {
    const flash = newFlash();
    const transport = new RecordingTransport(5);
    transport.ackOutcome = ErrorCode.MeshAckTimeout; // no gateway acknowledges
    const first = rig({ flash, transport, scripts: [undefined, intrusion] });
    runUntil(first, 6_000);
    expect(first.agent.pending.inUse).toBe(2);
    shutDown(first);
    const second = rig({ flash, startMs: 50_000 });
    expect(second.agent.metrics.value(AgentCounter.AlertsRestored)).toBe(2);
    runUntil(second, 51_000);
    const resent = second.transport.sent.filter((m) => m.trafficClass === TrafficClass.Alert);
    expect(resent).toHaveLength(2);
    const header = new WireHeader();
    for (const m of resent) {
      expect(readHeader(m.bytes, 0, m.bytes.length, header)).toBe(ErrorCode.Ok);
      expect(header.flags & MessageFlag.ResentAfterReboot).toBe(MessageFlag.ResentAfterReboot);
      expect(header.incarnation).toBe(1); // made by the first incarnation
    }
    expect(second.agent.metrics.value(AgentCounter.AlertsDelivered)).toBe(2);
    // Delivered: removed from storage, so a third boot restores nothing.
    const third = rig({ flash, startMs: 90_000 });
    expect(third.agent.metrics.value(AgentCounter.AlertsRestored)).toBe(0);
  });

  it("waits for pending alerts to be acknowledged before it stops, then flushes as usual", () => {
    const flash = newFlash();
    const transport = new RecordingTransport(5);
    const r = rig({ flash, transport, scripts: [undefined, intrusion] });
    transport.holdOutcomes = true; // the gateway answers late
    runUntil(r, 6_000);
    expect(r.agent.pending.inUse).toBe(2);
    expect(r.agent.requestShutdown()).toBe(ErrorCode.Ok);
    for (let t = 0; t < 2_000; t += 10) {
      r.clock.advance(10);
      r.agent.runDue();
    }
    expect(r.agent.stopped).toBe(false);
    expect(r.agent.scheduler.phase).toBe(ShutdownPhase.Draining);
    transport.holdOutcomes = false; // the acknowledgements arrive
    const releasedAtMs = r.clock.nowMs();
    for (let i = 0; i < 1_000 && !r.agent.stopped; i++) {
      r.clock.advance(10);
      r.agent.runDue();
    }
    expect(r.agent.stopped).toBe(true);
    expect(r.clock.nowMs() - releasedAtMs).toBeLessThanOrEqual(ALERT_DRAIN_POLL_MS + 10);
    expect(r.agent.pending.inUse).toBe(0);
    expect(r.agent.metrics.value(AgentCounter.AlertsDelivered)).toBe(2);
    expect(r.agent.scheduler.shutdown.forcedBy).toBe(0);
    const next = rig({ flash, startMs: 50_000 });
    expect(next.agent.store.previousShutdownClean).toBe(true);
    expect(next.agent.metrics.value(AgentCounter.AlertsRestored)).toBe(0);
  });

  it("waits at most ALERT_DRAIN_MS for alerts no gateway acknowledges, then stops cleanly with them kept in storage", () => {
    const flash = newFlash();
    const transport = new RecordingTransport(5);
    const r = rig({ flash, transport, scripts: [undefined, intrusion] });
    transport.holdOutcomes = true;
    runUntil(r, 6_000);
    expect(r.agent.pending.inUse).toBe(2);
    const requestedAtMs = r.clock.nowMs();
    shutDown(r);
    expect(r.agent.stopped).toBe(true);
    const tookMs = r.clock.nowMs() - requestedAtMs;
    expect(tookMs).toBeGreaterThanOrEqual(ALERT_DRAIN_MS);
    expect(tookMs).toBeLessThan(ALERT_DRAIN_MS + 1_000);
    expect(r.agent.scheduler.shutdown.forcedBy).toBe(0); // not the deadline: flushing ran
    const next = rig({ flash, startMs: 50_000 });
    expect(next.agent.store.previousShutdownClean).toBe(true);
    expect(next.agent.metrics.value(AgentCounter.AlertsRestored)).toBe(2);
  });

  it("a second request forces the stop at once", () => {
    const r = rig();
    runUntil(r, 1_000);
    r.agent.requestShutdown();
    expect(r.agent.requestShutdown()).toBe(ErrorCode.Ok);
    expect(r.agent.stopped).toBe(true);
    expect(r.agent.scheduler.armedTimerCount).toBe(0);
  });

  it("runs without storage when there is none, and says so", () => {
    const r = rig();
    expect(r.agent.store.mounted).toBe(false);
    expect(r.agent.store.mountStatus).toBe(ErrorCode.AgentStorageUnavailable);
    expect(r.agent.status().storageMounted).toBe(false);
    runUntil(r, 5_000);
    shutDown(r);
    expect(r.agent.stopped).toBe(true);
  });
});
