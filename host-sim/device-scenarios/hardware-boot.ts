/**
 * The device entry point (agent/moddable/main.ts, no options: exactly as a
 * board boots) with `driver: "hardware"` sensors, opened through the
 * ECMA-419 stand-ins (host-sim/moddable/sensor-*.ts, provider-builtin.ts; the
 * digital parts through its Digital class over scripted pin levels).
 * Shared by V8 (vitest) and the literal device bundle on XS. Platform
 * neutral: no Node, no vitest.
 */
import main, { type BootOutcome } from "../../agent/moddable/main";
import type { AgentStatus } from "../../agent/agent";
import { openSimSensor } from "../../agent/sim-sensors";
import { SimEventKind, type SimEvent } from "../../hal/sim/sensors/script";
import { advanceTo, resetVirtual, scriptPin, virtual, type PinStep } from "../moddable/control";
import { provisionVirtualBoard } from "./board-mesh";

/** TMP117 (alert above 21.4 °C: the stand-in reads 21.5..21.875 °C), SHT3x, LIS3DH (alert on z above 0.9 g: it reads 1 g). */
export function hardwareConfig(): Record<string, unknown> {
  return {
    siteName: "hardware",
    sampleIntervalMs: 1000,
    sampleRingCapacity: 64,
    timerCapacity: 16,
    neighbourCapacity: 32,
    sensors: [
      { part: "tmp117", driver: "hardware", windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 21_400, hysteresis: 100 }] },
      { part: "sht3x", driver: "hardware", windowMs: 10_000 },
      { part: "lis3dh", driver: "hardware", address: 0x18, windowMs: 10_000, rules: [{ channel: 2, direction: "above", threshold: 900, hysteresis: 50 }] },
    ],
  };
}

/** GPIOs of the digital board (the stand-in board has 0..39). */
export const CONTACT_PIN = 4;
export const MOTION_PIN = 5;
/** A GPIO the stand-in board does not have: its Digital constructor throws. */
export const MISSING_PIN = 50;

/**
 * A door contact (normally-closed reed switch to ground, internal pull-up:
 * the line is low while the door is open, so active-low) and a PIR
 * (push-pull output, high on motion), each with an alert rule on its channel.
 */
export function digitalConfig(driver: "hardware" | "sim" = "hardware"): Record<string, unknown> {
  return {
    siteName: "digital",
    sampleIntervalMs: 1000,
    sampleRingCapacity: 64,
    timerCapacity: 16,
    neighbourCapacity: 32,
    sensors: [
      { part: "contact", driver, pin: CONTACT_PIN, activeLow: true, pull: "up", windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
      { part: "motion", driver, pin: MOTION_PIN, activeLow: false, windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
    ],
  };
}

/** The door is open from 8 s to 11 s; the PIR sees motion from 15 s to 17.5 s. */
export const DOOR_OPEN_MS = Object.freeze([8_000, 11_000] as const);
export const MOTION_MS = Object.freeze([15_000, 17_500] as const);

/** The pin levels those events drive (the contact line idles high and drops while open). */
export const CONTACT_STEPS: readonly PinStep[] = Object.freeze([
  { atMs: DOOR_OPEN_MS[0], level: 0 },
  { atMs: DOOR_OPEN_MS[1], level: 1 },
]);
export const MOTION_STEPS: readonly PinStep[] = Object.freeze([
  { atMs: MOTION_MS[0], level: 1 },
  { atMs: MOTION_MS[1], level: 0 },
]);

export interface HardwareScenarioResult {
  readonly boot: BootOutcome;
  readonly status: AgentStatus | undefined;
  /** No chip at the configured address. */
  readonly wrongAddress: BootOutcome;
  /** Contact + PIR on GPIOs through the Digital class, with the scripted events. */
  readonly digitalBoot: BootOutcome;
  readonly digitalStatus: AgentStatus | undefined;
  /** A contact on a GPIO the board does not have. */
  readonly missingPin: BootOutcome;
}

/** Site size the scenario's boards are provisioned for (their node ids and gateways fit in it). */
export const SCENARIO_SITE_SIZE = 8;

function withoutAgent(outcome: BootOutcome): BootOutcome {
  return outcome.ok ? outcome : { ok: false, stage: outcome.stage, code: outcome.code, problems: outcome.problems };
}

export function runHardwareScenario(durationMs: number): HardwareScenarioResult {
  resetVirtual({});
  virtual.config = { picket: hardwareConfig(), picketBoard: provisionVirtualBoard(1, SCENARIO_SITE_SIZE, "sensor") };
  const boot = main();
  advanceTo(durationMs);
  const status = boot.ok ? boot.agent.status() : undefined;
  virtual.config = {
    picket: { ...hardwareConfig(), sensors: [{ part: "tmp117", driver: "hardware" }, { part: "sht3x", driver: "hardware", address: 0x45 }] },
    picketBoard: provisionVirtualBoard(2, SCENARIO_SITE_SIZE, "sensor"),
  };
  const wrongAddress = withoutAgent(main());
  const digital = runDigitalBoard(durationMs);
  return { boot: withoutAgent(boot), status, wrongAddress, ...digital };
}

/** The digital board on its own virtual board (fresh pins and time), then a contact on a missing pin. */
function runDigitalBoard(durationMs: number): Pick<HardwareScenarioResult, "digitalBoot" | "digitalStatus" | "missingPin"> {
  resetVirtual({ picket: digitalConfig() });
  virtual.config = { ...virtual.config, picketBoard: provisionVirtualBoard(1, SCENARIO_SITE_SIZE, "sensor") };
  scriptPin(CONTACT_PIN, 1, CONTACT_STEPS);
  scriptPin(MOTION_PIN, 0, MOTION_STEPS);
  const digitalBoot = main();
  advanceTo(durationMs);
  const digitalStatus = digitalBoot.ok ? digitalBoot.agent.status() : undefined;
  virtual.config = {
    picket: { ...digitalConfig(), sensors: [{ part: "contact", driver: "hardware", pin: MISSING_PIN, activeLow: true, pull: "up" }] },
    picketBoard: provisionVirtualBoard(2, SCENARIO_SITE_SIZE, "sensor"),
  };
  const missingPin = withoutAgent(main());
  return { digitalBoot: withoutAgent(digitalBoot), digitalStatus, missingPin };
}

function activation(window: readonly [number, number]): SimEvent {
  return { kind: SimEventKind.Set, atMs: window[0], untilMs: window[1], amount: 1 };
}

/**
 * The same board with `driver: "sim"` and the same events as scripted
 * simulated activations: what the simulator would report for this site.
 */
export function runDigitalSimTwin(durationMs: number): AgentStatus | undefined {
  resetVirtual({ picket: digitalConfig("sim") });
  virtual.config = { ...virtual.config, picketBoard: provisionVirtualBoard(1, SCENARIO_SITE_SIZE, "sensor") };
  const boot = main({
    openSensor: (sensor, index, site) => openSimSensor(sensor.part, { seed: site.nodeId * 8 + index, script: [activation(index === 0 ? DOOR_OPEN_MS : MOTION_MS)] }),
  });
  advanceTo(durationMs);
  return boot.ok ? boot.agent.status() : undefined;
}
