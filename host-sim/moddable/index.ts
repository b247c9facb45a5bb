/**
 * The XS test stand-ins for Moddable modules, keyed from the module table
 * (tools/build/moddable-modules.ts): a stand-in for a name the Moddable SDK
 * does not provide, or a table row without a stand-in, fails at load, so no
 * test can pass against a specifier that would not link on a board.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MODDABLE_MODULES_TABLE, moddableModule } from "../../tools/build/moddable-modules";

const stubDir = dirname(fileURLToPath(import.meta.url));

/** Moddable module specifier -> stand-in file in host-sim/moddable. */
export const STUB_FILES: Readonly<Record<string, string>> = Object.freeze({
  time: "time.ts",
  timer: "timer.ts",
  "mc/config": "mc-config.ts",
  flash: "flash.ts",
  sx127x: "sx127x.ts",
  "embedded:io/socket/udp": "udp.ts",
  "embedded:provider/builtin": "provider-builtin.ts",
  "embedded:sensor/Temperature/TMP117": "sensor-tmp117.ts",
  "embedded:sensor/Humidity-Temperature/SHT3x": "sensor-sht3x.ts",
  "embedded:sensor/Barometer-Temperature/BMP280": "sensor-bmp280.ts",
  "embedded:sensor/Barometer-Humidity-Temperature/BME68x": "sensor-bme68x.ts",
  "embedded:sensor/Accelerometer/LIS3DH": "sensor-lis3dh.ts",
});

/** Stand-in paths for every table row; throws naming each stand-in the table lacks and each row without one. */
export function stubsFromTable(files: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const unknown = Object.keys(files).filter((specifier) => moddableModule(specifier) === undefined);
  const missing = MODDABLE_MODULES_TABLE.filter((row) => files[row.specifier] === undefined).map((row) => row.specifier);
  if (unknown.length > 0 || missing.length > 0) {
    const lines = [
      ...unknown.map((s) => `stand-in for "${s}", which the Moddable SDK does not provide (not in tools/build/moddable-modules.ts)`),
      ...missing.map((s) => `no stand-in for Moddable module "${s}"`),
    ];
    throw new Error(`host-sim/moddable: ${lines.join("; ")}`);
  }
  const stubs: Record<string, string> = {};
  for (const row of MODDABLE_MODULES_TABLE) stubs[row.specifier] = join(stubDir, files[row.specifier] ?? "");
  return Object.freeze(stubs);
}

/** Moddable module specifier -> simulated stand-in, for XS test bundles and vitest. */
export const MODDABLE_STUBS: Readonly<Record<string, string>> = stubsFromTable(STUB_FILES);
