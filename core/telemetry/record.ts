/**
 * The records the telemetry pipeline hands to the uplink: window aggregates
 * (routine) and alert transitions (priority). One mutable shape for all of
 * them, so records live in a preallocated pool and are copied field by
 * field; nothing is allocated per record.
 *
 * Field use by kind (unused fields are 0):
 *
 * | kind               | atMs          | endMs      | ruleId | count            | min/max/sum/mean | errors | value          | threshold |
 * |--------------------|---------------|------------|--------|------------------|------------------|--------|----------------|-----------|
 * | Aggregate          | window start  | window end | —      | samples          | of the samples   | sensor errors in the window | — | — |
 * | AlertRaised/Cleared| sample time   | = atMs     | rule   | —                | —                | —      | measured q     | T         |
 * | SensorFaultRaised  | error time    | = atMs     | —      | consecutive errors | —              | —      | last error code | —        |
 * | SensorFaultCleared | sample time   | = atMs     | —      | —                | —                | —      | first good reading | —      |
 *
 * `mean` is floor(sum / count) (rounds toward −∞, exact integer division).
 * `seq` is given by the outbox on acceptance and grows by one per accepted
 * record, so a consumer sees gaps where routine records were dropped.
 */
export const RecordKind = Object.freeze({
  Aggregate: 1,
  AlertRaised: 2,
  AlertCleared: 3,
  SensorFaultRaised: 4,
  SensorFaultCleared: 5,
} as const);
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];

/** Alerts leave before routine telemetry and are never dropped for it. */
export const RecordPriority = Object.freeze({ Alert: 0, Routine: 1 } as const);
export type RecordPriority = (typeof RecordPriority)[keyof typeof RecordPriority];

/** Rule id carried by records that come from no rule. */
export const NO_RULE = 0xffff;

export function priorityOf(kind: number): RecordPriority {
  return kind === RecordKind.Aggregate ? RecordPriority.Routine : RecordPriority.Alert;
}

export class TelemetryRecord {
  kind: number = RecordKind.Aggregate;
  seq = 0;
  channelId = 0;
  ruleId = NO_RULE;
  atMs = 0;
  endMs = 0;
  count = 0;
  min = 0;
  max = 0;
  sum = 0;
  mean = 0;
  errors = 0;
  value = 0;
  threshold = 0;

  get priority(): RecordPriority {
    return priorityOf(this.kind);
  }

  copyFrom(other: TelemetryRecord): void {
    this.kind = other.kind;
    this.seq = other.seq;
    this.channelId = other.channelId;
    this.ruleId = other.ruleId;
    this.atMs = other.atMs;
    this.endMs = other.endMs;
    this.count = other.count;
    this.min = other.min;
    this.max = other.max;
    this.sum = other.sum;
    this.mean = other.mean;
    this.errors = other.errors;
    this.value = other.value;
    this.threshold = other.threshold;
  }

  /** Start a record of `kind`: every field back to 0 (ruleId to NO_RULE). */
  reset(kind: RecordKind, channelId: number, atMs: number): void {
    this.kind = kind;
    this.seq = 0;
    this.channelId = channelId;
    this.ruleId = NO_RULE;
    this.atMs = atMs;
    this.endMs = atMs;
    this.count = 0;
    this.min = 0;
    this.max = 0;
    this.sum = 0;
    this.mean = 0;
    this.errors = 0;
    this.value = 0;
    this.threshold = 0;
  }
}
