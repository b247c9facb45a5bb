/**
 * Where a gateway hands what it collected from the mesh: the host side of
 * the gateway role. In the simulator it is host-sim/site/gateway-sink.ts
 * (per-node latency and loss statistics); on a board it would be a serial or
 * UDP link to the host. Until a board has one, `CountingGatewaySink` keeps
 * the counts so nothing is lost silently.
 *
 * The header and record objects are reused for every message: a sink copies
 * what it keeps and must not hold on to them. Calls happen inside the
 * gateway's mesh task; a sink must not throw (a throw is a task fault).
 */
import type { WireHeader, WireRecord } from "./wire";

export interface GatewaySink {
  /** One routine record (a window aggregate) from `sourceId`, received at `nowMs` of the gateway's clock. */
  onTelemetry(sourceId: number, header: WireHeader, record: WireRecord, nowMs: number): void;
  /** One alert transition from `sourceId`, the first copy only (duplicates are filtered before). */
  onAlert(sourceId: number, header: WireHeader, record: WireRecord, nowMs: number): void;
}

/** A sink that only counts: what a gateway board does until it has a host link. */
export class CountingGatewaySink implements GatewaySink {
  telemetryRecords = 0;
  alerts = 0;

  onTelemetry(): void {
    this.telemetryRecords++;
  }

  onAlert(): void {
    this.alerts++;
  }
}
