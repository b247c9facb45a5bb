/**
 * The Moddable module set is checked, not assumed (tools/build/moddable-modules.ts):
 * a bundle that imports a Moddable specifier the table does not give for the
 * platform being built fails the build; an XS stand-in for a name Moddable
 * does not provide fails; manifest.json's per-platform includes and images
 * match the table; every device image imports only its platforms' modules.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BME68X_SPECIFIER,
  BMP280_SPECIFIER,
  manifestIncludesFor,
  manifestModulesFor,
  manifestsFor,
  matchManifestPlatform,
  MODDABLE_MODULES_TABLE,
  MODDABLE_PLATFORMS,
  modulesFor,
  REFUSED_PLATFORMS,
  UDP_SPECIFIER,
  type PlatformManifest,
} from "../../tools/build/moddable-modules";
import { bundleForXs, DEVICE_ENTRY, DEVICE_IMAGES, deviceImageFor, GateError, importsSpecifier, PROFILES, profileDefines, profileRunsOn, repoRoot } from "../../tools/build/targets";
import { MODDABLE_STUBS, STUB_FILES, stubsFromTable } from "../../host-sim/moddable/index";

const dir = join(tmpdir(), `picket-moddable-gate-${process.pid}`);
beforeAll(() => mkdirSync(dir, { recursive: true }));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function entryImporting(name: string, specifier: string): string {
  const entry = join(dir, `${name}.ts`);
  writeFileSync(entry, `import M from ${JSON.stringify(specifier)};\nexport default M;\n`);
  return entry;
}

describe("build gate on Moddable specifiers", () => {
  it("fails the build on an embedded:* name the Moddable SDK does not provide (the old BMP280 name)", async () => {
    const entry = entryImporting("wrong-bmp280", "embedded:sensor/AtmosphericPressure-Temperature/BMP280");
    const build = bundleForXs({ entry, outfile: join(dir, "wrong.js"), platforms: ["esp32"] });
    await expect(build).rejects.toBeInstanceOf(GateError);
    await expect(build).rejects.toThrow(/Moddable module "embedded:sensor\/AtmosphericPressure-Temperature\/BMP280" is not provided by the Moddable SDK \(imported from .*wrong-bmp280\.ts/);
  });

  it("fails the build on a wrong embedded:* name even with no platform named, and in XS test bundles with stand-ins", async () => {
    const entry = entryImporting("wrong-io", "embedded:io/socket/udp6");
    await expect(bundleForXs({ entry, outfile: join(dir, "wrong2.js") })).rejects.toThrow(/"embedded:io\/socket\/udp6" is not provided by the Moddable SDK/);
    await expect(bundleForXs({ entry, outfile: join(dir, "wrong3.js"), moddableStubs: MODDABLE_STUBS })).rejects.toThrow(/not provided by the Moddable SDK/);
  });

  it("fails the build on a module the platform being built does not have, naming the platform and manifest", async () => {
    const entry = entryImporting("udp", UDP_SPECIFIER);
    await expect(bundleForXs({ entry, outfile: join(dir, "udp-nrf52.js"), platforms: ["nrf52"] })).rejects.toThrow(
      /"embedded:io\/socket\/udp" is not provided on nrf52 \(\$\(MODDABLE\)\/modules\/io\/manifest\.json\)/,
    );
    const flash = entryImporting("flash", "flash");
    await expect(bundleForXs({ entry: flash, outfile: join(dir, "flash-pico.js"), platforms: ["esp32", "pico"] })).rejects.toThrow(/"flash" is not provided on pico/);
  });

  it("links what the table gives for the platform, left external", async () => {
    const entry = entryImporting("bmp280", BMP280_SPECIFIER);
    const report = await bundleForXs({ entry, outfile: join(dir, "ok.js"), platforms: MODDABLE_PLATFORMS, minify: false });
    expect(readFileSync(report.outfile, "utf8")).toContain(`from "${BMP280_SPECIFIER}"`);
    const udp = entryImporting("udp-ok", UDP_SPECIFIER);
    await expect(bundleForXs({ entry: udp, outfile: join(dir, "udp-esp32.js"), platforms: ["esp32", "esp32/esp32c3"] })).resolves.toBeDefined();
  });
});

describe("XS stand-ins are named from the table", () => {
  it("has exactly one stand-in per table row", () => {
    expect(Object.keys(MODDABLE_STUBS).sort()).toEqual(MODDABLE_MODULES_TABLE.map((row) => row.specifier).sort());
  });

  it("refuses a stand-in for a name Moddable does not provide", () => {
    const files = { ...STUB_FILES, "embedded:sensor/AtmosphericPressure-Temperature/BMP280": "sensor-bmp280.ts" };
    expect(() => stubsFromTable(files)).toThrow(/stand-in for "embedded:sensor\/AtmosphericPressure-Temperature\/BMP280", which the Moddable SDK does not provide/);
  });

  it("refuses a table row without a stand-in", () => {
    const files: Record<string, string> = { ...STUB_FILES };
    delete files[BME68X_SPECIFIER];
    expect(() => stubsFromTable(files)).toThrow(/no stand-in for Moddable module "embedded:sensor\/Barometer-Humidity-Temperature\/BME68x"/);
  });
});

describe("manifest.json matches the table", () => {
  const manifest = JSON.parse(readFileSync(join(repoRoot, "manifest.json"), "utf8")) as PlatformManifest;

  for (const platform of MODDABLE_PLATFORMS) {
    const refusal = REFUSED_PLATFORMS[platform];
    if (refusal !== undefined) {
      it(`${platform}: refused with the table's reason, no image`, () => {
        expect(matchManifestPlatform(manifest, platform)?.error).toBe(refusal);
        expect(matchManifestPlatform(manifest, platform)?.modules).toBeUndefined();
        expect(deviceImageFor(platform)).toBeUndefined();
      });
      continue;
    }
    it(`${platform}: includes exactly the manifests of the modules it has, and names its image`, () => {
      expect(matchManifestPlatform(manifest, platform)?.error).toBeUndefined();
      expect([...new Set(manifestIncludesFor(manifest, platform))].sort()).toEqual([...manifestsFor(platform)].sort());
      expect(manifestIncludesFor(manifest, platform)).toHaveLength(manifestsFor(platform).length); // no duplicates
      const image = deviceImageFor(platform);
      expect(image).toBeDefined();
      if (image === undefined) return;
      expect(manifestModulesFor(manifest, platform)).toEqual([`./${relative(repoRoot, image.main).replace(/\.js$/, "")}`]);
    });
  }

  it("the default image (build/device/main.js) is the ESP32 family's", () => {
    expect(manifestModulesFor(manifest, "esp32")).toEqual(["./build/device/main"]);
    expect(manifestModulesFor(manifest, "esp32/esp32c3")).toEqual(["./build/device/main"]);
  });

  it("matches platforms as mcconfig does: the most specific entry, then '...'", () => {
    const m: PlatformManifest = { platforms: { esp32: { error: "a" }, "nrf52/*": { error: "b" }, "...": { error: "c" } } };
    expect(matchManifestPlatform(m, "esp32/esp32c3")?.error).toBe("a");
    expect(matchManifestPlatform(m, "nrf52")?.error).toBe("c");
    expect(matchManifestPlatform({ platforms: { "esp32/esp32c3": { error: "x" }, esp32: { error: "y" } } }, "esp32/esp32c3")?.error).toBe("x");
  });
});

describe("every device image imports only its platforms' modules", () => {
  const imports = (code: string): string[] => [...new Set([...code.matchAll(/\bfrom\s*"([^"]+)"/g)].map((m) => m[1] ?? ""))].sort();

  for (const image of DEVICE_IMAGES) {
    for (const profile of PROFILES) {
      if (!image.platforms.every((platform) => profileRunsOn(profile, platform))) continue;
      it(`${image.name} image, profile ${profile.name}`, async () => {
        const report = await bundleForXs({
          entry: DEVICE_ENTRY,
          outfile: join(dir, `${image.name}-${profile.name}.js`),
          defines: profileDefines(profile, image.platforms),
          platforms: image.platforms,
        });
        const found = imports(readFileSync(report.outfile, "utf8"));
        for (const platform of image.platforms) for (const specifier of found) expect(modulesFor(platform), `${platform}: ${specifier}`).toContain(specifier);
        expect(found).toContain(BMP280_SPECIFIER);
        expect(found.includes(BME68X_SPECIFIER)).toBe(image.platforms.every((p) => modulesFor(p).includes(BME68X_SPECIFIER)));
        expect(found.includes(UDP_SPECIFIER)).toBe(profile.radio === "udp");
      });
    }
  }

  it("the udp profile is built only where embedded:io/socket/udp exists", () => {
    const udp = PROFILES.find((p) => p.radio === "udp");
    expect(udp).toBeDefined();
    if (udp === undefined) return;
    expect(MODDABLE_PLATFORMS.filter((platform) => profileRunsOn(udp, platform))).toEqual(["esp32", "esp32/esp32c3"]);
  });
});

describe("importsSpecifier (what the gate reads from a bundle)", () => {
  it("finds minified and spaced imports, and nothing else", () => {
    expect(importsSpecifier('import a from"flash";', "flash")).toBe(true);
    expect(importsSpecifier('import { b } from "embedded:io/socket/udp";', "embedded:io/socket/udp")).toBe(true);
    expect(importsSpecifier('import"timer";', "timer")).toBe(true);
    expect(importsSpecifier('const s = "flash";', "flash")).toBe(false);
    expect(importsSpecifier('import a from"flashy";', "flash")).toBe(false);
  });
});
