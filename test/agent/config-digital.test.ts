/**
 * Site configuration of digital sensors (contact, motion) on `driver:
 * "hardware"`: pin, activeLow and pull are required / checked / refused by
 * where they make sense, each bad field named with its path and a specific
 * problem code (agent/config.ts readWiring, refuseSharedPins).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigProblemCode, SENSOR_PIN_MAX, SensorDriver, SensorPull, validateSiteConfig, type CompiledSiteConfig, type ConfigProblem } from "../../agent/config";
import { SensorPart } from "../../agent/sensor-parts";
import { DIGITAL_PIN_MAX } from "../../hal/moddable/sensors/digital";
import { testConfigJson } from "./helpers";

function accepted(sensors: readonly unknown[]): CompiledSiteConfig {
  const validation = validateSiteConfig(testConfigJson({ sensors }));
  if (!validation.ok) throw new Error(validation.problems.map((p) => `${p.field}: ${p.reason}`).join("\n"));
  return validation.site;
}

function refused(sensors: readonly unknown[]): readonly ConfigProblem[] {
  const validation = validateSiteConfig(testConfigJson({ sensors }));
  if (validation.ok) throw new Error("expected the configuration to be refused");
  return validation.problems;
}

/** Problems as [field, code] pairs, to compare the whole list at once. */
function pairs(problems: readonly ConfigProblem[]): (readonly [string, number])[] {
  return problems.map((p) => [p.field, p.code] as const);
}

const CONTACT = Object.freeze({ part: "contact", driver: "hardware", pin: 4, activeLow: true, pull: "up" });

describe("site configuration: digital sensors on hardware", () => {
  it("accepts a wired contact and PIR and turns pull into a numeric code", () => {
    const config = accepted([CONTACT, { part: "motion", driver: "hardware", pin: 5, activeLow: false }]);
    expect(config.sensors[0]).toMatchObject({ part: SensorPart.Contact, driver: SensorDriver.Hardware, pin: 4, activeLow: true, pull: SensorPull.Up, address: -1 });
    expect(config.sensors[1]).toMatchObject({ part: SensorPart.Motion, pin: 5, activeLow: false, pull: SensorPull.None });
    expect(accepted([{ ...CONTACT, pull: "down" }]).sensors[0]?.pull).toBe(SensorPull.Down);
    expect(accepted([{ ...CONTACT, pull: "none", pin: SENSOR_PIN_MAX }]).sensors[0]).toMatchObject({ pull: SensorPull.None, pin: SENSOR_PIN_MAX });
  });

  it("requires pin and activeLow for a digital part on hardware (no default polarity)", () => {
    expect(pairs(refused([{ part: "contact", driver: "hardware" }]))).toEqual([
      ["sensors[0].pin", ConfigProblemCode.Missing],
      ["sensors[0].activeLow", ConfigProblemCode.Missing],
    ]);
  });

  it("names every bad wiring field with its own code", () => {
    expect(pairs(refused([{ part: "motion", driver: "hardware", pin: SENSOR_PIN_MAX + 1, activeLow: "yes", pull: "sideways" }]))).toEqual([
      ["sensors[0].pin", ConfigProblemCode.OutOfRange],
      ["sensors[0].activeLow", ConfigProblemCode.WrongType],
      ["sensors[0].pull", ConfigProblemCode.NotOneOf],
    ]);
    expect(pairs(refused([{ ...CONTACT, pin: "4" }]))).toEqual([["sensors[0].pin", ConfigProblemCode.WrongType]]);
    expect(pairs(refused([{ ...CONTACT, pin: 2.5 }]))).toEqual([["sensors[0].pin", ConfigProblemCode.WrongType]]);
    expect(pairs(refused([{ ...CONTACT, pin: -1 }]))).toEqual([["sensors[0].pin", ConfigProblemCode.OutOfRange]]);
    expect(refused([{ ...CONTACT, activeLow: 1 }])).toEqual([{ field: "sensors[0].activeLow", code: ConfigProblemCode.WrongType, reason: "must be true or false" }]);
  });

  it("refuses an I2C address on a digital part wired to a GPIO", () => {
    expect(refused([{ ...CONTACT, address: 0x48 }])).toEqual([
      { field: "sensors[0].address", code: ConfigProblemCode.Inconsistent, reason: "is an I2C address; a contact is wired to a GPIO (pin)" },
    ]);
  });

  it("refuses two hardware digital sensors on one GPIO, at the later one", () => {
    const problems = refused([CONTACT, { part: "motion", driver: "hardware", pin: 4, activeLow: false }]);
    expect(problems).toEqual([{ field: "sensors[1].pin", code: ConfigProblemCode.Duplicate, reason: "GPIO 4 is already used by sensors[0]" }]);
  });

  it("does not report a refused pin a second time as shared", () => {
    const problems = refused([{ ...CONTACT, pin: 99 }, { ...CONTACT, pin: 99 }]);
    expect(pairs(problems)).toEqual([
      ["sensors[0].pin", ConfigProblemCode.OutOfRange],
      ["sensors[1].pin", ConfigProblemCode.OutOfRange],
    ]);
  });
});

describe("site configuration: wiring fields elsewhere", () => {
  it("refuses pin, activeLow and pull on the I2C parts, on either driver", () => {
    for (const driver of ["sim", "hardware"]) {
      expect(pairs(refused([{ part: "tmp117", driver, pin: 4, activeLow: true, pull: "up" }]))).toEqual([
        ["sensors[0].pin", ConfigProblemCode.Inconsistent],
        ["sensors[0].activeLow", ConfigProblemCode.Inconsistent],
        ["sensors[0].pull", ConfigProblemCode.Inconsistent],
      ]);
    }
    expect(refused([{ part: "sht3x", pull: "up" }])[0]?.reason).toBe("is only for contact and motion sensors (sht3x is on the I2C bus)");
  });

  it("accepts a simulated digital part without wiring (pin -1) and checks wiring it is given but does not use", () => {
    expect(accepted([{ part: "motion" }]).sensors[0]).toMatchObject({ driver: SensorDriver.Sim, pin: -1, activeLow: false, pull: SensorPull.None });
    expect(accepted([{ ...CONTACT, driver: "sim" }]).sensors[0]).toMatchObject({ driver: SensorDriver.Sim, pin: 4, activeLow: true, pull: SensorPull.Up });
    expect(pairs(refused([{ part: "contact", pin: 64, activeLow: "no" }]))).toEqual([
      ["sensors[0].pin", ConfigProblemCode.OutOfRange],
      ["sensors[0].activeLow", ConfigProblemCode.WrongType],
    ]);
  });

  it("lets a simulated and a hardware digital part name the same pin (the simulated one opens no GPIO)", () => {
    expect(accepted([CONTACT, { ...CONTACT, driver: "sim" }]).sensors).toHaveLength(2);
  });

  it("fills no wiring for the I2C parts and for the default sensor", () => {
    expect(accepted([{ part: "lis3dh", driver: "hardware" }]).sensors[0]).toMatchObject({ pin: -1, activeLow: false, pull: SensorPull.None });
    const { sensors: _omit, ...withoutSensors } = testConfigJson();
    const validation = validateSiteConfig(withoutSensors);
    expect(validation.ok && validation.site.sensors[0]).toMatchObject({ part: SensorPart.Tmp117, pin: -1, activeLow: false, pull: SensorPull.None });
  });

  it("keeps every existing configuration valid: manifest.json and every site file's board template", () => {
    const manifest = JSON.parse(readFileSync("manifest.json", "utf8")) as { config: { picket: unknown } };
    expect(validateSiteConfig(manifest.config.picket).ok).toBe(true);
    const sites = readdirSync("sites").filter((name) => name.endsWith(".json"));
    expect(sites.length).toBeGreaterThan(0);
    for (const name of sites) {
      const site = JSON.parse(readFileSync(join("sites", name), "utf8")) as { board: Record<string, unknown> };
      expect(validateSiteConfig(site.board).ok, name).toBe(true);
    }
  });

  it("accepts exactly the pins the adapter accepts", () => {
    expect(SENSOR_PIN_MAX).toBe(DIGITAL_PIN_MAX);
  });
});
