/**
 * The agent's counters: one Float64Array indexed by AgentCounter (exact
 * integers to 2^53), updated on the hot paths with a typed-array write,
 * nothing allocated. Names and help texts are a frozen table for exporters
 * (`AGENT_COUNTER_DEFINITIONS`, Prometheus names). They are deliberately not
 * registered one by one in a MetricsRegistry: registering 21 names costs
 * ~1,700 XS slots at boot (name checks), a quarter of a board's boot heap.
 * The task boundary counts faults, restarts and failures per task in its
 * own table (agent.ts `status()` sums them), with no registry either.
 */
import { ok, type Result } from "../runtime/result";

export const AgentCounter = Object.freeze({
  Samples: 0,
  SampleErrors: 1,
  SamplesLate: 2,
  IngestRefused: 3,
  AlertsRaised: 4,
  AlertsDelivered: 5,
  AlertSends: 6,
  AlertRetries: 7,
  AlertsAbandoned: 8,
  AlertsRestored: 9,
  AlertsLostAtShutdown: 10,
  AlertsWaitingForSlot: 11,
  TelemetryRecordsSent: 12,
  TelemetryMessagesSent: 13,
  TelemetryRecordsRefused: 14,
  NoGateway: 15,
  MessagesReceived: 16,
  MessagesNotGateway: 17,
  MessagesIgnored: 18,
  OutcomesStale: 19,
  StorageWriteFailures: 20,
} as const);
export type AgentCounter = (typeof AgentCounter)[keyof typeof AgentCounter];

/** Freeze a table of name/help rows, row by row. */
function frozenRows(rows: readonly (readonly [string, string])[]): readonly (readonly [string, string])[] {
  for (let i = 0; i < rows.length; i++) Object.freeze(rows[i]);
  return Object.freeze(rows);
}

// For host exporters only: marked pure so a device image that does not read it carries none of its ~3 KB of text.
export const AGENT_COUNTER_DEFINITIONS: readonly (readonly [string, string])[] = /* @__PURE__ */ frozenRows([
  ["picket_agent_samples_total", "Sensor samples taken (one per sensor per sampling turn)."],
  ["picket_agent_sample_errors_total", "Sensor samples that returned an error for some channel."],
  ["picket_agent_samples_late_total", "Sampling periods skipped because the turn came after more than one period."],
  ["picket_agent_ingest_refused_total", "Readings the telemetry pipeline refused (bad value, time went backwards)."],
  ["picket_agent_alerts_raised_total", "Alert records taken from the outbox for delivery (own alerts, incl. sensor faults)."],
  ["picket_agent_alerts_delivered_total", "Alerts acknowledged by a gateway (or handed to the local sink on a gateway)."],
  ["picket_agent_alert_sends_total", "Alert send attempts accepted or refused by the transport."],
  ["picket_agent_alert_retries_total", "Alert sends that failed and were scheduled again."],
  ["picket_agent_alerts_abandoned_total", "Alerts that used up their delivery attempts."],
  ["picket_agent_alerts_restored_total", "Pending alerts read back from storage at boot."],
  ["picket_agent_alerts_lost_at_shutdown_total", "Alerts still in the outbox at shutdown with no pending slot to persist them."],
  ["picket_agent_alerts_waiting_total", "Times an alert had to wait in the outbox for a pending slot."],
  ["picket_agent_telemetry_records_sent_total", "Routine records accepted by the transport (or the local sink)."],
  ["picket_agent_telemetry_messages_sent_total", "Telemetry batch messages accepted by the transport (or the local sink)."],
  ["picket_agent_telemetry_records_refused_total", "Routine records whose message the transport refused (dropped)."],
  ["picket_agent_no_gateway_total", "Records ready with no gateway configured."],
  ["picket_agent_messages_received_total", "Application messages delivered by the transport."],
  ["picket_agent_messages_not_gateway_total", "Telemetry or alerts delivered to a node that is not a gateway."],
  ["picket_agent_messages_ignored_total", "Delivered messages of a class nothing handles yet (control)."],
  ["picket_agent_outcomes_stale_total", "Send outcomes for an alert send that was no longer in flight."],
  ["picket_agent_storage_write_failures_total", "Writes the store refused or failed (the agent keeps running)."],
]);

export const AGENT_COUNTER_COUNT = 21;

export class AgentMetrics {
  /** Counting modulo 2^32, as the mesh counters do (RFC 2578 §7.1.6 Counter32): half the bytes of doubles. */
  private readonly values_ = new Uint32Array(AGENT_COUNTER_COUNT);

  static create(): Result<AgentMetrics> {
    return ok(new AgentMetrics());
  }

  private constructor() {}

  inc(counter: AgentCounter, by = 1): void {
    this.values_[counter] = (this.values_[counter] ?? 0) + by;
  }

  value(counter: AgentCounter): number {
    return this.values_[counter] ?? 0;
  }
}
