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
import { MODDABLE_STUBS } from "./stubs/index";

const controlSource = join(repoRoot, "test/xs/stubs/control.ts");

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

export async function runLiteralDeviceBundle(
  deviceBundle: string,
  driverSource: (paths: { bundle: string; control: string }) => string,
): Promise<XsRunResult> {
  const dir = join(repoRoot, "build", "xs", "literal");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "mc"), { recursive: true });
  const control = join(dir, "control.js");
  await esbuild.build({ entryPoints: [controlSource], outfile: control, bundle: true, format: "esm", platform: "neutral", target: "es2022", logLevel: "silent" });
  for (const [specifier, source] of Object.entries(MODDABLE_STUBS)) {
    const outfile = join(dir, specifier); // "embedded:sensor/Temperature/TMP117" -> a nested file, as XS resolves it
    mkdirSync(dirname(outfile), { recursive: true });
    await bundleStub(source, outfile, control);
  }
  const driver = join(dir, "driver.js");
  writeFileSync(driver, driverSource({ bundle: deviceBundle, control }));
  return runOnXs(driver, { cwd: dir });
}
