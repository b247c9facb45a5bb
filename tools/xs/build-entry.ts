/** Build an XS test bundle: device code with Moddable stand-ins, full-profile flags, the XS gate on. */
import { join } from "node:path";
import { bundleForXs, PROFILES, profileDefines, repoRoot, type BundleReport } from "../build/targets";
import { expectCompleted, runOnXs, type XsRecord, type XsRunOptions, type XsRunResult } from "./run-xs";
import { MODDABLE_STUBS } from "../../host-sim/moddable/index";

export const XS_TEST_OUT_DIR = join(repoRoot, "build", "xs");

export async function buildXsEntry(entry: string, name: string, profileName = "full"): Promise<BundleReport> {
  const profile = PROFILES.find((p) => p.name === profileName);
  if (profile === undefined) throw new Error(`unknown profile ${profileName}`);
  return bundleForXs({
    entry: join(repoRoot, entry),
    outfile: join(XS_TEST_OUT_DIR, `${name}.js`),
    defines: profileDefines(profile),
    moddableStubs: MODDABLE_STUBS,
    minify: false,
  });
}

/** Build an XS test entry, run it on picket-xs, and fail unless it completed cleanly. */
export async function runXsEntry(entry: string, name: string, what = `${name} bundle`, options: XsRunOptions = {}): Promise<XsRunResult> {
  const bundle = await buildXsEntry(entry, name);
  const run = runOnXs(bundle.outfile, options);
  expectCompleted(run, what);
  return run;
}

/** The first record of `kind` from an XS run; throws (failing the test) if there is none. */
export function recordOf(run: XsRunResult, kind: string): XsRecord {
  const found = run.records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record from XS`);
  return found;
}
