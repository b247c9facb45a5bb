/**
 * The site sink's delivery checks (host-sim/site/gateway-sink.ts):
 *  - a telemetry message handed in twice within one boot of a gateway, or by
 *    two gateways, is an at-most-once breach (`telemetryDuplicates`);
 *  - handed in again by the same gateway after it rebooted, it is a
 *    delivered-once-across-reboots breach (`telemetryRedeliveredAfterReboot`);
 *  - an alert copy through another gateway is a failover copy (counted in
 *    `alertCopies` only), twice within one boot of one gateway an
 *    at-most-once breach (`alertDuplicates`), and again from the same
 *    gateway after its reboot a delivered-once-across-reboots breach
 *    (`alertsRedeliveredAfterReboot`), described in `redeliveryDetail`.
 */
import { describe, expect, it } from "vitest";
import { WireHeader, WireRecord } from "../../../core/uplink/wire";
import { SiteSink, SINK_GATEWAYS_MAX } from "../../../host-sim/site/gateway-sink";

const record = Object.assign(new WireRecord(), { kind: 1, count: 5 });
function header(seq: number, incarnation = 1): WireHeader {
  return Object.assign(new WireHeader(), { kind: 1, count: 1, incarnation, seq });
}

function counts(sink: SiteSink): number[] {
  return [sink.telemetryDuplicates, sink.telemetryRedeliveredAfterReboot, sink.alertDuplicates, sink.alertsRedeliveredAfterReboot];
}

describe("site sink: telemetry delivered once, across gateway reboots too", () => {
  it("counts a second copy within one gateway boot as a duplicate", () => {
    const sink = new SiteSink(4, 16);
    const gw = sink.sinkFor(0);
    sink.gatewayBooted(0);
    gw.onTelemetry(3, header(7), record, 0);
    gw.onTelemetry(3, header(7), record, 0);
    expect(counts(sink)).toEqual([1, 0, 0, 0]);
    expect(sink.redeliveryDetail).toBeUndefined();
  });

  it("counts a copy taken again after the same gateway rebooted as delivered again after a reboot, and describes it", () => {
    const sink = new SiteSink(4, 16);
    const gw = sink.sinkFor(0);
    sink.gatewayBooted(0);
    gw.onTelemetry(3, header(7), record, 0);
    expect(sink.redeliveryDetail).toBeUndefined();
    sink.gatewayBooted(0);
    gw.onTelemetry(3, header(7), record, 0);
    expect(counts(sink)).toEqual([0, 1, 0, 0]);
    expect(sink.redeliveryDetail).toBe("gateway board 0 handed telemetry message (source board 2, incarnation 1, seq 7) to the application again after it rebooted (its boot 2, t = 0 ms)");
    // A third copy in that same later boot is a duplicate within the boot.
    gw.onTelemetry(3, header(7), record, 0);
    expect(counts(sink)).toEqual([1, 1, 0, 0]);
  });

  it("counts a copy through another gateway as a duplicate, and other messages as new", () => {
    const sink = new SiteSink(4, 16);
    sink.gatewayBooted(0);
    sink.gatewayBooted(1);
    sink.sinkFor(0).onTelemetry(3, header(7), record, 0);
    sink.sinkFor(1).onTelemetry(3, header(7), record, 0);
    sink.sinkFor(1).onTelemetry(3, header(8), record, 0);
    sink.sinkFor(1).onTelemetry(3, header(7, 2), record, 0);
    expect(counts(sink)).toEqual([1, 0, 0, 0]);
  });
});

describe("site sink: alerts delivered once, across gateway reboots too", () => {
  const alert = (seq: number, incarnation = 1): WireHeader => Object.assign(header(seq, incarnation), { kind: 2 });

  it("takes a copy through another gateway as a failover copy, not a breach", () => {
    const sink = new SiteSink(4, 16);
    sink.gatewayBooted(0);
    sink.gatewayBooted(1);
    sink.sinkFor(0).onAlert(3, alert(4), record, 0);
    sink.sinkFor(1).onAlert(3, alert(4), record, 0);
    expect(counts(sink)).toEqual([0, 0, 0, 0]);
    expect([sink.alerts, sink.alertCopies[2]]).toEqual([1, 1]);
  });

  it("counts the same gateway handing an alert in twice within one boot as a duplicate", () => {
    const sink = new SiteSink(4, 16);
    sink.gatewayBooted(1);
    sink.sinkFor(1).onAlert(3, alert(4), record, 0);
    sink.sinkFor(1).onAlert(3, alert(4), record, 0);
    expect(counts(sink)).toEqual([0, 0, 1, 0]);
  });

  it("counts an alert the same gateway hands in again after its reboot, even after a copy through another gateway in between", () => {
    const sink = new SiteSink(4, 16);
    sink.gatewayBooted(0);
    sink.gatewayBooted(1);
    sink.sinkFor(0).onAlert(3, alert(4, 2), record, 0);
    sink.sinkFor(1).onAlert(3, alert(4, 2), record, 0);
    sink.gatewayBooted(0);
    sink.sinkFor(0).onAlert(3, alert(5, 2), record, 0);
    expect(counts(sink)).toEqual([0, 0, 0, 0]);
    sink.sinkFor(0).onAlert(3, alert(4, 2), record, 0);
    expect(counts(sink)).toEqual([0, 0, 0, 1]);
    expect(sink.redeliveryDetail).toBe("gateway board 0 handed alert (source board 2, incarnation 2, seq 4) to the application again after it rebooted (its boot 2, t = 0 ms)");
    expect([sink.alerts, sink.alertCopies[2]]).toEqual([2, 2]);
  });

  it("tells at most SINK_GATEWAYS_MAX gateways apart and refuses a board it does not have", () => {
    const sink = new SiteSink(8, 16);
    for (let g = 0; g < SINK_GATEWAYS_MAX; g++) sink.sinkFor(g);
    sink.sinkFor(0);
    expect(() => sink.sinkFor(SINK_GATEWAYS_MAX)).toThrow(/more than 4 gateways/);
    expect(() => sink.sinkFor(8)).toThrow(/no board 8/);
  });
});
