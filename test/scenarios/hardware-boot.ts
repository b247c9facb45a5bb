/**
 * The device entry point (agent/moddable/main.ts, no options: exactly as a
 * board boots) with `driver: "hardware"` sensors, opened through the
 * ECMA-419 stand-ins (test/xs/stubs/sensor-*.ts, provider-builtin.ts).
 * Shared by V8 (vitest) and the literal device bundle on XS. Platform
 * neutral: no Node, no vitest.
 */
import main, { type BootOutcome } from "../../agent/moddable/main";
import type { AgentStatus } from "../../agent/agent";
import { advanceTo, resetVirtual, virtual } from "../xs/stubs/control";

/** TMP117 (alert above 21.4 °C: the stand-in reads 21.5..21.875 °C), SHT3x, LIS3DH (alert on z above 0.9 g: it reads 1 g). */
export function hardwareConfigFor(nodeId: number): Record<string, unknown> {
  return {
    siteName: "hardware",
    nodeId,
    role: "sensor",
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

export interface HardwareScenarioResult {
  readonly boot: BootOutcome;
  readonly status: AgentStatus | undefined;
  /** Bad configurations: no chip at the configured address, a digital part on "hardware". */
  readonly wrongAddress: BootOutcome;
  readonly digital: BootOutcome;
}

function withoutAgent(outcome: BootOutcome): BootOutcome {
  return outcome.ok ? outcome : { ok: false, stage: outcome.stage, code: outcome.code, problems: outcome.problems };
}

export function runHardwareScenario(durationMs: number): HardwareScenarioResult {
  resetVirtual({});
  virtual.config = { picket: hardwareConfigFor(1) };
  const boot = main();
  advanceTo(durationMs);
  const status = boot.ok ? boot.agent.status() : undefined;
  const base = hardwareConfigFor(2);
  virtual.config = { picket: { ...base, sensors: [{ part: "tmp117", driver: "hardware" }, { part: "sht3x", driver: "hardware", address: 0x45 }] } };
  const wrongAddress = withoutAgent(main());
  virtual.config = { picket: { ...base, sensors: [{ part: "contact", driver: "hardware" }] } };
  const digital = withoutAgent(main());
  return { boot: withoutAgent(boot), status, wrongAddress, digital };
}
