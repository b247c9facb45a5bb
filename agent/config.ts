/**
 * Site configuration: the one input that sizes everything (ARCHITECTURE.md
 * "Fixed capacity": every capacity comes from here and is allocated at start).
 *
 * `validateSiteConfig` checks every field and reports every problem at once,
 * each with the field name and a stable reason code, so a bad manifest can be
 * fixed in one pass. It never throws on any input.
 */
export const AgentRole = Object.freeze({ Sensor: "sensor", Anchor: "anchor", Gateway: "gateway" } as const);
export type AgentRole = (typeof AgentRole)[keyof typeof AgentRole];

export interface SiteConfig {
  readonly siteName: string;
  readonly nodeId: number;
  readonly role: AgentRole;
  readonly sampleIntervalMs: number;
  readonly sampleRingCapacity: number;
  readonly timerCapacity: number;
  readonly neighbourCapacity: number;
}

export const ConfigProblemCode = Object.freeze({
  NotAnObject: 1,
  Missing: 2,
  WrongType: 3,
  OutOfRange: 4,
  NotOneOf: 5,
  TooLong: 6,
  UnknownField: 7,
} as const);
export type ConfigProblemCode = (typeof ConfigProblemCode)[keyof typeof ConfigProblemCode];

export interface ConfigProblem {
  readonly field: string;
  readonly code: ConfigProblemCode;
  /** A fixed sentence for people; tools should match on `code`. */
  readonly reason: string;
}

export type ConfigValidation =
  | { readonly ok: true; readonly config: SiteConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

interface IntegerField {
  readonly name: "nodeId" | "sampleIntervalMs" | "sampleRingCapacity" | "timerCapacity" | "neighbourCapacity";
  readonly min: number;
  readonly max: number;
  readonly reason: string;
}

/** Field limits. Node ids fit 16 bits (short ids on the air, ISSUE 6). */
export const INTEGER_FIELDS: readonly IntegerField[] = Object.freeze([
  Object.freeze({ name: "nodeId", min: 1, max: 0xfffe, reason: "an integer 1..65534" }),
  Object.freeze({ name: "sampleIntervalMs", min: 10, max: 86_400_000, reason: "an integer 10..86400000 (ms)" }),
  Object.freeze({ name: "sampleRingCapacity", min: 1, max: 65_536, reason: "an integer 1..65536 (samples)" }),
  Object.freeze({ name: "timerCapacity", min: 1, max: 4096, reason: "an integer 1..4096 (timers)" }),
  Object.freeze({ name: "neighbourCapacity", min: 1, max: 1024, reason: "an integer 1..1024 (neighbours)" }),
] as const);

const KNOWN_FIELDS: readonly string[] = Object.freeze([
  "siteName",
  "role",
  ...INTEGER_FIELDS.map((field) => field.name),
]);

const ROLES: readonly string[] = Object.freeze(Object.values(AgentRole));

/** Longest accepted site name, in UTF-16 code units (names are ASCII by convention). */
export const SITE_NAME_MAX = 32;

function isRecord(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function validateSiteConfig(raw: unknown): ConfigValidation {
  const problems: ConfigProblem[] = [];
  if (!isRecord(raw)) {
    return { ok: false, problems: [{ field: "(root)", code: ConfigProblemCode.NotAnObject, reason: "must be an object" }] };
  }
  const siteName = raw["siteName"];
  if (siteName === undefined) problems.push({ field: "siteName", code: ConfigProblemCode.Missing, reason: "is required" });
  else if (typeof siteName !== "string") problems.push({ field: "siteName", code: ConfigProblemCode.WrongType, reason: "must be a string" });
  else if (siteName.length === 0 || siteName.length > SITE_NAME_MAX) {
    problems.push({ field: "siteName", code: ConfigProblemCode.TooLong, reason: "must be 1..32 characters" });
  }
  const role = raw["role"];
  if (role === undefined) problems.push({ field: "role", code: ConfigProblemCode.Missing, reason: "is required" });
  else if (typeof role !== "string" || !ROLES.includes(role)) {
    problems.push({ field: "role", code: ConfigProblemCode.NotOneOf, reason: "must be one of sensor, anchor, gateway" });
  }
  for (let i = 0; i < INTEGER_FIELDS.length; i++) {
    const field = INTEGER_FIELDS[i];
    if (field === undefined) continue;
    const value = raw[field.name];
    if (value === undefined) problems.push({ field: field.name, code: ConfigProblemCode.Missing, reason: "is required" });
    else if (typeof value !== "number" || !Number.isInteger(value)) {
      problems.push({ field: field.name, code: ConfigProblemCode.WrongType, reason: `must be ${field.reason}` });
    } else if (value < field.min || value > field.max) {
      problems.push({ field: field.name, code: ConfigProblemCode.OutOfRange, reason: `must be ${field.reason}` });
    }
  }
  const keys = Object.keys(raw);
  for (let i = 0; i < keys.length && i < 64; i++) {
    const key = keys[i];
    if (key !== undefined && !KNOWN_FIELDS.includes(key)) {
      problems.push({ field: key, code: ConfigProblemCode.UnknownField, reason: "is not a site configuration field" });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, config: Object.freeze({ ...(raw as unknown as SiteConfig) }) };
}

/** One line per problem, e.g. "nodeId: must be an integer 1..65534". */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((problem) => `${problem.field}: ${problem.reason}`).join("\n");
}
