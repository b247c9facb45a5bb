/**
 * `npm run build` / `picket build`: build the device bundle for every profile,
 * enforce the XS gate and the size budget, and print the size report.
 *
 * The selected profile (default "full") is also written to build/device/main.js,
 * the module manifest.json hands to mcconfig for the ESP32 family, and to each
 * other platform's image (targets.ts DEVICE_IMAGES: build/device/nrf52/main.js),
 * built with only the Moddable modules that platform has (moddable-modules.ts).
 * A profile a platform cannot run (udp without embedded:io/socket/udp) leaves
 * that platform without a main.js, so mcconfig stops there instead of linking
 * a stale image.
 */
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  bundleForXs,
  DEVICE_BUNDLE_BUDGET_BYTES,
  DEVICE_ENTRY,
  DEVICE_IMAGES,
  DEVICE_MAIN,
  DEVICE_OUT_DIR,
  GateError,
  PROFILES,
  profileDefines,
  profileRunsOn,
  repoRoot,
  type BundleReport,
  type DeviceImage,
  type Profile,
} from "./targets";

export interface ProfileBuild {
  readonly profile: Profile;
  readonly report: BundleReport;
}

/** Another platform's image: its profile builds, and the main.js written (undefined: the selected profile cannot run there). */
export interface ImageBuild {
  readonly image: DeviceImage;
  readonly builds: readonly ProfileBuild[];
  readonly main: string | undefined;
}

export interface BuildSummary {
  /** The default image's profiles (ESP32 family; build/device/profiles). */
  readonly builds: readonly ProfileBuild[];
  /** Every other platform's image (build/device/<image>/). */
  readonly images: readonly ImageBuild[];
  readonly selected: string;
  readonly main: string;
}

export async function buildDevice(selectedName = "full"): Promise<BuildSummary> {
  const selected = PROFILES.find((profile) => profile.name === selectedName);
  if (selected === undefined) {
    throw new GateError(`unknown profile "${selectedName}" (known: ${PROFILES.map((p) => p.name).join(", ")})`);
  }
  const images: ImageBuild[] = [];
  let builds: readonly ProfileBuild[] = [];
  for (const image of DEVICE_IMAGES) {
    const dir = image.main === DEVICE_MAIN ? DEVICE_OUT_DIR : join(DEVICE_OUT_DIR, image.name);
    const imageBuilds = await buildImageProfiles(image, dir);
    const chosen = imageBuilds.find((build) => build.profile.name === selected.name);
    mkdirSync(dir, { recursive: true });
    if (chosen === undefined) rmSync(image.main, { force: true });
    else copyFileSync(chosen.report.outfile, image.main);
    if (image.main === DEVICE_MAIN) {
      if (chosen === undefined) throw new GateError(`profile "${selected.name}" does not run on the default image's platforms`);
      builds = imageBuilds;
    } else {
      images.push({ image, builds: imageBuilds, main: chosen === undefined ? undefined : image.main });
    }
  }
  writeFileSync(
    join(DEVICE_OUT_DIR, "report.json"),
    `${JSON.stringify(
      {
        selected: selected.name,
        budgetBytes: DEVICE_BUNDLE_BUDGET_BYTES,
        profiles: builds.map(({ profile, report }) => ({
          name: profile.name,
          description: profile.description,
          bytes: report.bytes,
          gzipBytes: report.gzipBytes,
          largestInputs: report.inputs.slice(0, 10),
        })),
        images: images.map(({ image, builds: imageBuilds, main }) => ({
          name: image.name,
          platforms: image.platforms,
          main: main === undefined ? null : relative(repoRoot, main),
          profiles: imageBuilds.map(({ profile, report }) => ({ name: profile.name, bytes: report.bytes, gzipBytes: report.gzipBytes })),
        })),
      },
      null,
      2,
    )}\n`,
  );
  return { builds, images, selected: selected.name, main: DEVICE_MAIN };
}

/** Every profile that runs on all of `image`'s platforms, built and gated for them. */
async function buildImageProfiles(image: DeviceImage, dir: string): Promise<ProfileBuild[]> {
  const builds: ProfileBuild[] = [];
  for (const profile of PROFILES) {
    if (!image.platforms.every((platform) => profileRunsOn(profile, platform))) continue;
    const report = await bundleForXs({
      entry: DEVICE_ENTRY,
      outfile: join(dir, "profiles", `${profile.name}.js`),
      defines: profileDefines(profile, image.platforms),
      platforms: image.platforms,
      budgetBytes: DEVICE_BUNDLE_BUDGET_BYTES,
    });
    builds.push({ profile, report });
  }
  return builds;
}

export function formatBuildReport(summary: BuildSummary): string {
  const lines = [
    `device bundle (ES2022 module, minified; budget ${(DEVICE_BUNDLE_BUDGET_BYTES / 1024).toFixed(0)} KiB per profile)`,
    "  profile   bytes     gzip      budget  description",
  ];
  for (const { profile, report } of summary.builds) {
    const share = ((100 * report.bytes) / DEVICE_BUNDLE_BUDGET_BYTES).toFixed(1);
    lines.push(
      `  ${profile.name.padEnd(9)} ${String(report.bytes).padStart(8)}  ${String(report.gzipBytes).padStart(8)}  ${share.padStart(5)}%  ${profile.description}`,
    );
  }
  lines.push(`  manifest module: ${relative(repoRoot, summary.main)} (profile "${summary.selected}"; esp32, esp32/esp32c3)`);
  for (const { image, builds, main } of summary.images) {
    const sizes = builds.map(({ profile, report }) => `${profile.name} ${report.bytes}`).join(", ");
    const written = main === undefined ? `no image: profile "${summary.selected}" does not run there` : relative(repoRoot, main);
    lines.push(`  ${image.platforms.join(", ")}: ${written} (${sizes} bytes)`);
  }
  return lines.join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(
      "usage: npm run build [-- --profile NAME]\n" +
        "Builds the device bundle for every profile, checks the XS gate and the size budget,\n" +
        `and writes build/device/main.js for manifest.json. Profiles: ${PROFILES.map((p) => p.name).join(", ")}.\n`,
    );
    return 0;
  }
  const index = argv.indexOf("--profile");
  const profile = index >= 0 ? argv[index + 1] : "full";
  if (profile === undefined) {
    process.stderr.write("build: --profile needs a name\n");
    return 2;
  }
  try {
    const summary = await buildDevice(profile);
    process.stdout.write(`${formatBuildReport(summary)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`build: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv.slice(2));
}
