/**
 * The site sink's at-most-once check (host-sim/site/gateway-sink.ts): a
 * telemetry message handed in twice within one boot of a gateway, or by two
 * gateways, is a breach; handed in again by the same gateway after it
 * rebooted (its RAM-only replay windows gone) it is counted apart.
 */
import { describe, expect, it } from "vitest";
import { WireHeader, WireRecord } from "../../core/uplink/wire";
import { SiteSink } from "../../host-sim/site/gateway-sink";

const record = Object.assign(new WireRecord(), { kind: 1, count: 5 });
function header(seq: number, incarnation = 1): WireHeader {
  return Object.assign(new WireHeader(), { kind: 1, count: 1, incarnation, seq });
}

describe("site sink at-most-once across gateway reboots", () => {
  it("counts a second copy within one gateway boot as a duplicate", () => {
    const sink = new SiteSink(4, 16);
    const gw = sink.sinkFor(0);
    sink.gatewayBooted(0);
    gw.onTelemetry(3, header(7), record, 0);
    gw.onTelemetry(3, header(7), record, 0);
    expect([sink.telemetryDuplicates, sink.telemetryRedeliveredAfterReboot]).toEqual([1, 0]);
  });

  it("counts a copy taken again after the same gateway rebooted apart, not as a breach", () => {
    const sink = new SiteSink(4, 16);
    const gw = sink.sinkFor(0);
    sink.gatewayBooted(0);
    gw.onTelemetry(3, header(7), record, 0);
    sink.gatewayBooted(0);
    gw.onTelemetry(3, header(7), record, 0);
    expect([sink.telemetryDuplicates, sink.telemetryRedeliveredAfterReboot]).toEqual([0, 1]);
    // A third copy in that same later boot is a breach again.
    gw.onTelemetry(3, header(7), record, 0);
    expect([sink.telemetryDuplicates, sink.telemetryRedeliveredAfterReboot]).toEqual([1, 1]);
  });

  it("counts a copy through another gateway as a duplicate, and other messages as new", () => {
    const sink = new SiteSink(4, 16);
    sink.gatewayBooted(0);
    sink.gatewayBooted(1);
    sink.sinkFor(0).onTelemetry(3, header(7), record, 0);
    sink.sinkFor(1).onTelemetry(3, header(7), record, 0);
    sink.sinkFor(1).onTelemetry(3, header(8), record, 0);
    sink.sinkFor(1).onTelemetry(3, header(7, 2), record, 0);
    expect([sink.telemetryDuplicates, sink.telemetryRedeliveredAfterReboot]).toEqual([1, 0]);
  });
});
