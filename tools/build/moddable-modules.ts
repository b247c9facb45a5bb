/**
 * Every Moddable module specifier the device image may import, per platform,
 * with the Moddable SDK manifest that provides it. The build gate
 * (targets.ts) fails a bundle that imports a Moddable specifier this table
 * does not give for the platform being built, the XS stand-ins in
 * host-sim/moddable are keyed from it, and test/gate/moddable-modules.test.ts
 * checks manifest.json's per-platform `include` lists against it.
 *
 * Every fact here was read in the Moddable SDK itself (repository
 * Moddable-OpenSource/moddable): a specifier is the key of a manifest's
 * `modules` object (or a file name under its `"*"` array), and a platform
 * has it when the manifest's `platforms` object maps it for that platform.
 * mcconfig picks one `platforms` entry per manifest, the most specific
 * match ("esp32/esp32c3", then "esp32/*", then "esp32", then "..."), so an
 * "esp32" entry also serves the ESP32-C3 when no "esp32/esp32c3" entry
 * exists (tools/mcconfig manifest processing; documentation/tools/manifest.md
 * "platforms" and "Subplatforms").
 */

/** The platforms Picket targets, as mcconfig names them (`mcconfig -p`). */
export const MODDABLE_PLATFORMS = Object.freeze(["esp32", "esp32/esp32c3", "nrf52", "pico"] as const);
export type ModdablePlatform = (typeof MODDABLE_PLATFORMS)[number];

export interface ModdableModule {
  /** What the image imports. */
  readonly specifier: string;
  /** The manifest manifest.json includes for it (or the tool that generates it). */
  readonly manifest: string;
  /** Platforms where that manifest maps the specifier (and Picket links it). */
  readonly platforms: readonly ModdablePlatform[];
  /** Where in the Moddable SDK this was read, and what it says. */
  readonly verifiedAgainst: string;
}

const ALL: readonly ModdablePlatform[] = MODDABLE_PLATFORMS;
const ESP32_FAMILY: readonly ModdablePlatform[] = Object.freeze(["esp32", "esp32/esp32c3"] as const);

export const BMP280_SPECIFIER = "embedded:sensor/Barometer-Temperature/BMP280";
export const BME68X_SPECIFIER = "embedded:sensor/Barometer-Humidity-Temperature/BME68x";
export const UDP_SPECIFIER = "embedded:io/socket/udp";
export const FLASH_SPECIFIER = "flash";

/** Manifest paths manifest.json includes (the `manifest` of the rows below). */
export const MANIFEST_BASE = "$(MODDABLE)/examples/manifest_base.json";
export const IO_MANIFEST = "$(MODDABLE)/modules/io/manifest.json";
const sensorManifest = (name: string): string => `$(MODDABLE)/modules/drivers/sensors/${name}/manifest.json`;

export const MODDABLE_MODULES_TABLE: readonly ModdableModule[] = Object.freeze([
  {
    specifier: "timer",
    manifest: MANIFEST_BASE,
    platforms: ALL,
    verifiedAgainst:
      "examples/manifest_base.json includes $(BUILD)/devices/<platform>/manifest.json; build/devices/{esp32,nrf52,pico}/manifest.json map $(MODULES)/base/timer/* and preload \"timer\"",
  },
  {
    specifier: "time",
    manifest: MANIFEST_BASE,
    platforms: ALL,
    verifiedAgainst: "build/devices/{esp32,nrf52,pico}/manifest.json map $(MODULES)/base/time/* and preload \"time\"",
  },
  {
    specifier: "mc/config",
    manifest: "mcconfig (generated from manifest.json \"config\")",
    platforms: ALL,
    verifiedAgainst: "documentation/tools/manifest.md \"config\": import config from \"mc/config\"; the object is frozen",
  },
  {
    specifier: FLASH_SPECIFIER,
    manifest: "$(MODDABLE)/modules/files/flash/manifest.json",
    platforms: Object.freeze(["esp32", "esp32/esp32c3", "nrf52"] as const),
    verifiedAgainst:
      "modules/files/flash/manifest.json \"platforms\": esp, esp32 (./esp32/flash), nrf52 (./nrf52/flash); no pico entry and no modules/files/flash/pico source. " +
      "modules/files/flash/nrf52/flash.c: new Flash(\"storage\") opens kPartitionStorage (build/devices/nrf52 modGetPartition: MODDEF_FILE_LFS_PARTITION_SIZE, 65536 B unless the manifest defines it), erase works in the flash's erase unit, read() returns a new ArrayBuffer, map() a read-only host buffer of the whole partition",
  },
  {
    specifier: "sx127x",
    manifest: "$(MODDABLE)/modules/drivers/sx127x/manifest.json",
    platforms: ALL,
    verifiedAgainst: "modules/drivers/sx127x/manifest.json \"*\": [\"./sx127x\", \"./sx127x_registers\"], no \"platforms\" (JavaScript over embedded:io)",
  },
  {
    specifier: "embedded:provider/builtin",
    manifest: IO_MANIFEST,
    platforms: ALL,
    verifiedAgainst:
      "modules/io/manifests/{esp32,nrf52,pico}/manifest.json map \"embedded:provider/builtin\" ($(IO)/host/$(PLATFORM)/provider; esp32/esp32c3: build/devices/esp32/targets/esp32c3/host/provider)",
  },
  {
    specifier: UDP_SPECIFIER,
    manifest: IO_MANIFEST,
    platforms: ESP32_FAMILY,
    verifiedAgainst:
      "modules/io/manifests/esp32/manifest.json maps it to $(IO)/socket/lwip/udp; manifests/nrf52 does not map it; manifests/pico maps lwip sockets for the Pico W's Wi-Fi, which Picket's Pico board does not have",
  },
  {
    specifier: "embedded:sensor/Temperature/TMP117",
    manifest: sensorManifest("tmp117"),
    platforms: ALL,
    verifiedAgainst: "modules/drivers/sensors/tmp117/manifest.json \"modules\" key, no \"platforms\"",
  },
  {
    specifier: "embedded:sensor/Humidity-Temperature/SHT3x",
    manifest: sensorManifest("sht3x"),
    platforms: ALL,
    verifiedAgainst: "modules/drivers/sensors/sht3x/manifest.json \"modules\" key, no \"platforms\"",
  },
  {
    specifier: BMP280_SPECIFIER,
    manifest: sensorManifest("bmp280"),
    platforms: ALL,
    verifiedAgainst:
      "modules/drivers/sensors/bmp280/manifest.json \"modules\" key (older SDKs named it AtmosphericPressure-Temperature; ECMA-419 2nd ed. calls the class Barometer)",
  },
  {
    specifier: BME68X_SPECIFIER,
    manifest: sensorManifest("bme68x"),
    platforms: ESP32_FAMILY,
    verifiedAgainst:
      "modules/drivers/sensors/bme68x/manifest.json \"modules\" key; native code (bme68xlib.c and Bosch's library under ./boschlib): Picket links it on the ESP32 family only, where the image was linked with the SDK's tools",
  },
  {
    specifier: "embedded:sensor/Accelerometer/LIS3DH",
    manifest: sensorManifest("lis3dh"),
    platforms: ALL,
    verifiedAgainst: "modules/drivers/sensors/lis3dh/manifest.json \"modules\" key, no \"platforms\"",
  },
] satisfies ModdableModule[]);

/** Platforms Picket does not build for, and why (manifest.json's "error" for that platform says the same). */
export const REFUSED_PLATFORMS: Readonly<Partial<Record<ModdablePlatform, string>>> = Object.freeze({
  pico: "Picket does not support the Raspberry Pi Pico yet: the Moddable SDK has no flash module for pico (modules/files/flash/manifest.json), so the agent's store has no partition",
});

/** The table row for `specifier`, or undefined if Moddable provides no such module on any platform. */
export function moddableModule(specifier: string): ModdableModule | undefined {
  return MODDABLE_MODULES_TABLE.find((row) => row.specifier === specifier);
}

/** Does Moddable provide `specifier` on `platform` (as Picket links it)? */
export function providesOn(specifier: string, platform: ModdablePlatform): boolean {
  return moddableModule(specifier)?.platforms.includes(platform) ?? false;
}

/** The specifiers an image for `platform` may import. */
export function modulesFor(platform: ModdablePlatform): readonly string[] {
  return MODDABLE_MODULES_TABLE.filter((row) => row.platforms.includes(platform)).map((row) => row.specifier);
}

/**
 * The manifests manifest.json must include for `platform`: every row's
 * manifest that the platform has, except the one mcconfig generates.
 */
export function manifestsFor(platform: ModdablePlatform): readonly string[] {
  const paths = new Set<string>();
  for (const row of MODDABLE_MODULES_TABLE) {
    if (row.platforms.includes(platform) && row.manifest.startsWith("$(MODDABLE)/")) paths.add(row.manifest);
  }
  return [...paths];
}

/** A bare or `embedded:` specifier that names a Moddable module (in the table, or any `embedded:` name). */
export function looksModdable(specifier: string): boolean {
  return specifier.startsWith("embedded:") || moddableModule(specifier) !== undefined;
}

/** The parts of a manifest (ours) that say what a platform links. */
export interface ManifestSection {
  readonly include?: string | readonly string[];
  readonly modules?: Readonly<Record<string, string | readonly string[]>>;
  readonly build?: Readonly<Record<string, string>>;
  readonly error?: string;
}
export interface PlatformManifest extends ManifestSection {
  readonly platforms?: Readonly<Record<string, ManifestSection>>;
}

/**
 * The `platforms` entry mcconfig merges for `platform`: the first key equal
 * to the full name or one of its prefixes (most specific first), a "name/*"
 * wildcard matching too, else "..." (documentation/tools/manifest.md
 * "platforms", "Subplatforms").
 */
export function matchManifestPlatform(manifest: PlatformManifest, platform: ModdablePlatform): ManifestSection | undefined {
  const platforms = manifest.platforms ?? {};
  const parts = platform.split("/");
  for (let length = parts.length; length > 0; length--) {
    const partial = parts.slice(0, length).join("/");
    for (const [key, section] of Object.entries(platforms)) {
      if (key.endsWith("/*") ? partial.startsWith(key.slice(0, -1)) : key === partial) return section;
    }
  }
  return platforms["..."];
}

function list(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === "string" ? [value] : value;
}

/** What `manifest` includes when built for `platform`: its common `include` then the matched platform's. */
export function manifestIncludesFor(manifest: PlatformManifest, platform: ModdablePlatform): readonly string[] {
  return [...list(manifest.include), ...list(matchManifestPlatform(manifest, platform)?.include)];
}

/** The `"*"` modules `manifest` lists when built for `platform`. */
export function manifestModulesFor(manifest: PlatformManifest, platform: ModdablePlatform): readonly string[] {
  return [...list(manifest.modules?.["*"]), ...list(matchManifestPlatform(manifest, platform)?.modules?.["*"])];
}

/** Where the agent's store lives on each platform Picket builds for (README "Board"). */
export interface StoragePartition {
  /** The name `new Flash(name)` opens (config.picketBoard.storage.partition must say it). */
  readonly name: string;
  /** The partition table manifest.json hands to mcconfig (build.PARTITIONS_FILE), if the platform takes one. */
  readonly partitionsFile?: string;
  /** Size, where the platform fixes it rather than a partition table. */
  readonly bytes?: number;
  /** Erase unit the flash module reports as `blockSize`. */
  readonly blockSizeBytes: number;
  readonly verifiedAgainst: string;
}

const ESP32_STORAGE: StoragePartition = Object.freeze({
  name: "storage",
  partitionsFile: "./boards/esp32/partitions.csv",
  blockSizeBytes: 4096,
  verifiedAgainst:
    "documentation/tools/manifest.md: PARTITIONS_FILE in the build section replaces the SDK's partitions.csv; modules/files/flash/esp32/flash.c opens esp_partition_find_first(DATA, ANY subtype, name), blockSize SPI_FLASH_SEC_SIZE (4096)",
});

export const STORAGE_PARTITIONS: Readonly<Partial<Record<ModdablePlatform, StoragePartition>>> = Object.freeze({
  esp32: ESP32_STORAGE,
  "esp32/esp32c3": ESP32_STORAGE,
  nrf52: Object.freeze({
    name: "storage",
    bytes: 65_536,
    blockSizeBytes: 4096,
    verifiedAgainst:
      "modules/files/flash/nrf52/flash.c maps the name \"storage\" to kPartitionStorage; build/devices/nrf52/base/xsHost.c modGetPartition places it in the last MODDEF_FILE_LFS_PARTITION_SIZE bytes (default 65536) of the free flash after the image; blockSize is the fstorage erase unit (nRF52840 page, 4096)",
  }),
});
