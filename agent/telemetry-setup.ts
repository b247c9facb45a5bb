/**
 * Site configuration -> telemetry pipeline configuration (core/telemetry).
 *
 * The pipeline sees one flat list of channels: sensor 0's channels, then
 * sensor 1's, ... Wire ids are stable and readable at the gateway:
 * channel id = sensor index * 8 + channel, rule id = sensor index * 8 + rule
 * index (CHANNEL_ID_STRIDE), so "channel 9" is sensor 1's second channel.
 */
import { RuleSource, type TelemetryChannelConfig, type TelemetryConfig, type TelemetryRuleConfig } from "../core/telemetry/config";
import { CHANNEL_ID_STRIDE, type SiteConfig } from "./config";
import { sensorPartInfo } from "./sensor-parts";

export interface TelemetryLayout {
  readonly telemetry: TelemetryConfig;
  /** Pipeline index of each sensor's first channel. */
  readonly firstChannel: readonly number[];
  /** Channels of each sensor. */
  readonly channelCount: readonly number[];
}

export function telemetryLayout(config: SiteConfig): TelemetryLayout {
  const channels: TelemetryChannelConfig[] = [];
  const rules: TelemetryRuleConfig[] = [];
  const firstChannel: number[] = [];
  const channelCount: number[] = [];
  for (let s = 0; s < config.sensors.length; s++) {
    const sensor = config.sensors[s];
    if (sensor === undefined) continue;
    const count = sensorPartInfo(sensor.part)?.channels.length ?? 1;
    firstChannel.push(channels.length);
    channelCount.push(count);
    for (let c = 0; c < count; c++) {
      channels.push({
        channelId: s * CHANNEL_ID_STRIDE + c,
        historyCapacity: config.sampleRingCapacity,
        windowMs: sensor.windowMs,
        faultAfterErrors: sensor.faultAfterErrors,
      });
    }
    for (let r = 0; r < sensor.rules.length; r++) {
      const rule = sensor.rules[r];
      if (rule === undefined) continue;
      const base = {
        ruleId: s * CHANNEL_ID_STRIDE + r,
        channel: (firstChannel[s] ?? 0) + rule.channel,
        source: rule.source,
        direction: rule.direction,
        threshold: rule.threshold,
        hysteresis: rule.hysteresis,
        minDurationMs: rule.minDurationMs,
      };
      rules.push(rule.source === RuleSource.Value ? base : { ...base, deltaWindowMs: rule.deltaWindowMs });
    }
  }
  return {
    telemetry: { channels, rules, outboxCapacity: config.capacities.outboxRecords },
    firstChannel: Object.freeze(firstChannel),
    channelCount: Object.freeze(channelCount),
  };
}
