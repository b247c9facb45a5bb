/** Build an XS test bundle: device code with Moddable stand-ins, full-profile flags, the XS gate on. */
import { join } from "node:path";
import { bundleForXs, PROFILES, profileDefines, repoRoot, type BundleReport } from "../../tools/build/targets";
import { MODDABLE_STUBS } from "./stubs/index";

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
