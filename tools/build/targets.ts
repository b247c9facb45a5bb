/**
 * esbuild targets for Picket.
 *
 *  - device bundles: one ES module per profile (agent + core + hal/moddable),
 *    Moddable module specifiers left external, for `mcconfig` via manifest.json.
 *  - XS test bundles: the same code with Moddable modules replaced by
 *    simulated stand-ins, run on the real XS engine by the test suite.
 *
 * Every device-side bundle passes the XS gate: no Node built-in may be
 * imported and the output may not contain eval or the Function constructor.
 */
import { builtinModules } from "node:module";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { gzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { constBindings } from "./const-bindings";
import {
  BME68X_SPECIFIER,
  looksModdable,
  MODDABLE_MODULES_TABLE,
  moddableModule,
  providesOn,
  UDP_SPECIFIER,
  type ModdablePlatform,
} from "./moddable-modules";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Size budget for one minified device bundle. It was 200 KiB before the
 * image carried a radio; with the secured mesh, its crypto and the flash
 * store it became 256 KiB, and the send counter's proof at mount (the
 * record log bounding what it could not read, README "Link security")
 * took the images past it: 288 KiB, 28 % of the smallest target's flash
 * (nRF52840, 1 MB). The XS heap, not flash, is
 * the scarce resource; it is measured on the board's terms by
 * test/xs/board-memory.test.ts (README "Board memory on the board's terms").
 */
export const DEVICE_BUNDLE_BUDGET_BYTES = 288 * 1024;

/** Module specifiers the Moddable SDK provides (moddable-modules.ts); never bundled. */
export const MODDABLE_MODULES: readonly string[] = Object.freeze(MODDABLE_MODULES_TABLE.map((row) => row.specifier));

/** Is `specifier` meant for the Moddable runtime (any `embedded:` name, or a name in the table)? */
export function isModdableSpecifier(specifier: string): boolean {
  return looksModdable(specifier);
}

const nodeBuiltins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

export function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || nodeBuiltins.has(specifier) || nodeBuiltins.has(specifier.split("/")[0] ?? "");
}

/** A compile-time profile: which optional subsystems the bundle carries. */
export interface Profile {
  readonly name: string;
  readonly description: string;
  readonly consensus: boolean;
  readonly gateway: boolean;
  readonly radio: "lora" | "udp" | "sim";
}

export const PROFILES: readonly Profile[] = Object.freeze([
  { name: "full", description: "anchor + gateway capable, LoRa radio", consensus: true, gateway: true, radio: "lora" },
  { name: "sensor", description: "sensor-only: no consensus or gateway code, LoRa radio", consensus: false, gateway: false, radio: "lora" },
  { name: "udp", description: "anchor + gateway over Wi-Fi UDP", consensus: true, gateway: true, radio: "udp" },
] as const);

/** The ESP32 family: the platforms of the default image (build/device/main.js). */
export const DEFAULT_IMAGE_PLATFORMS: readonly ModdablePlatform[] = Object.freeze(["esp32", "esp32/esp32c3"] as const);

/**
 * Defines for one profile built for `platforms`: the profile's feature flags,
 * and the optional drivers every one of those platforms has (moddable-modules.ts).
 */
export function profileDefines(profile: Profile, platforms: readonly ModdablePlatform[] = DEFAULT_IMAGE_PLATFORMS): Record<string, string> {
  return {
    PICKET_FEATURE_CONSENSUS: String(profile.consensus),
    PICKET_FEATURE_GATEWAY: String(profile.gateway),
    PICKET_RADIO: JSON.stringify(profile.radio),
    PICKET_BME68X: String(platforms.every((platform) => providesOn(BME68X_SPECIFIER, platform))),
  };
}

/** Can `profile` be built for `platform`? (The udp profile needs embedded:io/socket/udp.) */
export function profileRunsOn(profile: Profile, platform: ModdablePlatform): boolean {
  return profile.radio !== "udp" || providesOn(UDP_SPECIFIER, platform);
}

export class GateError extends Error {}

/**
 * The XS gate as an esbuild plugin: Node built-ins fail the build, Moddable
 * modules stay external (or map to simulated stand-ins for XS tests).
 */
function xsGatePlugin(moddableStubs: Readonly<Record<string, string>> | undefined): esbuild.Plugin {
  return {
    name: "picket-xs-gate",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => {
        const specifier = args.path;
        if (isNodeBuiltin(specifier)) {
          const from = args.importer ? relative(repoRoot, args.importer) : "(entry)";
          return {
            errors: [{ text: `Node built-in "${specifier}" imported from ${from}: device code must use only XS built-ins and Moddable modules` }],
          };
        }
        if (isModdableSpecifier(specifier)) {
          const from = args.importer ? relative(repoRoot, args.importer) : "(entry)";
          // Existence is checked here; per-platform availability after tree-shaking
          // (bundleForXs), since esbuild resolves imports that a disabled profile branch drops.
          const problem = moddableProblem(specifier, []);
          if (problem !== undefined) return { errors: [{ text: `${problem} (imported from ${from}; tools/build/moddable-modules.ts)` }] };
          // No side effects: an import whose bindings a profile or platform flag left unused is dropped
          // from the bundle, not kept as `import "..."` (which would still have to link on the board).
          if (moddableStubs === undefined) return { path: specifier, external: true, sideEffects: false };
          const stub = moddableStubs[specifier];
          if (stub === undefined) {
            return { errors: [{ text: `no simulated stand-in for Moddable module "${specifier}" (add one to host-sim/moddable)` }] };
          }
          return { path: stub };
        }
        return undefined;
      });
    },
  };
}

/** Why `specifier` cannot be linked on `platforms`, or undefined if every one of them has it. */
export function moddableProblem(specifier: string, platforms: readonly ModdablePlatform[]): string | undefined {
  const row = moddableModule(specifier);
  if (row === undefined) return `Moddable module "${specifier}" is not provided by the Moddable SDK`;
  const missing = platforms.filter((platform) => !row.platforms.includes(platform));
  if (missing.length > 0) return `Moddable module "${specifier}" is not provided on ${missing.join(", ")} (${row.manifest})`;
  return undefined;
}

/** Does ES module `code` (esbuild output) still import `specifier`? */
export function importsSpecifier(code: string, specifier: string): boolean {
  const quoted = JSON.stringify(specifier);
  return new RegExp(`\\b(?:from|import)\\s*${quoted.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}`).test(code);
}

/** Forbidden constructs in any bundle meant for XS (docs/architecture.md "Rules"). */
const FORBIDDEN_OUTPUT: readonly { readonly pattern: RegExp; readonly what: string }[] = Object.freeze([
  { pattern: /\beval\s*\(/, what: "eval(...)" },
  { pattern: /\bnew\s+Function\s*\(/, what: "new Function(...)" },
  { pattern: /(?<![\w$.])Function\s*\(\s*["'`]/, what: "Function(\"...\") constructor" },
]);

export function scanForbidden(code: string): string[] {
  const found: string[] = [];
  for (const { pattern, what } of FORBIDDEN_OUTPUT) {
    const match = pattern.exec(code);
    if (match) {
      const line = code.slice(0, match.index).split("\n").length;
      found.push(`${what} at output line ${line}`);
    }
  }
  return found;
}

export interface BundleOptions {
  readonly entry: string;
  readonly outfile: string;
  readonly defines?: Readonly<Record<string, string>>;
  readonly minify?: boolean;
  /**
   * Platforms the bundle runs on: every Moddable module it imports must be in
   * the table for each of them. Default (none named): the module must be in
   * the table for some platform (XS test bundles).
   */
  readonly platforms?: readonly ModdablePlatform[];
  /** Replace Moddable modules with these files (XS test bundles). */
  readonly moddableStubs?: Readonly<Record<string, string>>;
  /** Fail when the minified output exceeds this many bytes. */
  readonly budgetBytes?: number;
}

export interface BundleReport {
  readonly outfile: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly budgetBytes: number | undefined;
  readonly inputs: readonly { readonly path: string; readonly bytes: number }[];
}

/** Build one XS-bound bundle; rejects with GateError on any gate violation. */
export async function bundleForXs(options: BundleOptions): Promise<BundleReport> {
  const result = await esbuild.build({
    entryPoints: [options.entry],
    outfile: options.outfile,
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["import", "default"],
    minify: options.minify ?? true,
    // Methods that are private to a class are TS `private` methods named with a trailing `_` rather than
    // `#name()`: on XS every #private method costs each instance a heap slot, a prototype method costs none.
    // Minified, their names are mangled like #names would be (nothing else in the bundle ends in `_`).
    ...((options.minify ?? true) ? { mangleProps: /_$/ } : {}),
    legalComments: "none",
    charset: "utf8",
    treeShaking: true,
    metafile: true,
    write: false,
    logLevel: "silent",
    define: { ...(options.defines ?? {}) },
    plugins: [xsGatePlugin(options.moddableStubs)],
  }).catch((error: unknown) => {
    const failure = error as { errors?: { text: string; location?: { file: string; line: number } | null }[] };
    const lines = (failure.errors ?? []).map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text));
    throw new GateError(`build of ${relative(repoRoot, options.entry)} failed:\n  ${lines.join("\n  ") || String(error)}`);
  });
  const output = result.outputFiles.find((file) => file.path.endsWith(".js"));
  if (output === undefined) throw new GateError(`esbuild produced no JavaScript for ${options.entry}`);
  const outputMeta = result.metafile.outputs[relative(process.cwd(), output.path)];
  // The metafile lists every external import esbuild resolved, including ones tree-shaking dropped: keep those the output still imports.
  const linked = (outputMeta?.imports ?? [])
    .filter((entry) => entry.external && isModdableSpecifier(entry.path) && importsSpecifier(output.text, entry.path))
    .map((entry) => entry.path);
  const unavailable = linked.map((specifier) => moddableProblem(specifier, options.platforms ?? [])).filter((problem) => problem !== undefined);
  if (unavailable.length > 0) {
    throw new GateError(`${relative(repoRoot, options.entry)}: ${unavailable.join("; ")} (tools/build/moddable-modules.ts)`);
  }
  // Module-level bindings back to `const` (const-bindings.ts): no alias pointer each under preload.
  const text = constBindings(output.text).text;
  const contents = new TextEncoder().encode(text);
  const forbidden = scanForbidden(text);
  if (forbidden.length > 0) {
    throw new GateError(`${relative(repoRoot, options.entry)}: XS-incompatible construct in bundle: ${forbidden.join("; ")}`);
  }
  const bytes = contents.byteLength;
  if (options.budgetBytes !== undefined && bytes > options.budgetBytes) {
    throw new GateError(`${relative(repoRoot, options.outfile)} is ${bytes} bytes, over the ${options.budgetBytes}-byte budget`);
  }
  mkdirSync(dirname(options.outfile), { recursive: true });
  writeFileSync(options.outfile, contents);
  const inputs = Object.entries(outputMeta?.inputs ?? {})
    .map(([path, info]) => ({ path, bytes: info.bytesInOutput }))
    .sort((a, b) => b.bytes - a.bytes);
  return { outfile: options.outfile, bytes, gzipBytes: gzipSync(contents).byteLength, budgetBytes: options.budgetBytes, inputs };
}

export const DEVICE_ENTRY = join(repoRoot, "agent", "moddable", "main.ts");
export const DEVICE_OUT_DIR = join(repoRoot, "build", "device");
/** The bundle manifest.json hands to mcconfig for the ESP32 family: the default image (profile chosen at build time). */
export const DEVICE_MAIN = join(DEVICE_OUT_DIR, "main.js");

/**
 * One device image per set of platforms with the same Moddable module set
 * (moddable-modules.ts): manifest.json's entry for each platform names its
 * image in `modules` (test/gate/moddable-modules.test.ts checks that).
 * Platforms in REFUSED_PLATFORMS have no image.
 */
export interface DeviceImage {
  readonly name: string;
  readonly platforms: readonly ModdablePlatform[];
  /** The image's `main` module (manifest.json names it without ".js"). */
  readonly main: string;
}

export const DEVICE_IMAGES: readonly DeviceImage[] = Object.freeze([
  { name: "esp32", platforms: DEFAULT_IMAGE_PLATFORMS, main: DEVICE_MAIN },
  { name: "nrf52", platforms: Object.freeze(["nrf52"] as const), main: join(DEVICE_OUT_DIR, "nrf52", "main.js") },
] satisfies DeviceImage[]);

/** The image for `platform`, or undefined where Picket refuses the platform. */
export function deviceImageFor(platform: ModdablePlatform): DeviceImage | undefined {
  return DEVICE_IMAGES.find((image) => image.platforms.includes(platform));
}

export function readManifest(): unknown {
  return JSON.parse(readFileSync(join(repoRoot, "manifest.json"), "utf8"));
}
