#!/usr/bin/env node
// Builds picket-xs, Picket's host for the real Moddable XS engine, from the XS
// sources in the pinned npm package @agoric/xsnap. Idempotent and cached: the
// binary lives in .cache/xs/<key>/ where key covers the package version and our
// own host sources, so an unchanged tree rebuilds nothing.
//
// Only the npm registry is contacted (through `npm pack`), and the tarball's
// sha512 must equal the pinned integrity before anything is unpacked.
//
//   node tools/xs/build-xs.mjs          build if needed, print the binary path
//   node tools/xs/build-xs.mjs --force  rebuild even if cached
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cpus } from "node:os";

export const XSNAP_PACKAGE = "@agoric/xsnap";
export const XSNAP_VERSION = "0.15.0";
export const XSNAP_INTEGRITY =
  "sha512-ZBm4DZxbtfacxMHVVdJjZi0Y8zOxN77vpu1WwI5RWfPkaRh0aHkz/dVdTGKXalDNzWfz183lljKxlxl3/h0n+A==";

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, "..", "..");
const hostDir = join(here, "host");
const cacheRoot = join(repoRoot, ".cache", "xs");

function log(message) {
  process.stderr.write(`[picket-xs] ${message}\n`);
}

function cacheKey() {
  const hash = createHash("sha256");
  hash.update(`${XSNAP_PACKAGE}@${XSNAP_VERSION}\n${XSNAP_INTEGRITY}\n`);
  for (const name of ["Makefile", "picket_xs.c", "picket_xs_stats.c"]) {
    hash.update(name);
    hash.update(readFileSync(join(hostDir, name)));
  }
  return `${XSNAP_VERSION}-${hash.digest("hex").slice(0, 16)}`;
}

/** Absolute path of the picket-xs binary for the current sources (may not exist yet). */
export function xsBinaryPath() {
  return join(cacheRoot, cacheKey(), "picket-xs");
}

function fetchPinnedTarball(downloadDir) {
  mkdirSync(downloadDir, { recursive: true });
  const tarball = join(downloadDir, `agoric-xsnap-${XSNAP_VERSION}.tgz`);
  if (!existsSync(tarball)) {
    log(`fetching ${XSNAP_PACKAGE}@${XSNAP_VERSION} from the npm registry`);
    execFileSync("npm", ["pack", `${XSNAP_PACKAGE}@${XSNAP_VERSION}`, "--pack-destination", downloadDir, "--silent"], {
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
  const actual = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (actual !== XSNAP_INTEGRITY) {
    rmSync(tarball, { force: true });
    throw new Error(`integrity mismatch for ${tarball}: expected ${XSNAP_INTEGRITY}, got ${actual}`);
  }
  return tarball;
}

export function buildXs({ force = false } = {}) {
  const binary = xsBinaryPath();
  if (existsSync(binary) && !force) return binary;
  const outDir = dirname(binary);
  const workDir = `${outDir}.tmp-${process.pid}`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const tarball = fetchPinnedTarball(join(cacheRoot, "downloads"));
  log(`unpacking ${tarball}`);
  execFileSync("tar", ["-xzf", tarball, "-C", workDir], { stdio: "inherit" });
  const jobs = String(Math.max(1, cpus().length));
  log(`compiling the XS engine with ${jobs} job(s); once per change of engine or host sources, 10-60 s`);
  const started = process.hrtime.bigint();
  execFileSync("make", ["-s", "-j", jobs, "-C", hostDir, `XSNAP=${join(workDir, "package")}`, `OUT=${workDir}`], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  // Keep only the binary; publish it atomically so concurrent callers never see half a file.
  rmSync(join(workDir, "package"), { recursive: true, force: true });
  rmSync(join(workDir, "obj"), { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
  renameSync(workDir, outDir);
  writeFileSync(join(outDir, "BUILD-INFO"), `${XSNAP_PACKAGE}@${XSNAP_VERSION}\n${XSNAP_INTEGRITY}\nbuilt in ${seconds.toFixed(1)} s\n`);
  log(`built ${binary} in ${seconds.toFixed(1)} s`);
  return binary;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.includes("--help")) {
    process.stdout.write("usage: node tools/xs/build-xs.mjs [--force]\nBuilds (or reuses) the picket-xs XS engine host and prints its path.\n");
    process.exit(0);
  }
  try {
    process.stdout.write(`${buildXs({ force: args.includes("--force") })}\n`);
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
