import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** Moddable module specifier -> simulated stand-in, for XS test bundles and vitest. */
export const MODDABLE_STUBS: Readonly<Record<string, string>> = Object.freeze({
  time: join(repoRoot, "test/xs/stubs/time.ts"),
  timer: join(repoRoot, "test/xs/stubs/timer.ts"),
  "mc/config": join(repoRoot, "test/xs/stubs/mc-config.ts"),
  flash: join(repoRoot, "test/xs/stubs/flash.ts"),
  sx127x: join(repoRoot, "test/xs/stubs/sx127x.ts"),
  "embedded:io/socket/udp": join(repoRoot, "test/xs/stubs/udp.ts"),
  "embedded:provider/builtin": join(repoRoot, "test/xs/stubs/provider-builtin.ts"),
  "embedded:sensor/Temperature/TMP117": join(repoRoot, "test/xs/stubs/sensor-tmp117.ts"),
  "embedded:sensor/Humidity-Temperature/SHT3x": join(repoRoot, "test/xs/stubs/sensor-sht3x.ts"),
  "embedded:sensor/AtmosphericPressure-Temperature/BMP280": join(repoRoot, "test/xs/stubs/sensor-bmp280.ts"),
  "embedded:sensor/Barometer-Humidity-Temperature/BME68x": join(repoRoot, "test/xs/stubs/sensor-bme68x.ts"),
  "embedded:sensor/Accelerometer/LIS3DH": join(repoRoot, "test/xs/stubs/sensor-lis3dh.ts"),
});
