#!/usr/bin/env node
// Builds picket-xs, Picket's host for the real Moddable XS engine, from the XS
// sources in the pinned npm package @agoric/xsnap. Idempotent and cached: the
// binary lives in .cache/xs/<key>/ where key covers the package version and our
// own host sources, so an unchanged tree rebuilds nothing.
//
// Only the npm registry is contacted (through `npm pack`), and the tarball's
// sha512 must equal the pinned integrity before anything is unpacked.
//
// Two variants: the native 64-bit host (fast; 32-byte slots) and the 32-bit
// host (`-m32`, static, 16-byte slots as on a microcontroller) that the
// board-memory figures are measured on. The 32-bit host needs Debian's
// gcc-multilib to build and, where the kernel cannot run 32-bit programs,
// qemu-user-static to run; both are installed with apt-get when missing
// (root needed; otherwise the error says what to install).
//
//   node tools/xs/build-xs.mjs          build if needed, print the binary paths
//   node tools/xs/build-xs.mjs --force  rebuild even if cached
import { createHash } from "node:crypto";
import { execFileSync, spawnSync } from "node:child_process";
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

/** The two hosts: native, and 32-bit (16-byte slots). */
const VARIANTS = Object.freeze({
  native: Object.freeze({ suffix: "", make: [] }),
  m32: Object.freeze({ suffix: "-m32", make: ["ARCH=-m32", "LDFLAGS=-static"] }),
});

function cacheKey(variant = "native") {
  const hash = createHash("sha256");
  hash.update(`${XSNAP_PACKAGE}@${XSNAP_VERSION}\n${XSNAP_INTEGRITY}\n${variant}\n`);
  for (const name of ["Makefile", "picket_xs.c", "picket_xs_stats.c"]) {
    hash.update(name);
    hash.update(readFileSync(join(hostDir, name)));
  }
  return `${XSNAP_VERSION}${VARIANTS[variant].suffix}-${hash.digest("hex").slice(0, 16)}`;
}

/** Absolute path of the picket-xs binary for the current sources (may not exist yet). */
export function xsBinaryPath(variant = "native") {
  return join(cacheRoot, cacheKey(variant), "picket-xs");
}

function succeeds(cmd, args) {
  const result = spawnSync(cmd, args, { stdio: "ignore" });
  return result.status === 0;
}

function canCompile32() {
  const dir = join(cacheRoot, "probe");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "probe.c"), "int main(void) { return sizeof(void*) == 4 ? 0 : 1; }\n");
  return succeeds("cc", ["-m32", "-static", join(dir, "probe.c"), "-o", join(dir, "probe32")]) ? join(dir, "probe32") : undefined;
}

function aptInstall(packages, why) {
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    throw new Error(`${why}: install Debian's ${packages.join(" ")} (as root: apt-get update && apt-get install -y ${packages.join(" ")})`);
  }
  log(`${why}: installing ${packages.join(" ")} with apt-get`);
  execFileSync("apt-get", ["update", "-qq"], { stdio: ["ignore", "ignore", "inherit"] });
  execFileSync("apt-get", ["install", "-y", "-qq", ...packages], { stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
}

/**
 * How to run a 32-bit static program here: directly where the kernel can,
 * else under qemu-i386-static. Installs gcc-multilib / qemu-user-static when
 * they are missing. Returns the command prefix (empty for a direct run).
 */
export function ensure32BitToolchain() {
  let probe = canCompile32();
  if (probe === undefined) {
    aptInstall(["gcc-multilib"], "the 32-bit XS host needs a 32-bit C toolchain");
    probe = canCompile32();
    if (probe === undefined) throw new Error("cc -m32 -static still fails after installing gcc-multilib");
  }
  if (succeeds(probe, [])) return [];
  if (!succeeds("qemu-i386-static", [probe])) {
    aptInstall(["qemu-user-static"], "this kernel cannot run 32-bit programs; the 32-bit XS host runs under qemu-i386-static");
    if (!succeeds("qemu-i386-static", [probe])) throw new Error("qemu-i386-static cannot run a 32-bit program after installing qemu-user-static");
  }
  return ["qemu-i386-static"];
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

export function buildXs({ force = false, variant = "native" } = {}) {
  const binary = xsBinaryPath(variant);
  if (existsSync(binary) && !force) return binary;
  const outDir = dirname(binary);
  const workDir = `${outDir}.tmp-${process.pid}`;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const tarball = fetchPinnedTarball(join(cacheRoot, "downloads"));
  log(`unpacking ${tarball}`);
  execFileSync("tar", ["-xzf", tarball, "-C", workDir], { stdio: "inherit" });
  const jobs = String(Math.max(1, cpus().length));
  log(`compiling the ${variant === "m32" ? "32-bit " : ""}XS engine with ${jobs} job(s); once per change of engine or host sources, 10-60 s`);
  const started = process.hrtime.bigint();
  if (variant === "m32") ensure32BitToolchain();
  execFileSync("make", ["-s", "-j", jobs, "-C", hostDir, `XSNAP=${join(workDir, "package")}`, `OUT=${workDir}`, ...VARIANTS[variant].make], {
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
    process.stdout.write("usage: node tools/xs/build-xs.mjs [--force]\nBuilds (or reuses) the picket-xs XS engine hosts (native and 32-bit) and prints their paths.\n");
    process.exit(0);
  }
  try {
    const force = args.includes("--force");
    process.stdout.write(`${buildXs({ force })}\n${buildXs({ force, variant: "m32" })}\n`);
  } catch (error) {
    log(`failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
