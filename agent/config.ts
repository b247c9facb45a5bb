/**
 * Site configuration: the one input that sizes everything (docs/architecture.md
 * "Rules": every capacity comes from here and is allocated at start).
 *
 * `validateSiteConfig` checks every field, nested ones included, and reports
 * every problem at once, each with the field's path
 * (`sensors[1].rules[0].threshold`) and a stable problem code, so a bad
 * manifest is fixed in one pass. Unknown fields are errors (a typo must not
 * silently fall back to a default). It never throws on any input.
 *
 * The validated `SiteConfig` has every default filled in and every name
 * (role, part, rule source ...) also available as a numeric code, so nothing
 * downstream compares strings on a hot path. Field-by-field documentation:
 * README "Site configuration".
 */
import { HOP_LIMIT_MAX } from "../core/mesh/link-header";
import { RuleDirection, RuleSource } from "../core/telemetry/config";
import { SENSOR_CHANNELS_MAX } from "../hal/sensor";
import { SensorPart, sensorPartByName, SENSOR_PARTS } from "./sensor-parts";
/**
 * Largest radio.siteSize: 120 boards. Each board of the site has two
 * receive ceilings in the store (its frames under a pair secret and under
 * the flood secret, core/mesh/link-seal.ts windowIdOf), and 120 is the
 * largest site whose store still fits twice in the boards' 64 KB storage
 * partition (test/gate/partitions.test.ts; 127 boards need a ninth 4 KB
 * block). The link layer itself names boards up to 255 (link-keys.ts
 * LINK_SITE_SIZE_MAX): a larger site needs a larger partition.
 */
export const SITE_SIZE_MAX = 120;

/**
 * A board's role, from its provisioning record (agent/provisioning.ts), never
 * from the compiled site configuration: a `sensor` samples the site's
 * sensors and sends to the gateways; a `relay` runs the mesh and the uplink
 * but opens no sensor (a board placed to extend the radio range); a
 * `gateway` collects from the mesh; an `anchor` behaves as a sensor until
 * consensus lands.
 */
export const AgentRole = Object.freeze({ Sensor: "sensor", Relay: "relay", Gateway: "gateway", Anchor: "anchor" } as const);
export type AgentRole = (typeof AgentRole)[keyof typeof AgentRole];

/** Who a board is: read from its provisioning record at boot (agent/board-identity.ts). */
export interface BoardIdentity {
  readonly nodeId: number;
  readonly role: AgentRole;
  /** The site's gateways this board tries first, in order (where it stands: nearest first); absent or empty = the site's order. */
  readonly preferredGateways?: readonly number[];
}

/** How a sensor is driven: the simulated driver (hal/sim) or the part's ECMA-419 driver (hal/moddable). */
export const SensorDriver = Object.freeze({ Sim: 1, Hardware: 2 } as const);
export type SensorDriver = (typeof SensorDriver)[keyof typeof SensorDriver];

/**
 * Input bias of a digital (contact, motion) hardware sensor: ECMA-419
 * Digital modes Input, InputPullUp, InputPullDown. Same codes as
 * hal/moddable/sensors/digital.ts DigitalPull.
 */
export const SensorPull = Object.freeze({ None: 0, Up: 1, Down: 2 } as const);
export type SensorPull = (typeof SensorPull)[keyof typeof SensorPull];

export interface RuleConfig {
  /** Channel of this sensor (0-based, in the part's channel order). */
  readonly channel: number;
  readonly source: RuleSource;
  readonly direction: RuleDirection;
  readonly threshold: number;
  readonly hysteresis: number;
  readonly minDurationMs: number;
  /** Delta and absDelta only; 0 for value rules. */
  readonly deltaWindowMs: number;
}

export interface SensorConfig {
  readonly part: SensorPart;
  readonly driver: SensorDriver;
  /** Sampling period. */
  readonly intervalMs: number;
  /** Aggregation window of routine telemetry. */
  readonly windowMs: number;
  /** I2C address for hardware drivers; -1 = the part's default. */
  readonly address: number;
  /** GPIO of a digital part (contact, motion); -1 = none (I2C parts, or a simulated digital part given no pin). */
  readonly pin: number;
  /** Digital parts: the line is low in the active state (open, motion). False when not given. */
  readonly activeLow: boolean;
  /** Digital parts: input bias; None when not given. */
  readonly pull: SensorPull;
  /** Consecutive read errors that raise a sensor-fault alert; 0 = never. */
  readonly faultAfterErrors: number;
  readonly rules: readonly RuleConfig[];
}

export interface UplinkConfig {
  /** How often routine telemetry is batched and sent, and pending alerts are re-checked. */
  readonly intervalMs: number;
  /** Alerts in flight at once (each waits for the gateway's acknowledgement). */
  readonly alertPendingCapacity: number;
  readonly alertRetryBaseMs: number;
  readonly alertRetryCapMs: number;
  /** Sends of one alert before it is abandoned (counted). */
  readonly alertAttemptsMax: number;
  /**
   * Congestion-adaptive aggregation (core/uplink/uplink.ts): while the
   * channel this board hears is busier than `busyPermille` of the last
   * minute, its routine interval doubles, up to `intervalMaxMs`, so more
   * readings share each frame; it halves back towards `intervalMs` once the
   * channel is quieter than half that. intervalMaxMs = intervalMs: off.
   */
  readonly intervalMaxMs: number;
  readonly busyPermille: number;
}

export interface RadioConfig {
  /** Period of the mesh task (transport timers: retransmission, reassembly, duty cycle). */
  readonly meshTickMs: number;
  /** Largest application message, bytes. */
  readonly maxMessageBytes: number;
  /** Retransmissions per hop for acknowledged traffic. */
  readonly linkRetries: number;
  readonly linkAckTimeoutMs: number;
  /**
   * Largest number of hops a message may take: 1..HOP_LIMIT_MAX (7), what the
   * link header's 3-bit hop-limit field carries (core/mesh/link-header.ts).
   */
  readonly hopLimit: number;
  /** Share of airtime the node may use, in permille (ETSI EN 300 220: 10 = 1 %, 100 = 10 %). */
  readonly dutyCyclePermille: number;
  /** Over-the-air bit rate, for airtime accounting (LoRa SF7/125 kHz ~ 5470). */
  readonly bitrateBps: number;
  /**
   * Highest node id in the site (1..SITE_SIZE_MAX). Every board keeps a
   * durable receive ceiling for each sender 1..siteSize in its flash store
   * (core/storage/receive-ceilings.ts), so the store's layout depends on it;
   * a board whose provisioning record names a higher sender id refuses to
   * start its radio. `picket provision --site-size` must not exceed it.
   */
  readonly siteSize: number;
}

export interface CapacityConfig {
  /** Telemetry outbox: alerts and routine records waiting for the uplink. */
  readonly outboxRecords: number;
  readonly logRecords: number;
  /** Gateway: recently delivered alerts remembered to drop duplicates. */
  readonly dedupEntries: number;
  /**
   * Transport: received frames waiting for the mesh task, 2..RX_FRAMES_MAX. A
   * board's mesh inbox holds rxFrames x 64 bytes (at least two largest messages).
   */
  readonly rxFrames: number;
  /**
   * Transport: frames waiting for a link acknowledgement, at most. On a board
   * only alerts are acknowledged, so its mesh keeps min(txFrames, alert slots + 2).
   */
  readonly txFrames: number;
}

export interface KeyConfig {
  /** Key commitment of the site authority's public key (core/crypto/commitment.ts), 32 bytes as 64 hex digits. */
  readonly authorityCommitment: string;
  /** Key epoch the board starts in (16 bits on the air: core/crypto/traffic-keys.ts KEY_EPOCH_MAX). */
  readonly keyEpoch: number;
  /** Mesh group the site's boards are provisioned into: part of every link secret's derivation (core/crypto/site-keys.ts). */
  readonly groupId: number;
}

/**
 * The compiled site configuration (`config.picket`), validated: what every
 * board of the site shares. It names no board: one firmware image boots as
 * any board of its site, and the board's identity comes from its
 * provisioning record.
 */
export interface CompiledSiteConfig {
  readonly siteName: string;
  /** Default sampling period for sensors that do not give their own. */
  readonly sampleIntervalMs: number;
  /** Recent samples kept per channel. */
  readonly sampleRingCapacity: number;
  readonly timerCapacity: number;
  readonly neighbourCapacity: number;
  readonly sensors: readonly SensorConfig[];
  /** Gateway node ids in order of preference (failover goes down the list). */
  readonly gateways: readonly number[];
  readonly uplink: UplinkConfig;
  readonly radio: RadioConfig;
  readonly capacities: CapacityConfig;
  /** Undefined when the configuration carries no key material. */
  readonly keys: KeyConfig | undefined;
}

/**
 * A board's configuration: its site's, with the identity from its
 * provisioning record merged in (boardConfig); `gateways` in this board's
 * order of preference.
 */
export interface SiteConfig extends CompiledSiteConfig {
  readonly nodeId: number;
  readonly role: AgentRole;
}

export const ConfigProblemCode = Object.freeze({
  NotAnObject: 1,
  Missing: 2,
  WrongType: 3,
  OutOfRange: 4,
  NotOneOf: 5,
  TooLong: 6,
  UnknownField: 7,
  /** An array with more entries than allowed. */
  TooMany: 8,
  /** A value that contradicts another field (timers for the tasks, channel of the part, gateway id = own id ...). */
  Inconsistent: 9,
  /** A value listed twice where each must be unique. */
  Duplicate: 10,
  /** Not a string of hex digits of the required length. */
  BadHex: 11,
  /** A per-board field (nodeId, role) in the compiled site configuration: it comes from the board's provisioning record. */
  PerBoard: 12,
} as const);
export type ConfigProblemCode = (typeof ConfigProblemCode)[keyof typeof ConfigProblemCode];

export interface ConfigProblem {
  readonly field: string;
  readonly code: ConfigProblemCode;
  /** A fixed sentence for people; tools should match on `code`. */
  readonly reason: string;
}

export type SiteValidation =
  | { readonly ok: true; readonly site: CompiledSiteConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

export type ConfigValidation =
  | { readonly ok: true; readonly config: SiteConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Longest accepted site name, in UTF-16 code units (names are ASCII by convention). */
export const SITE_NAME_MAX = 32;
export const SENSORS_MAX = 8;
export const RULES_PER_SENSOR_MAX = 8;
export const GATEWAYS_MAX = 4;
/** Tasks besides one sampling task per sensor: mesh, telemetry, uplink, drain and flush hooks. */
export const AGENT_FIXED_TASKS = 5;
/** Timers besides one per sensor: mesh, telemetry, uplink. */
export const AGENT_FIXED_TIMERS = 3;
/** Wire ids: channel id = sensor index * CHANNEL_ID_STRIDE + channel, the same for rule ids. */
export const CHANNEL_ID_STRIDE = 8;
/** Highest GPIO number a digital sensor may name (hal/moddable/sensors/digital.ts DIGITAL_PIN_MAX). */
export const SENSOR_PIN_MAX = 63;

const INT32_MAX = 0x7fff_ffff;
const DAY_MS = 86_400_000;

type Raw = Readonly<Record<string, unknown>>;

function isRecord(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the fields of one JSON object, recording a problem for each bad one. */
class Reader {
  private readonly raw_: Raw;
  private readonly path_: string;
  private readonly problems_: ConfigProblem[];

  constructor(raw: Raw, path: string, problems: ConfigProblem[], known: readonly string[]) {
    this.raw_ = raw;
    this.path_ = path;
    this.problems_ = problems;
    const keys = Object.keys(raw);
    for (let i = 0; i < keys.length && i < 64; i++) {
      const key = keys[i];
      if (key !== undefined && !known.includes(key)) this.problem(key, ConfigProblemCode.UnknownField, "is not a site configuration field");
    }
  }

  at(key: string): string {
    return this.path_ === "" ? key : `${this.path_}.${key}`;
  }

  problem(key: string, code: ConfigProblemCode, reason: string): void {
    this.problems_.push({ field: this.at(key), code, reason });
  }

  value(key: string): unknown {
    return this.raw_[key];
  }

  /** An integer in min..max; `fallback` when absent and optional (undefined = required). */
  int(key: string, min: number, max: number, fallback: number | undefined, unit = ""): number {
    const value = this.raw_[key];
    const reason = `must be an integer ${min}..${max}${unit}`;
    if (value === undefined) {
      if (fallback === undefined) this.problem(key, ConfigProblemCode.Missing, "is required");
      return fallback ?? min;
    }
    if (typeof value !== "number" || !Number.isSafeInteger(value)) {
      this.problem(key, ConfigProblemCode.WrongType, reason);
      return fallback ?? min;
    }
    if (value < min || value > max) {
      this.problem(key, ConfigProblemCode.OutOfRange, reason);
      return fallback ?? min;
    }
    return value;
  }

  /** A boolean; `fallback` when absent (undefined = required). */
  bool(key: string, fallback: boolean | undefined): boolean {
    const value = this.raw_[key];
    if (value === undefined) {
      if (fallback === undefined) this.problem(key, ConfigProblemCode.Missing, "is required");
      return fallback ?? false;
    }
    if (typeof value !== "boolean") {
      this.problem(key, ConfigProblemCode.WrongType, "must be true or false");
      return fallback ?? false;
    }
    return value;
  }

  /** One of `names`; its index. `fallback` index when absent (undefined = required). */
  oneOf(key: string, names: readonly string[], fallback: number | undefined): number {
    const value = this.raw_[key];
    if (value === undefined) {
      if (fallback === undefined) this.problem(key, ConfigProblemCode.Missing, "is required");
      return fallback ?? 0;
    }
    const index = typeof value === "string" ? names.indexOf(value) : -1;
    if (index < 0) {
      this.problem(key, ConfigProblemCode.NotOneOf, `must be one of ${names.join(", ")}`);
      return fallback ?? 0;
    }
    return index;
  }

  /** An object field, or undefined (absent, or not an object: reported). */
  object(key: string): Raw | undefined {
    const value = this.raw_[key];
    if (value === undefined) return undefined;
    if (!isRecord(value)) {
      this.problem(key, ConfigProblemCode.WrongType, "must be an object");
      return undefined;
    }
    return value;
  }

  /** An array field of at most `max` entries ([] when absent or bad: reported). */
  array(key: string, max: number): readonly unknown[] {
    const value = this.raw_[key];
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.problem(key, ConfigProblemCode.WrongType, "must be an array");
      return [];
    }
    if (value.length > max) {
      this.problem(key, ConfigProblemCode.TooMany, `must have at most ${max} entries`);
      return [];
    }
    return value as readonly unknown[];
  }
}

const TOP_FIELDS: readonly string[] = Object.freeze([
  "siteName",
  "sampleIntervalMs",
  "sampleRingCapacity",
  "timerCapacity",
  "neighbourCapacity",
  "sensors",
  "gateways",
  "uplink",
  "radio",
  "capacities",
  "keys",
]);
const SENSOR_FIELDS: readonly string[] = Object.freeze(["part", "driver", "intervalMs", "windowMs", "address", "pin", "activeLow", "pull", "faultAfterErrors", "rules"]);
/** The wiring fields of a digital part. */
const DIGITAL_FIELDS: readonly string[] = Object.freeze(["pin", "activeLow", "pull"]);
const RULE_FIELDS: readonly string[] = Object.freeze(["channel", "source", "direction", "threshold", "hysteresis", "minDurationMs", "deltaWindowMs"]);
const UPLINK_FIELDS: readonly string[] = Object.freeze(["intervalMs", "alertPendingCapacity", "alertRetryBaseMs", "alertRetryCapMs", "alertAttemptsMax", "intervalMaxMs", "busyPermille"]);
const RADIO_FIELDS: readonly string[] = Object.freeze([
  "meshTickMs",
  "maxMessageBytes",
  "linkRetries",
  "linkAckTimeoutMs",
  "hopLimit",
  "dutyCyclePermille",
  "bitrateBps",
  "siteSize",
]);
const CAPACITY_FIELDS: readonly string[] = Object.freeze(["outboxRecords", "logRecords", "dedupEntries", "rxFrames", "txFrames"]);
const KEY_FIELDS: readonly string[] = Object.freeze(["authorityCommitment", "keyEpoch", "groupId"]);
/** Fields a board's provisioning record gives; refused in the compiled site configuration. */
const PER_BOARD_FIELDS: readonly string[] = Object.freeze(["nodeId", "role"]);

/** Role names in the order of their record codes (agent/provisioning.ts RecordRole: index + 1). */
export const ROLE_NAMES: readonly AgentRole[] = Object.freeze([AgentRole.Sensor, AgentRole.Relay, AgentRole.Gateway, AgentRole.Anchor]);
/** Default keys.groupId (`picket provision` writes the site's group id from it). */
export const DEFAULT_GROUP_ID = 1;
const PART_NAMES: readonly string[] = Object.freeze(SENSOR_PARTS.map((info) => info.name));
const DRIVER_NAMES: readonly string[] = Object.freeze(["sim", "hardware"]);
const DRIVERS: readonly SensorDriver[] = Object.freeze([SensorDriver.Sim, SensorDriver.Hardware]);
const PULL_NAMES: readonly string[] = Object.freeze(["none", "up", "down"]);
const PULLS: readonly SensorPull[] = Object.freeze([SensorPull.None, SensorPull.Up, SensorPull.Down]);
const SOURCE_NAMES: readonly string[] = Object.freeze(["value", "delta", "absDelta"]);
const SOURCES: readonly RuleSource[] = Object.freeze([RuleSource.Value, RuleSource.Delta, RuleSource.AbsDelta]);
const DIRECTION_NAMES: readonly string[] = Object.freeze(["above", "below"]);
const DIRECTIONS: readonly RuleDirection[] = Object.freeze([RuleDirection.Above, RuleDirection.Below]);

/** Most received frames a board buffers: its mesh inbox is rxFrames x 64 bytes, at most 8 KB of heap. */
export const RX_FRAMES_MAX = 128;

/** Defaults of the optional sections (README "Site configuration"). */
export const UPLINK_DEFAULTS: UplinkConfig = Object.freeze({
  intervalMs: 10_000,
  alertPendingCapacity: 8,
  alertRetryBaseMs: 2_000,
  alertRetryCapMs: 30_000,
  alertAttemptsMax: 50,
  // Four intervals; a configuration that sets intervalMs gets four of its own (readUplink).
  intervalMaxMs: 40_000,
  busyPermille: 200,
});
export const RADIO_DEFAULTS: RadioConfig = Object.freeze({
  meshTickMs: 200,
  maxMessageBytes: 192,
  linkRetries: 4,
  linkAckTimeoutMs: 400,
  hopLimit: HOP_LIMIT_MAX,
  dutyCyclePermille: 100,
  bitrateBps: 5_470,
  siteSize: 64,
});
export const CAPACITY_DEFAULTS: CapacityConfig = Object.freeze({ outboxRecords: 16, logRecords: 16, dedupEntries: 256, rxFrames: 16, txFrames: 16 });
export const DEFAULT_WINDOW_MS = 60_000;
export const DEFAULT_FAULT_AFTER_ERRORS = 3;

/**
 * Validate the compiled site configuration (`config.picket`). `nodeId` and
 * `role` are refused (ConfigProblemCode.PerBoard): a board's identity is in
 * its provisioning record, so that one image boots as any board of the site.
 */
export function validateSiteConfig(raw: unknown): SiteValidation {
  if (!isRecord(raw)) {
    return { ok: false, problems: [{ field: "(root)", code: ConfigProblemCode.NotAnObject, reason: "must be an object" }] };
  }
  const problems: ConfigProblem[] = [];
  const top = new Reader(raw, "", problems, [...TOP_FIELDS, ...PER_BOARD_FIELDS]);
  for (let i = 0; i < PER_BOARD_FIELDS.length; i++) {
    const key = PER_BOARD_FIELDS[i] ?? "";
    if (top.value(key) !== undefined) top.problem(key, ConfigProblemCode.PerBoard, "is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration");
  }
  const siteName = readSiteName(top);
  const sampleIntervalMs = top.int("sampleIntervalMs", 10, DAY_MS, undefined, " (ms)");
  const sampleRingCapacity = top.int("sampleRingCapacity", 1, 65_536, undefined, " (samples)");
  const timerCapacity = top.int("timerCapacity", 1, 4096, undefined, " (timers)");
  const neighbourCapacity = top.int("neighbourCapacity", 1, 1024, undefined, " (neighbours)");
  const sensors = readSensors(top, problems, sampleIntervalMs);
  const gateways = readGateways(top);
  const uplink = readUplink(top, problems);
  const radio = readRadio(top, problems);
  const capacities = readCapacities(top, problems);
  const keys = readKeys(top, problems);
  const timersNeeded = sensors.length + AGENT_FIXED_TIMERS;
  if (timerCapacity < timersNeeded && top.value("timerCapacity") !== undefined && problems.every((p) => p.field !== "timerCapacity")) {
    top.problem("timerCapacity", ConfigProblemCode.Inconsistent, `must be at least ${timersNeeded} (one per sensor + ${AGENT_FIXED_TIMERS})`);
  }
  if (problems.length > 0) return { ok: false, problems };
  const site: CompiledSiteConfig = {
    siteName,
    sampleIntervalMs,
    sampleRingCapacity,
    timerCapacity,
    neighbourCapacity,
    sensors,
    gateways,
    uplink,
    radio,
    capacities,
    keys,
  };
  return { ok: true, site: Object.freeze(site) };
}

/**
 * A board's configuration: the site's with `identity` (from the board's
 * provisioning record) merged in. Refused: a node id outside 1..65534, a
 * role this code does not know, a board the site lists as a gateway whose
 * record does not make it one (field `gateways[i]`), and a preferred
 * gateway the site does not list (field `gateways`). The board's gateways
 * are its preferred ones first, then the site's others in the site's
 * order. A relay opens no sensor, so its configuration has none.
 */
export function boardConfig(site: CompiledSiteConfig, identity: BoardIdentity): ConfigValidation {
  const problems: ConfigProblem[] = [];
  const { nodeId, role } = identity;
  if (!Number.isSafeInteger(nodeId) || nodeId < 1 || nodeId > 0xfffe) problems.push({ field: "nodeId", code: ConfigProblemCode.OutOfRange, reason: "must be an integer 1..65534" });
  if (!ROLE_NAMES.includes(role)) problems.push({ field: "role", code: ConfigProblemCode.NotOneOf, reason: `must be one of ${ROLE_NAMES.join(", ")}` });
  const listed = site.gateways.indexOf(nodeId);
  if (listed >= 0 && role !== AgentRole.Gateway) {
    problems.push({ field: `gateways[${listed}]`, code: ConfigProblemCode.Inconsistent, reason: `lists this board (node ${nodeId}) as a gateway, but its role is ${role}` });
  }
  const preferred = identity.preferredGateways ?? NO_GATEWAYS;
  for (let i = 0; i < preferred.length; i++) {
    const id = preferred[i] ?? 0;
    if (!site.gateways.includes(id)) problems.push({ field: "gateways", code: ConfigProblemCode.Inconsistent, reason: `the board prefers gateway ${id}, which the site configuration does not list` });
    else if (preferred.indexOf(id) !== i) problems.push({ field: "gateways", code: ConfigProblemCode.Duplicate, reason: `the board prefers gateway ${id} twice` });
  }
  if (problems.length > 0) return { ok: false, problems };
  const sensors = role === AgentRole.Relay ? NO_SENSORS : site.sensors;
  const gateways = preferred.length === 0 ? site.gateways : Object.freeze([...preferred, ...site.gateways.filter((id) => !preferred.includes(id))]);
  return { ok: true, config: Object.freeze({ ...site, sensors, gateways, nodeId, role }) };
}

/** validateSiteConfig, then boardConfig: for hosts and tests that give the identity themselves. */
export function validateBoardConfig(raw: unknown, identity: BoardIdentity): ConfigValidation {
  const validated = validateSiteConfig(raw);
  return validated.ok ? boardConfig(validated.site, identity) : validated;
}

const NO_SENSORS: readonly SensorConfig[] = Object.freeze([]);
const NO_GATEWAYS: readonly number[] = Object.freeze([]);

function readSiteName(top: Reader): string {
  const siteName = top.value("siteName");
  if (siteName === undefined) top.problem("siteName", ConfigProblemCode.Missing, "is required");
  else if (typeof siteName !== "string") top.problem("siteName", ConfigProblemCode.WrongType, "must be a string");
  else if (siteName.length === 0 || siteName.length > SITE_NAME_MAX) top.problem("siteName", ConfigProblemCode.TooLong, `must be 1..${SITE_NAME_MAX} characters`);
  else return siteName;
  return "";
}

/** Absent: one simulated TMP117 at the default rate, so a minimal configuration boots. */
function readSensors(top: Reader, problems: ConfigProblem[], defaultIntervalMs: number): readonly SensorConfig[] {
  if (top.value("sensors") === undefined) {
    return Object.freeze([
      Object.freeze({
        part: SENSOR_PARTS[0]?.part ?? 1,
        driver: SensorDriver.Sim,
        intervalMs: defaultIntervalMs,
        windowMs: DEFAULT_WINDOW_MS,
        address: -1,
        pin: -1,
        activeLow: false,
        pull: SensorPull.None,
        faultAfterErrors: DEFAULT_FAULT_AFTER_ERRORS,
        rules: Object.freeze([]),
      }),
    ]) as readonly SensorConfig[];
  }
  const list = top.array("sensors", SENSORS_MAX);
  if (Array.isArray(top.value("sensors")) && (top.value("sensors") as readonly unknown[]).length === 0) {
    top.problem("sensors", ConfigProblemCode.OutOfRange, `must have 1..${SENSORS_MAX} entries`);
  }
  const sensors: SensorConfig[] = [];
  for (let i = 0; i < list.length; i++) {
    const item = list[i];
    const path = top.at(`sensors[${i}]`);
    if (!isRecord(item)) {
      problems.push({ field: path, code: ConfigProblemCode.WrongType, reason: "must be an object" });
      continue;
    }
    sensors.push(readSensor(new Reader(item, path, problems, SENSOR_FIELDS), problems, defaultIntervalMs));
  }
  refuseSharedPins(top, sensors);
  return Object.freeze(sensors);
}

/** Two hardware digital sensors cannot read one GPIO (ECMA-419: the host refuses a second open of a pin in use). Reported at the later one. */
function refuseSharedPins(top: Reader, sensors: readonly SensorConfig[]): void {
  for (let i = 1; i < sensors.length; i++) {
    const sensor = sensors[i];
    if (sensor === undefined || sensor.driver !== SensorDriver.Hardware || sensor.pin < 0) continue;
    for (let j = 0; j < i; j++) {
      const earlier = sensors[j];
      if (earlier === undefined || earlier.driver !== SensorDriver.Hardware || earlier.pin !== sensor.pin) continue;
      top.problem(`sensors[${i}].pin`, ConfigProblemCode.Duplicate, `GPIO ${sensor.pin} is already used by sensors[${j}]`);
      break;
    }
  }
}

function readSensor(r: Reader, problems: ConfigProblem[], defaultIntervalMs: number): SensorConfig {
  const partIndex = r.oneOf("part", PART_NAMES, undefined);
  const info = sensorPartByName(PART_NAMES[partIndex] ?? "") ?? SENSOR_PARTS[0];
  const channelCount = info?.channels.length ?? 1;
  const driver = DRIVERS[r.oneOf("driver", DRIVER_NAMES, 0)] ?? SensorDriver.Sim;
  const intervalMs = r.int("intervalMs", 10, DAY_MS, defaultIntervalMs, " (ms)");
  const windowMs = r.int("windowMs", 1000, DAY_MS, DEFAULT_WINDOW_MS, " (ms)");
  const digital = info?.part === SensorPart.Contact || info?.part === SensorPart.Motion;
  const digitalHardware = digital && driver === SensorDriver.Hardware;
  let address = -1;
  if (digitalHardware && r.value("address") !== undefined) r.problem("address", ConfigProblemCode.Inconsistent, `is an I2C address; a ${info?.name ?? "?"} is wired to a GPIO (pin)`);
  else address = r.int("address", 0x08, 0x77, -1, " (7-bit I2C address)");
  const wiring = readWiring(r, digital, digitalHardware, info?.name ?? "?");
  const faultAfterErrors = r.int("faultAfterErrors", 0, 65_535, DEFAULT_FAULT_AFTER_ERRORS);
  const rawRules = r.array("rules", RULES_PER_SENSOR_MAX);
  const rules: RuleConfig[] = [];
  for (let j = 0; j < rawRules.length; j++) {
    const item = rawRules[j];
    const path = r.at(`rules[${j}]`);
    if (!isRecord(item)) {
      problems.push({ field: path, code: ConfigProblemCode.WrongType, reason: "must be an object" });
      continue;
    }
    rules.push(readRule(new Reader(item, path, problems, RULE_FIELDS), channelCount, info?.name ?? "?"));
  }
  return Object.freeze({
    part: info?.part ?? 1,
    driver,
    intervalMs,
    windowMs,
    address,
    pin: wiring.pin,
    activeLow: wiring.activeLow,
    pull: wiring.pull,
    faultAfterErrors,
    rules: Object.freeze(rules),
  }) as SensorConfig;
}

interface Wiring {
  readonly pin: number;
  readonly activeLow: boolean;
  readonly pull: SensorPull;
}

const NO_WIRING: Wiring = Object.freeze({ pin: -1, activeLow: false, pull: SensorPull.None });

/**
 * pin / activeLow / pull: required for a digital part on "hardware" (a wrong
 * polarity would report an open door as closed, so there is no default);
 * checked but unused for a simulated digital part (so a site file switches
 * driver without editing wiring); refused for the I2C parts.
 */
function readWiring(r: Reader, digital: boolean, hardware: boolean, partName: string): Wiring {
  if (!digital) {
    for (let i = 0; i < DIGITAL_FIELDS.length; i++) {
      const key = DIGITAL_FIELDS[i];
      if (key !== undefined && r.value(key) !== undefined) r.problem(key, ConfigProblemCode.Inconsistent, `is only for contact and motion sensors (${partName} is on the I2C bus)`);
    }
    return NO_WIRING;
  }
  const pin = r.int("pin", 0, SENSOR_PIN_MAX, hardware ? undefined : -1, " (GPIO number)");
  const raw = r.value("pin");
  const pinValid = typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0 && raw <= SENSOR_PIN_MAX;
  const activeLow = r.bool("activeLow", hardware ? undefined : false);
  const pull = PULLS[r.oneOf("pull", PULL_NAMES, 0)] ?? SensorPull.None;
  // A refused pin reads as -1, so it is not also reported as shared.
  return Object.freeze({ pin: pinValid ? pin : -1, activeLow, pull });
}

function readRule(r: Reader, channelCount: number, partName: string): RuleConfig {
  const channel = r.int("channel", 0, SENSOR_CHANNELS_MAX - 1, 0);
  if (channel >= channelCount) r.problem("channel", ConfigProblemCode.Inconsistent, `must be 0..${channelCount - 1} (${partName} has ${channelCount} channel${channelCount === 1 ? "" : "s"})`);
  const source = SOURCES[r.oneOf("source", SOURCE_NAMES, 0)] ?? RuleSource.Value;
  const direction = DIRECTIONS[r.oneOf("direction", DIRECTION_NAMES, undefined)] ?? RuleDirection.Above;
  const threshold = r.int("threshold", -INT32_MAX, INT32_MAX, undefined, " (the channel's unit)");
  const hysteresis = r.int("hysteresis", 0, INT32_MAX, 0, " (the channel's unit)");
  const minDurationMs = r.int("minDurationMs", 0, DAY_MS, 0, " (ms)");
  let deltaWindowMs = 0;
  if (source === RuleSource.Value) {
    if (r.value("deltaWindowMs") !== undefined) r.problem("deltaWindowMs", ConfigProblemCode.Inconsistent, "is only for delta and absDelta rules");
  } else {
    deltaWindowMs = r.int("deltaWindowMs", 1, DAY_MS, undefined, " (ms)");
  }
  return Object.freeze({ channel, source, direction, threshold, hysteresis, minDurationMs, deltaWindowMs });
}

function readGateways(top: Reader): readonly number[] {
  const list = top.array("gateways", GATEWAYS_MAX);
  const ids: number[] = [];
  for (let i = 0; i < list.length; i++) {
    const id = list[i];
    const key = `gateways[${i}]`;
    if (typeof id !== "number" || !Number.isSafeInteger(id) || id < 1 || id > 0xfffe) {
      top.problem(key, ConfigProblemCode.OutOfRange, "must be a node id 1..65534");
    } else if (ids.includes(id)) {
      top.problem(key, ConfigProblemCode.Duplicate, `gateway ${id} is listed twice`);
    } else {
      ids.push(id);
    }
  }
  return Object.freeze(ids);
}

function section(top: Reader, problems: ConfigProblem[], key: string, fields: readonly string[]): Reader {
  return new Reader(top.object(key) ?? {}, top.at(key), problems, fields);
}

function readUplink(top: Reader, problems: ConfigProblem[]): UplinkConfig {
  const r = section(top, problems, "uplink", UPLINK_FIELDS);
  const d = UPLINK_DEFAULTS;
  const alertRetryBaseMs = r.int("alertRetryBaseMs", 10, 600_000, d.alertRetryBaseMs, " (ms)");
  const alertRetryCapMs = r.int("alertRetryCapMs", 10, 3_600_000, Math.max(d.alertRetryCapMs, alertRetryBaseMs), " (ms)");
  if (alertRetryCapMs < alertRetryBaseMs) r.problem("alertRetryCapMs", ConfigProblemCode.Inconsistent, "must be at least alertRetryBaseMs");
  const intervalMs = r.int("intervalMs", 100, 3_600_000, d.intervalMs, " (ms)");
  // Default: up to four intervals (at most an hour) when the channel is busy.
  const intervalMaxMs = r.int("intervalMaxMs", 100, 3_600_000, Math.min(3_600_000, 4 * intervalMs), " (ms)");
  if (intervalMaxMs < intervalMs) r.problem("intervalMaxMs", ConfigProblemCode.Inconsistent, "must be at least intervalMs (equal: no adaptation)");
  return Object.freeze({
    intervalMs,
    alertPendingCapacity: r.int("alertPendingCapacity", 1, 64, d.alertPendingCapacity, " (alerts)"),
    alertRetryBaseMs,
    alertRetryCapMs,
    alertAttemptsMax: r.int("alertAttemptsMax", 1, 1000, d.alertAttemptsMax),
    intervalMaxMs,
    busyPermille: r.int("busyPermille", 1, 1000, d.busyPermille, " (permille)"),
  });
}

function readRadio(top: Reader, problems: ConfigProblem[]): RadioConfig {
  const r = section(top, problems, "radio", RADIO_FIELDS);
  const d = RADIO_DEFAULTS;
  return Object.freeze({
    meshTickMs: r.int("meshTickMs", 10, 60_000, d.meshTickMs, " (ms)"),
    maxMessageBytes: r.int("maxMessageBytes", 48, 1024, d.maxMessageBytes, " (bytes)"),
    linkRetries: r.int("linkRetries", 0, 15, d.linkRetries),
    linkAckTimeoutMs: r.int("linkAckTimeoutMs", 10, 60_000, d.linkAckTimeoutMs, " (ms)"),
    hopLimit: r.int("hopLimit", 1, HOP_LIMIT_MAX, d.hopLimit, " (hops: the link header's 3-bit hop-limit field)"),
    dutyCyclePermille: r.int("dutyCyclePermille", 1, 1000, d.dutyCyclePermille, " (permille)"),
    bitrateBps: r.int("bitrateBps", 300, 1_000_000, d.bitrateBps, " (bit/s)"),
    siteSize: r.int("siteSize", 1, SITE_SIZE_MAX, d.siteSize, " (highest node id in the site)"),
  });
}

function readCapacities(top: Reader, problems: ConfigProblem[]): CapacityConfig {
  const r = section(top, problems, "capacities", CAPACITY_FIELDS);
  const d = CAPACITY_DEFAULTS;
  return Object.freeze({
    outboxRecords: r.int("outboxRecords", 4, 4096, d.outboxRecords, " (records)"),
    logRecords: r.int("logRecords", 8, 4096, d.logRecords, " (records)"),
    dedupEntries: r.int("dedupEntries", 8, 4096, d.dedupEntries, " (alerts)"),
    rxFrames: r.int("rxFrames", 2, RX_FRAMES_MAX, d.rxFrames, " (frames)"),
    txFrames: r.int("txFrames", 2, 256, d.txFrames, " (frames)"),
  });
}

function readKeys(top: Reader, problems: ConfigProblem[]): KeyConfig | undefined {
  if (top.value("keys") === undefined) return undefined;
  const r = section(top, problems, "keys", KEY_FIELDS);
  const commitment = r.value("authorityCommitment");
  let authorityCommitment = "";
  if (commitment === undefined) r.problem("authorityCommitment", ConfigProblemCode.Missing, "is required");
  else if (typeof commitment !== "string" || !isHex(commitment, 64)) r.problem("authorityCommitment", ConfigProblemCode.BadHex, "must be 64 hex digits (32 bytes)");
  else authorityCommitment = commitment.toLowerCase();
  return Object.freeze({ authorityCommitment, keyEpoch: r.int("keyEpoch", 0, 0xffff, 0), groupId: r.int("groupId", 0, 0xffff, DEFAULT_GROUP_ID) });
}

function isHex(text: string, length: number): boolean {
  if (text.length !== length) return false;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    const digit = c >= 0x30 && c <= 0x39;
    const lower = c >= 0x61 && c <= 0x66;
    const upper = c >= 0x41 && c <= 0x46;
    if (!digit && !lower && !upper) return false;
  }
  return true;
}

/** One line per problem, e.g. "nodeId: must be an integer 1..65534". */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((problem) => `${problem.field}: ${problem.reason}`).join("\n");
}

/** Tasks the agent registers for `config` (sizes the scheduler). */
export function agentTaskCount(config: CompiledSiteConfig): number {
  return config.sensors.length + AGENT_FIXED_TASKS;
}
