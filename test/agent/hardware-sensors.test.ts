/**
 * The board image opens `driver: "hardware"` sensors with the ECMA-419
 * drivers (agent/moddable/hardware-sensors.ts), here through the stand-in
 * drivers that vitest aliases in for `embedded:sensor/*`; a driver that does
 * not open is a boot problem naming the field, never a throw.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../core/runtime/errors";
import { runHardwareScenario } from "../scenarios/hardware-boot";

describe("device entry with hardware (ECMA-419) sensors", () => {
  const run = runHardwareScenario(30_000);

  it("boots tmp117 + sht3x + lis3dh on their drivers and samples them every interval without errors", () => {
    expect(run.boot.ok).toBe(true);
    expect(run.status?.samplesTaken).toBeGreaterThanOrEqual(30);
    expect(run.status?.sampleErrors).toBe(0);
  });

  it("feeds the drivers' readings to the alert rules (21.5 °C > 21.4 °C, z = 1 g > 0.9 g)", () => {
    expect(run.status?.alertsRaised).toBe(2);
  });

  it("reports a driver that does not open as AgentSensorOpenFailed naming sensors[i].address", () => {
    expect(run.wrongAddress).toEqual({
      ok: false,
      stage: "sensor",
      code: ErrorCode.AgentSensorOpenFailed,
      problems: [`sensors[1].address: sht3x did not open at I2C address 0x45 (code ${ErrorCode.AgentSensorOpenFailed})`],
    });
  });

  it("refuses a digital part on the hardware driver naming sensors[i].driver", () => {
    expect(run.digital).toMatchObject({ ok: false, stage: "sensor", code: ErrorCode.AgentSensorOpenFailed });
    expect(run.digital.ok ? [] : run.digital.problems).toEqual([
      'sensors[0].driver: contact has no hardware driver in this image (digital inputs are not supported yet; use "sim")',
    ]);
  });
});
