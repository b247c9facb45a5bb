/**
 * Power loss (no shutdown): everything the store acknowledged survives -
 * the boot count (the wire incarnation) and every pending alert, sent again
 * after the reboot; the gateway drops the copy it already had.
 */
import { describe, expect, it } from "vitest";
import { AgentCounter } from "../../core/telemetry/agent-metrics";
import { GatewayRole } from "../../core/uplink/gateway";
import { TrafficClass } from "../../core/mesh/transport-port";
import { readHeader, WireHeader } from "../../core/uplink/wire";
import { ErrorCode } from "../../core/runtime/errors";
import { SimEventKind } from "../../hal/sim/sensors/script";
import { newFlash, RecordingSink, RecordingTransport, rig, runUntil, unwrap } from "./helpers";

describe("power loss", () => {
  it("counts boots durably and resends alerts whose acknowledgement was lost; the gateway keeps one copy", () => {
    const flash = newFlash();
    const sink = new RecordingSink();
    const gateway = unwrap(GatewayRole.create(sink, 16));
    const transport = new RecordingTransport(5);
    transport.ackOutcome = ErrorCode.MeshAckTimeout; // delivered, but the acknowledgement is lost
    const script = [{ kind: SimEventKind.Set, atMs: 2_000, untilMs: 2_600, amount: 1 }];
    const first = rig({ flash, transport, scripts: [undefined, script] });
    runUntil(first, 4_000);
    for (const m of transport.sent) gateway.accept(5, m.bytes, 0, m.bytes.length, 0);
    expect(sink.alerts).toHaveLength(2);
    expect(first.agent.store.bootCount).toBe(1);
    // Power goes: no shutdown. A new agent boots from the same flash.
    const second = rig({ flash, startMs: 20_000 });
    expect(second.agent.store.bootCount).toBe(2);
    expect(second.agent.store.previousShutdownClean).toBe(false);
    expect(second.agent.metrics.value(AgentCounter.AlertsRestored)).toBe(2);
    runUntil(second, 21_000);
    const resent = second.transport.sent.filter((m) => m.trafficClass === TrafficClass.Alert);
    expect(resent).toHaveLength(2);
    for (const m of resent) expect(gateway.accept(5, m.bytes, 0, m.bytes.length, 0)).toBe(ErrorCode.AgentDuplicateAlert);
    expect(sink.alerts).toHaveLength(2);
    // New messages carry the new incarnation.
    runUntil(second, 40_000);
    const telemetry = second.transport.sent.find((m) => m.trafficClass === TrafficClass.Telemetry);
    const header = new WireHeader();
    expect(telemetry !== undefined && readHeader(telemetry.bytes, 0, telemetry.bytes.length, header)).toBe(ErrorCode.Ok);
    expect(header.incarnation).toBe(2);
  });
});
