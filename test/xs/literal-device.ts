/**
 * Run the literal device bundle (build/device/main.js, byte for byte what
 * manifest.json hands to mcconfig) on XS. XS resolves a bare specifier such
 * as "timer" relative to the working directory, so we give it a folder that
 * holds the stand-ins as files named `timer`, `time` and `mc/config`; each
 * imports the shared virtual-time control module by absolute path so all of
 * them, and the scenario driver, see one instance.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import * as esbuild from "esbuild";
import { repoRoot } from "../../tools/build/targets";
import { runOnXs, type XsRunResult } from "../../tools/xs/run-xs";
import { MODDABLE_STUBS } from "../../host-sim/moddable/index";

const controlSource = join(repoRoot, "host-sim/moddable/control.ts");

async function bundleStub(entry: string, outfile: string, controlPath: string): Promise<void> {
  await esbuild.build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "silent",
    plugins: [
      {
        name: "shared-control",
        setup(build) {
          build.onResolve({ filter: /\/control$/ }, () => ({ path: controlPath, external: true }));
        },
      },
    ],
  });
}

/**
 * A fresh working folder under build/xs with the Moddable stand-ins as files
 * named by their specifiers (XS resolves a bare specifier relative to the
 * working directory) and the shared control module; returns both paths.
 */
export async function prepareLiteralFolder(folder: string): Promise<{ readonly dir: string; readonly control: string }> {
  const dir = literalFolder(folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "mc"), { recursive: true });
  const control = join(dir, "control.js");
  await esbuild.build({ entryPoints: [controlSource], outfile: control, bundle: true, format: "esm", platform: "neutral", target: "es2022", logLevel: "silent" });
  for (const [specifier, source] of Object.entries(MODDABLE_STUBS)) {
    const outfile = join(dir, specifier); // "embedded:sensor/Temperature/TMP117" -> a nested file, as XS resolves it
    mkdirSync(dirname(outfile), { recursive: true });
    await bundleStub(source, outfile, control);
  }
  return { dir, control };
}

/** `folder`: the working folder under build/xs (test files that run in parallel need their own). */
export async function runLiteralDeviceBundle(
  deviceBundle: string,
  driverSource: (paths: { bundle: string; control: string }) => string,
  folder = "literal",
): Promise<XsRunResult> {
  const { dir, control } = await prepareLiteralFolder(folder);
  const driver = join(dir, "driver.js");
  writeFileSync(driver, driverSource({ bundle: deviceBundle, control }));
  return runOnXs(driver, { cwd: dir });
}

/** Specifier an entry imports to get the literal device bundle's default export (`main`). */
export const LITERAL_MAIN_SPECIFIER = "picket:literal-device-main";

/**
 * Run `entry` (a test module: it imports `main` from LITERAL_MAIN_SPECIFIER
 * and reports through tools/xs/harness.ts) against the literal device bundle
 * on XS. The entry is bundled with the literal bundle and the shared
 * virtual-time control left external, so the bundle's stand-ins and the
 * entry's scenario see one control instance.
 */
export async function runLiteralDeviceEntry(deviceBundle: string, entry: string, folder: string): Promise<XsRunResult> {
  const control = join(literalFolder(folder), "control.js");
  const built = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      mainFields: ["module", "main"],
      logLevel: "silent",
      plugins: [
        {
          name: "literal-main-and-shared-control",
          setup(build) {
            build.onResolve({ filter: /^picket:literal-device-main$/ }, () => ({ path: deviceBundle, external: true }));
            build.onResolve({ filter: /\/control$/ }, () => ({ path: control, external: true }));
          },
        },
      ],
    });
  const text = built.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`no output bundling ${entry}`);
  return runLiteralDeviceBundle(deviceBundle, () => text, folder);
}

function literalFolder(folder: string): string {
  return join(repoRoot, "build", "xs", folder);
}
