/**
 * Boot: compiled site configuration validated -> store mounted -> the
 * board's identity (node id, role) read from its provisioning record and
 * checked against the site (board-identity.ts) -> merged into the board's
 * configuration -> sensors opened -> transport -> agent created and
 * started. Shared by the Moddable entry (moddable/main.ts), the Node entry
 * (node/main.ts) and the site simulator, so every one of them refuses a bad
 * configuration or record the same way: with every problem listed, the
 * stage it failed at, and a code, never a throw.
 */
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import type { Result } from "../core/runtime/result";
import type { BlockDevice } from "../core/storage/block-device";
import type { Clock } from "../hal/clock";
import type { Entropy } from "../hal/entropy";
import type { Sensor } from "../hal/sensor";
import { createAgent, type Agent } from "./agent";
import { readBoardIdentity } from "./board-identity";
import { AgentRole, boardConfig, validateSiteConfig, type BoardIdentity, type SensorConfig, type SiteConfig, type SiteValidation } from "./config";
import type { GatewaySink } from "../core/uplink/gateway-sink";
import { AgentStore, storeShapeOf } from "./persistence";
import { sensorPartInfo } from "./sensor-parts";
import type { Transport } from "../core/mesh/transport-port";

/** In boot order; "storage" and "provisioning" come before anything is built from the board's identity. */
export type BootStage = "config" | "storage" | "provisioning" | "sensor" | "transport" | "agent";

export type BootOutcome =
  | { readonly ok: true; readonly agent: Agent }
  | { readonly ok: false; readonly stage: BootStage; readonly code: FailureCode; readonly problems: readonly string[] };

/** Opens sensor `index` of the configuration (a simulated or a hardware driver). */
export type SensorOpener = (sensor: SensorConfig, index: number, config: SiteConfig) => Result<Sensor>;

export interface BootPlatform {
  readonly clock: Clock;
  /**
   * Built once the configuration is known (it sizes the transport) and the
   * store is mounted (a radio mesh keeps its keys and send counter there).
   * A transport that cannot be built is refused with its problems.
   */
  readonly transport: (config: SiteConfig, store: AgentStore) => Transport | TransportRefusal;
  readonly openSensor: SensorOpener;
  readonly blockDevice?: BlockDevice;
  /** Why the platform has no block device, naming the wiring field (the boot problem when the store cannot mount). */
  readonly blockDeviceProblem?: string;
  /**
   * The board's identity when the host gives it (the Node entry on a host
   * without a provisioning record, tests). Absent (boards, the site
   * simulator): read from the provisioning record in the store, and a
   * board without a valid record does not boot.
   */
  readonly identity?: BoardIdentity;
  readonly gatewaySink?: GatewaySink;
  readonly entropy?: Entropy;
  /** The boot problem for sensor `index` that did not open (default: sensorOpenProblem). */
  readonly sensorOpenProblem?: (sensor: SensorConfig, index: number, code: FailureCode) => string;
  /**
   * `validateSiteConfig(raw)` when the host already has it: the board entry
   * validates its compiled configuration at module load, so with preload
   * the validated tree is made at build time and lives in flash
   * (agent/moddable/main.ts). Must be the validation of this same `raw`.
   */
  readonly siteValidation?: SiteValidation;
}

/** `sensors[i]: <part> could not be opened (code N)`. */
export function sensorOpenProblem(sensor: SensorConfig, index: number, code: FailureCode): string {
  const part = sensorPartInfo(sensor.part)?.name ?? "?";
  return `sensors[${index}]: ${part} could not be opened (code ${code})`;
}

/** Why a transport could not be built (boot stage "transport"). */
export interface TransportRefusal {
  readonly refused: FailureCode;
  readonly problems: readonly string[];
}

export function bootAgent(raw: unknown, platform: BootPlatform): BootOutcome {
  const validated = platform.siteValidation ?? validateSiteConfig(raw);
  if (!validated.ok) {
    return { ok: false, stage: "config", code: ErrorCode.AgentBadConfig, problems: validated.problems.map((p) => `${p.field}: ${p.reason}`) };
  }
  const site = validated.site;
  const store = AgentStore.open(platform.blockDevice, storeShapeOf(site));
  let identity = platform.identity;
  if (identity === undefined) {
    if (!store.mounted && platform.blockDeviceProblem !== undefined) return { ok: false, stage: "storage", code: ErrorCode.AgentStorageUnavailable, problems: [platform.blockDeviceProblem] };
    const read = readBoardIdentity(store, site);
    if (!read.ok) return { ok: false, stage: read.code === ErrorCode.AgentStorageUnavailable ? "storage" : "provisioning", code: read.code, problems: read.problems };
    identity = read.identity;
  }
  // The record's identity contradicting the site is a provisioning problem; a host-given one, a configuration problem.
  const identityStage: BootStage = platform.identity === undefined ? "provisioning" : "config";
  const merged = boardConfig(site, identity);
  if (!merged.ok) {
    const code = identityStage === "provisioning" ? ErrorCode.AgentProvisioningMismatch : ErrorCode.AgentBadConfig;
    return { ok: false, stage: identityStage, code, problems: merged.problems.map((p) => `${p.field}: ${p.reason}`) };
  }
  const config = merged.config;
  // A sensor-only image (PICKET_FEATURE_CONSENSUS/GATEWAY false) carries no
  // consensus or gateway code, so it must refuse to boot in those roles.
  if (!PICKET_FEATURE_CONSENSUS && config.role === AgentRole.Anchor) {
    return { ok: false, stage: identityStage, code: ErrorCode.AgentFeatureMissing, problems: ["role: anchor needs an image built with consensus (profile full or udp)"] };
  }
  if (!PICKET_FEATURE_GATEWAY && config.role === AgentRole.Gateway) {
    return { ok: false, stage: identityStage, code: ErrorCode.AgentFeatureMissing, problems: ["role: gateway needs an image built with the gateway (profile full or udp)"] };
  }
  const sensors: Sensor[] = [];
  for (let i = 0; i < config.sensors.length; i++) {
    const sensorConfig = config.sensors[i];
    if (sensorConfig === undefined) continue;
    const opened = platform.openSensor(sensorConfig, i, config);
    if (!opened.ok) {
      closeAll(sensors);
      const problem = (platform.sensorOpenProblem ?? sensorOpenProblem)(sensorConfig, i, opened.code);
      return { ok: false, stage: "sensor", code: opened.code, problems: [problem] };
    }
    sensors.push(opened.value);
  }
  const transport = platform.transport(config, store);
  if ("refused" in transport) {
    closeAll(sensors);
    return { ok: false, stage: "transport", code: transport.refused, problems: transport.problems };
  }
  const created = createAgent(config, {
    clock: platform.clock,
    sensors,
    transport,
    store,
    ...(platform.gatewaySink === undefined ? {} : { gatewaySink: platform.gatewaySink }),
    ...(platform.entropy === undefined ? {} : { entropy: platform.entropy }),
  });
  if (!created.ok) {
    closeAll(sensors);
    return { ok: false, stage: "agent", code: created.code, problems: [`agent: could not be created (code ${created.code})`] };
  }
  const started = created.value.start();
  if (started !== ErrorCode.Ok) {
    closeAll(sensors);
    return { ok: false, stage: "agent", code: started, problems: [`agent: could not be started (code ${started})`] };
  }
  return { ok: true, agent: created.value };
}

function closeAll(sensors: readonly Sensor[]): void {
  for (let i = 0; i < sensors.length; i++) sensors[i]?.close();
}
