/**
 * `npm run build` / `picket build`: build the device bundle for every profile,
 * enforce the XS gate and the size budget, and print the size report.
 *
 * The selected profile (default "full") is also written to build/device/main.js,
 * the module manifest.json hands to mcconfig.
 */
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import {
  bundleForXs,
  DEVICE_BUNDLE_BUDGET_BYTES,
  DEVICE_ENTRY,
  DEVICE_MAIN,
  DEVICE_OUT_DIR,
  GateError,
  PROFILES,
  profileDefines,
  repoRoot,
  type BundleReport,
  type Profile,
} from "./targets";

export interface ProfileBuild {
  readonly profile: Profile;
  readonly report: BundleReport;
}

export interface BuildSummary {
  readonly builds: readonly ProfileBuild[];
  readonly selected: string;
  readonly main: string;
}

export async function buildDevice(selectedName = "full"): Promise<BuildSummary> {
  const selected = PROFILES.find((profile) => profile.name === selectedName);
  if (selected === undefined) {
    throw new GateError(`unknown profile "${selectedName}" (known: ${PROFILES.map((p) => p.name).join(", ")})`);
  }
  const builds: ProfileBuild[] = [];
  for (const profile of PROFILES) {
    const report = await bundleForXs({
      entry: DEVICE_ENTRY,
      outfile: join(DEVICE_OUT_DIR, "profiles", `${profile.name}.js`),
      defines: profileDefines(profile),
      budgetBytes: DEVICE_BUNDLE_BUDGET_BYTES,
    });
    builds.push({ profile, report });
  }
  const chosen = builds.find((build) => build.profile.name === selected.name);
  if (chosen === undefined) throw new GateError("selected profile was not built");
  mkdirSync(DEVICE_OUT_DIR, { recursive: true });
  copyFileSync(chosen.report.outfile, DEVICE_MAIN);
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
      },
      null,
      2,
    )}\n`,
  );
  return { builds, selected: selected.name, main: DEVICE_MAIN };
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
  lines.push(`  manifest module: ${relative(repoRoot, summary.main)} (profile "${summary.selected}")`);
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
