/**
 * Telemetry: per-channel sample history, aligned window aggregates,
 * threshold / rate-of-change rules with hysteresis, sensor-fault alerts,
 * and a bounded outbox where alerts outrank routine telemetry.
 */
export {
  RuleSource,
  RuleDirection,
  checkTelemetryConfig,
  NO_READING,
  TELEMETRY_CHANNELS_MAX,
  TELEMETRY_RULES_MAX,
  TELEMETRY_ID_MAX,
  TELEMETRY_HISTORY_CAPACITY_MAX,
  TELEMETRY_OUTBOX_CAPACITY_MAX,
  TELEMETRY_WINDOW_MS_MAX,
  TELEMETRY_DURATION_MS_MAX,
  TELEMETRY_FAULT_AFTER_ERRORS_MAX,
  TELEMETRY_WINDOW_SAMPLES_MAX,
  type TelemetryConfig,
  type TelemetryChannelConfig,
  type TelemetryRuleConfig,
} from "./config";
export { RecordKind, RecordPriority, NO_RULE, TelemetryRecord, priorityOf } from "./record";
export { TelemetryOutbox } from "./outbox";
export { SampleHistory } from "./sample-history";
export { WindowAggregate, floorDiv } from "./window-aggregate";
export { AlertRule, RulePhase, RuleTransition } from "./alert-rule";
export { SensorChannelState } from "./channel-state";
export { TelemetryPipeline, type ChannelView } from "./pipeline";
