/**
 * The board image hashes with our own SHA-256/HMAC/HKDF (core/crypto/sha256.ts,
 * hmac-sha256.ts, hkdf-sha256.ts), never with @noble/hashes: noble keeps
 * module-level scratch buffers that Moddable preload puts in flash, where a
 * write throws `TypeError: read-only buffer` (`documentation/xs/preload.md`).
 * Checked on what esbuild actually bundled (its metafile inputs) for every
 * device profile built from agent/moddable/main.ts, the build/device/main.js
 * entry.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bundleForXs, DEVICE_ENTRY, PROFILES, profileDefines, type BundleReport } from "../../tools/build/targets";

const outDir = mkdtempSync(join(tmpdir(), "picket-board-hashes-"));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

async function build(profileName: string): Promise<BundleReport> {
  const profile = PROFILES.find((p) => p.name === profileName);
  if (profile === undefined) throw new Error(`no profile ${profileName}`);
  return bundleForXs({ entry: DEVICE_ENTRY, outfile: join(outDir, `${profileName}.js`), defines: profileDefines(profile) });
}

describe("board image hashing", () => {
  for (const profile of PROFILES) {
    it(`profile ${profile.name}: bundles our SHA-256/HMAC/HKDF and no @noble/hashes module`, async () => {
      const report = await build(profile.name);
      const paths = report.inputs.map((input) => input.path.replaceAll("\\", "/"));
      expect(paths.filter((path) => path.includes("@noble/hashes"))).toEqual([]);
      for (const ours of ["core/crypto/sha256.ts", "core/crypto/hmac-sha256.ts", "core/crypto/hkdf-sha256.ts"]) {
        expect(paths.some((path) => path.endsWith(ours)), ours).toBe(true);
      }
    });
  }

  it("would see @noble/hashes if the entry pulled it in (the check can fail)", async () => {
    const report = await bundleForXs({ entry: join(import.meta.dirname, "..", "..", "core", "crypto", "noble-provider.ts"), outfile: join(outDir, "noble.js") });
    expect(report.inputs.some((input) => input.path.includes("@noble/hashes"))).toBe(true);
  });
});
