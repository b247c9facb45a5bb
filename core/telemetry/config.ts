/**
 * Telemetry configuration: every capacity the pipeline allocates comes from
 * here (docs/architecture.md "Rules"), and `checkTelemetryConfig` refuses
 * anything outside the documented ranges with a specific code before a
 * single byte is allocated.
 *
 * Values are int32 readings in the channel's unit (hal/sensor.ts: m°C, m%RH,
 * Pa, mg, 0/1 state); -2^31 is reserved as the "no reading" marker.
 */
import { ErrorCode } from "../runtime/errors";
import type { Status } from "../runtime/result";

/** What a rule compares with its threshold. */
export const RuleSource = Object.freeze({
  /** The newest reading. */
  Value: 0,
  /** newest − oldest retained reading inside the last `deltaWindowMs` (signed rate of change). */
  Delta: 1,
  /** |Delta|: change in either direction. With `Below` it detects a flat-lined (stuck) sensor. */
  AbsDelta: 2,
} as const);
export type RuleSource = (typeof RuleSource)[keyof typeof RuleSource];

/**
 * Which side of the threshold raises the alert. With threshold T, band H >= 0:
 *  - `Above`: raise when q >= T (held for minDurationMs); clear when q < T − H.
 *  - `Below`: raise when q <= T (held for minDurationMs); clear when q > T + H.
 * Inside the band the alert keeps its state, so a signal hovering at T does
 * not flap.
 */
export const RuleDirection = Object.freeze({ Above: 0, Below: 1 } as const);
export type RuleDirection = (typeof RuleDirection)[keyof typeof RuleDirection];

export interface TelemetryChannelConfig {
  /** Wire id of the channel, 0..TELEMETRY_ID_MAX, unique. */
  readonly channelId: number;
  /** Recent samples kept (oldest dropped first, counted); also bounds how far back a delta rule can look. */
  readonly historyCapacity: number;
  /** Aggregation window; windows are aligned to multiples of it ([k·W, (k+1)·W)). */
  readonly windowMs: number;
  /** Consecutive sensor errors that raise a SensorFault alert; 0 (default) = never. */
  readonly faultAfterErrors?: number;
}

export interface TelemetryRuleConfig {
  /** Wire id of the rule, 0..TELEMETRY_ID_MAX, unique. */
  readonly ruleId: number;
  /** Index into `channels`. */
  readonly channel: number;
  readonly source: RuleSource;
  readonly direction: RuleDirection;
  /** Threshold T (int32, channel unit; for Delta/AbsDelta: change per deltaWindowMs). */
  readonly threshold: number;
  /** Hysteresis band H >= 0 (see RuleDirection). */
  readonly hysteresis: number;
  /** The raise condition must hold on every sample for this long before the alert is raised; default 0 (at once). */
  readonly minDurationMs?: number;
  /** Delta/AbsDelta only (and required there): how far back to compare. */
  readonly deltaWindowMs?: number;
}

export interface TelemetryConfig {
  readonly channels: readonly TelemetryChannelConfig[];
  readonly rules: readonly TelemetryRuleConfig[];
  /** Records the outbox holds, alerts and routine telemetry together. */
  readonly outboxCapacity: number;
}

export const TELEMETRY_CHANNELS_MAX = 64;
export const TELEMETRY_RULES_MAX = 256;
export const TELEMETRY_ID_MAX = 0xfffe;
export const TELEMETRY_HISTORY_CAPACITY_MAX = 65_536;
export const TELEMETRY_OUTBOX_CAPACITY_MAX = 65_536;
/** One day: longer windows belong to the gateway, not the board. */
export const TELEMETRY_WINDOW_MS_MAX = 86_400_000;
export const TELEMETRY_DURATION_MS_MAX = 86_400_000;
export const TELEMETRY_FAULT_AFTER_ERRORS_MAX = 65_535;
/**
 * Samples one window may aggregate. With |value| < 2^31 the window sum stays
 * below 2^52, exact in a double on every engine. Further samples in the same
 * window are refused from the aggregate (counted), not from history or rules.
 */
export const TELEMETRY_WINDOW_SAMPLES_MAX = 1 << 21;
/** The "no reading" marker (equal to hal's SENSOR_NO_READING); never a value. */
export const NO_READING = -0x8000_0000;

const INT32_MAX = 0x7fff_ffff;

/** `Ok`, or the specific code of the first problem found. Allocates nothing. */
export function checkTelemetryConfig(config: TelemetryConfig): Status {
  const { channels, rules } = config;
  if (!isIntIn(config.outboxCapacity, 1, TELEMETRY_OUTBOX_CAPACITY_MAX)) return ErrorCode.TelemetryBadCapacity;
  // No channels is valid: a relay board samples nothing, and its pipeline only carries the outbox.
  if (channels.length > TELEMETRY_CHANNELS_MAX || rules.length > TELEMETRY_RULES_MAX) return ErrorCode.TelemetryTooMany;
  for (let i = 0; i < channels.length; i++) {
    const channel = channels[i];
    if (channel === undefined) return ErrorCode.TelemetryBadCapacity;
    const status = checkChannel(channel);
    if (status !== ErrorCode.Ok) return status;
    for (let j = 0; j < i; j++) if (channels[j]?.channelId === channel.channelId) return ErrorCode.TelemetryDuplicateId;
  }
  for (let i = 0; i < rules.length; i++) {
    const rule = rules[i];
    if (rule === undefined) return ErrorCode.TelemetryBadRule;
    const status = checkRule(rule, channels.length);
    if (status !== ErrorCode.Ok) return status;
    for (let j = 0; j < i; j++) if (rules[j]?.ruleId === rule.ruleId) return ErrorCode.TelemetryDuplicateId;
  }
  return ErrorCode.Ok;
}

function checkChannel(channel: TelemetryChannelConfig): Status {
  if (!isIntIn(channel.channelId, 0, TELEMETRY_ID_MAX)) return ErrorCode.TelemetryBadId;
  if (!isIntIn(channel.historyCapacity, 1, TELEMETRY_HISTORY_CAPACITY_MAX)) return ErrorCode.TelemetryBadCapacity;
  if (!isIntIn(channel.windowMs, 1, TELEMETRY_WINDOW_MS_MAX)) return ErrorCode.TelemetryBadWindow;
  if (!isIntIn(channel.faultAfterErrors ?? 0, 0, TELEMETRY_FAULT_AFTER_ERRORS_MAX)) return ErrorCode.TelemetryBadRule;
  return ErrorCode.Ok;
}

function checkRule(rule: TelemetryRuleConfig, channelCount: number): Status {
  if (!isIntIn(rule.ruleId, 0, TELEMETRY_ID_MAX)) return ErrorCode.TelemetryBadId;
  if (!isIntIn(rule.channel, 0, channelCount - 1)) return ErrorCode.TelemetryUnknownChannel;
  const source = rule.source;
  if (source !== RuleSource.Value && source !== RuleSource.Delta && source !== RuleSource.AbsDelta) return ErrorCode.TelemetryBadRule;
  if (rule.direction !== RuleDirection.Above && rule.direction !== RuleDirection.Below) return ErrorCode.TelemetryBadRule;
  if (!isIntIn(rule.threshold, -INT32_MAX, INT32_MAX)) return ErrorCode.TelemetryBadRule;
  if (!isIntIn(rule.hysteresis, 0, INT32_MAX)) return ErrorCode.TelemetryBadRule;
  if (!isIntIn(rule.minDurationMs ?? 0, 0, TELEMETRY_DURATION_MS_MAX)) return ErrorCode.TelemetryBadRule;
  const deltaWindowMs = rule.deltaWindowMs ?? 0;
  if (source === RuleSource.Value) return deltaWindowMs === 0 ? ErrorCode.Ok : ErrorCode.TelemetryBadRule;
  return isIntIn(deltaWindowMs, 1, TELEMETRY_DURATION_MS_MAX) ? ErrorCode.Ok : ErrorCode.TelemetryBadRule;
}

function isIntIn(value: number, min: number, max: number): boolean {
  return Number.isSafeInteger(value) && value >= min && value <= max;
}
