/**
 * The board image opens `driver: "hardware"` sensors with the ECMA-419
 * drivers (agent/moddable/hardware-sensors.ts), here through the stand-in
 * drivers that vitest aliases in for `embedded:sensor/*` and the stand-in
 * provider's Digital class; a driver or pin that does not open is a boot
 * problem naming the field, never a throw.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import { MISSING_PIN, runDigitalSimTwin, runHardwareScenario } from "../../../host-sim/device-scenarios/hardware-boot";
import { manifestIncludesFor, MODDABLE_PLATFORMS, type PlatformManifest } from "../../../tools/build/moddable-modules";

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

  it("boots a contact (active-low, pull-up) and a PIR on GPIOs and samples both every interval without errors", () => {
    expect(run.digitalBoot.ok).toBe(true);
    expect(run.digitalStatus?.samplesTaken).toBeGreaterThanOrEqual(60);
    expect(run.digitalStatus?.sampleErrors).toBe(0);
  });

  it("alerts when the door opens (line low) and when the PIR sees motion (line high), and again when each clears", () => {
    expect(run.digitalStatus?.alertsRaised).toBe(4);
  });

  it("gives the alert rules exactly what the simulated contact and PIR give for the same events (same agent trace)", () => {
    const sim = runDigitalSimTwin(30_000);
    expect(sim?.alertsRaised).toBe(4);
    expect(run.digitalStatus?.traceHash).toBe(sim?.traceHash);
    expect(run.digitalStatus).toEqual(sim);
  });

  it("reports a GPIO that does not open as AgentSensorOpenFailed naming sensors[i].pin", () => {
    expect(run.missingPin).toEqual({
      ok: false,
      stage: "sensor",
      code: ErrorCode.AgentSensorOpenFailed,
      problems: [
        `sensors[0].pin: contact did not open on GPIO ${MISSING_PIN} with pull "up" (no such pin, pin in use, or no such pull on it; code ${ErrorCode.AgentSensorOpenFailed})`,
      ],
    });
  });
});

describe("board manifest for digital inputs", () => {
  // embedded:io/digital is not a manifest of its own to list: $(MODDABLE)/modules/io/manifest.json
  // maps it on every platform (its per-platform manifests include io/digital), and the builtin
  // provider imports it, so an image whose I2C drivers link has the Digital class too.
  it("lists the Moddable io manifest (embedded:io/digital and the builtin provider) for every platform", () => {
    const manifest = JSON.parse(readFileSync("manifest.json", "utf8")) as PlatformManifest;
    const io = "$(MODDABLE)/modules/io/manifest.json";
    for (const platform of MODDABLE_PLATFORMS) expect(manifestIncludesFor(manifest, platform), platform).toContain(io);
  });
});
