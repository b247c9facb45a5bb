/**
 * Render metrics registries as Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/).
 *
 * Host side, off the hot path: allocation is fine here. The format rules this
 * file relies on:
 *  - `# HELP name text`: in text, `\` becomes `\\` and line feed becomes `\n`.
 *  - `# TYPE name counter|gauge|histogram`, at most one per metric name, before
 *    its samples; all samples of one metric form a single group.
 *  - label values escape `\`, `"` and line feed as `\\`, `\"`, `\n`.
 *  - a histogram `x` exposes cumulative `x_bucket{le="..."}` ending with
 *    `le="+Inf"` (equal to `x_count`), then `x_sum` and `x_count`.
 *  - lines end with a line feed, including the last.
 *
 * Multi-agent output (`renderPrometheusMany`) keeps that grouping: one
 * HELP/TYPE per metric name, followed by the samples of every source, each
 * source told apart by its constant labels (e.g. node="3").
 */
import { ErrorCode } from "../../core/runtime/errors";
import { MetricKind, type MetricsRegistry } from "../../core/runtime/metrics";
import { err, ok, type Result } from "../../core/runtime/result";

/** Constant labels added to every sample of a source, in this order. */
export type ConstLabels = readonly (readonly [name: string, value: string])[];

export interface PrometheusSource {
  readonly registry: MetricsRegistry;
  readonly constLabels?: ConstLabels;
}

interface Member {
  readonly registry: MetricsRegistry;
  readonly id: number;
  readonly labels: string; // rendered `a="x",b="y"` or ""
}

interface Family {
  readonly name: string;
  readonly kind: MetricKind;
  readonly help: string;
  readonly members: Member[];
}

/** Render one registry. Errors: InvalidArgument (bad constant labels). */
export function renderPrometheus(registry: MetricsRegistry, constLabels: ConstLabels = []): Result<string> {
  return renderPrometheusMany([{ registry, constLabels }]);
}

/**
 * Render several registries (e.g. one per simulated agent) into one exposition.
 * Families appear in order of first registration; help text is taken from the
 * first source that has the metric.
 * Errors: InvalidArgument if a label name is invalid, reserved (`__*`) or `le`,
 * repeated within a source, if two sources have the same label set (their
 * samples would collide), or if one metric name has different types in
 * different sources.
 */
export function renderPrometheusMany(sources: readonly PrometheusSource[]): Result<string> {
  const families = new Map<string, Family>();
  const labelSets = new Set<string>();
  for (const source of sources) {
    const labels = renderConstLabels(source.constLabels ?? []);
    if (labels === undefined || labelSets.has(labels)) return err(ErrorCode.InvalidArgument);
    labelSets.add(labels);
    const { registry } = source;
    for (let id = 0; id < registry.size; id++) {
      const name = registry.name(id);
      const kind = registry.kind(id);
      const family = families.get(name);
      if (family === undefined) {
        families.set(name, { name, kind, help: registry.help(id), members: [{ registry, id, labels }] });
      } else if (family.kind !== kind) {
        return err(ErrorCode.InvalidArgument);
      } else {
        family.members.push({ registry, id, labels });
      }
    }
  }
  const lines: string[] = [];
  for (const family of families.values()) renderFamily(family, lines);
  return ok(lines.length === 0 ? "" : lines.join("\n") + "\n");
}

function renderFamily(family: Family, lines: string[]): void {
  const { name } = family;
  if (family.help !== "") lines.push(`# HELP ${name} ${escapeHelp(family.help)}`);
  lines.push(`# TYPE ${name} ${typeName(family.kind)}`);
  for (const member of family.members) {
    if (family.kind === MetricKind.Histogram) renderHistogram(name, member, lines);
    else lines.push(`${name}${braces(member.labels)} ${formatInteger(member.registry.value(member.id))}`);
  }
}

function renderHistogram(name: string, member: Member, lines: string[]): void {
  const { registry, id, labels } = member;
  const buckets = registry.bucketCount(id);
  const cumulative = new Float64Array(buckets);
  registry.snapshotCumulative(id, cumulative);
  const prefix = labels === "" ? "" : labels + ",";
  for (let i = 0; i < buckets; i++) {
    const bound = registry.bucketUpperBound(id, i);
    const le = bound === Infinity ? "+Inf" : formatInteger(bound);
    lines.push(`${name}_bucket{${prefix}le="${le}"} ${formatInteger(cumulative[i] ?? 0)}`);
  }
  lines.push(`${name}_sum${braces(labels)} ${formatInteger(registry.value(id))}`);
  lines.push(`${name}_count${braces(labels)} ${formatInteger(registry.histogramCount(id))}`);
}

function typeName(kind: MetricKind): string {
  if (kind === MetricKind.Counter) return "counter";
  if (kind === MetricKind.Gauge) return "gauge";
  if (kind === MetricKind.Histogram) return "histogram";
  return "untyped";
}

function braces(labels: string): string {
  return labels === "" ? "" : `{${labels}}`;
}

// Registry values are safe integers, which String() prints as plain digits.
function formatInteger(value: number): string {
  return String(value);
}

/** `a="x",b="y"`, or undefined if a label name is not acceptable. */
function renderConstLabels(constLabels: ConstLabels): string | undefined {
  const seen = new Set<string>();
  const parts: string[] = [];
  for (const [name, value] of constLabels) {
    if (!isValidLabelName(name) || name === "le" || seen.has(name)) return undefined;
    seen.add(name);
    parts.push(`${name}="${escapeLabelValue(value)}"`);
  }
  return parts.join(",");
}

/** Prometheus data model: [a-zA-Z_][a-zA-Z0-9_]*, names starting `__` reserved. */
export function isValidLabelName(name: string): boolean {
  return /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name) && !name.startsWith("__");
}

export function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

export function escapeLabelValue(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}
