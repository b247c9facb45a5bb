/**
 * Run a bundle on the real XS engine (picket-xs) and collect its records.
 *
 * Bundles talk back through `print`: every line that starts with RECORD_PREFIX
 * is a JSON record; other lines are passed through as plain output. A run is
 * complete only if the bundle printed a `{"kind":"done"}` record: XS can end
 * a failed module evaluation quietly, so the exit status alone is not trusted.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { buildXs, ensure32BitToolchain, xsBinaryPath, type XsVariant } from "./build-xs.mjs";

export const RECORD_PREFIX = "@@picket ";

export interface XsRecord {
  readonly kind: string;
  readonly [key: string]: unknown;
}

export interface XsRunOptions {
  /** Abort past this many computrons (default: 20 billion). */
  readonly limitComputrons?: number;
  readonly heapSlots?: number;
  readonly chunkBytes?: number;
  readonly fixedHeap?: boolean;
  /** Build picket-xs first if it is missing (default true). */
  readonly build?: boolean;
  /**
   * Working directory. XS resolves a bare module specifier ("timer") as a path
   * relative to it, so a folder of stand-in modules can serve an unmodified
   * device bundle.
   */
  readonly cwd?: string;
  /** "m32": the 32-bit host (16-byte slots, as on a microcontroller). Default native. */
  readonly variant?: XsVariant;
  /**
   * Preload emulation (picket-xs --preload): this module, which imports every
   * module of the image, runs in a build machine that is then frozen and
   * shared as XS's linker does; the bundle runs in a clone of it.
   */
  readonly preload?: string;
  /** The clone's creation values (only with `preload`). */
  readonly creation?: XsCreation;
}

/** A Moddable manifest's `creation` values, as picket-xs --creation takes them. */
export interface XsCreation {
  readonly chunkInitialBytes: number;
  readonly chunkIncrementalBytes: number;
  readonly heapInitialSlots: number;
  readonly heapIncrementalSlots: number;
  readonly stackSlots: number;
  readonly keysInitial: number;
}

export interface XsRunResult {
  readonly status: number;
  readonly records: readonly XsRecord[];
  readonly output: readonly string[];
  readonly stderr: string;
  readonly completed: boolean;
}

export function xsBinary(build = true, variant: XsVariant = "native"): string {
  const path = xsBinaryPath(variant);
  if (existsSync(path)) return path;
  if (!build) throw new Error(`picket-xs is not built (${path}); run: node tools/xs/build-xs.mjs`);
  return buildXs({ variant });
}

let runPrefix32: readonly string[] | undefined;

/** The command line that runs picket-xs of this variant (the 32-bit one may need qemu-i386-static). */
function xsCommand(build: boolean, variant: XsVariant): readonly string[] {
  const binary = xsBinary(build, variant);
  if (variant === "native") return [binary];
  runPrefix32 ??= ensure32BitToolchain();
  return [...runPrefix32, binary];
}

export function runOnXs(bundlePath: string, options: XsRunOptions = {}): XsRunResult {
  const args: string[] = ["--limit", String(options.limitComputrons ?? 20_000_000_000)];
  if (options.heapSlots !== undefined) args.push("--heap-slots", String(options.heapSlots));
  if (options.chunkBytes !== undefined) args.push("--chunk-bytes", String(options.chunkBytes));
  if (options.fixedHeap === true) args.push("--fixed-heap");
  if (options.preload !== undefined) args.push("--preload", options.preload);
  if (options.creation !== undefined) {
    const c = options.creation;
    args.push("--creation", [c.chunkInitialBytes, c.chunkIncrementalBytes, c.heapInitialSlots, c.heapIncrementalSlots, c.stackSlots, c.keysInitial].join(","));
  }
  args.push(bundlePath);
  const [command, ...prefix] = xsCommand(options.build ?? true, options.variant ?? "native");
  if (command === undefined) throw new Error("no picket-xs command");
  const run = spawnSync(command, [...prefix, ...args], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const records: XsRecord[] = [];
  const output: string[] = [];
  for (const line of (run.stdout ?? "").split("\n")) {
    if (line.startsWith(RECORD_PREFIX)) {
      records.push(JSON.parse(line.slice(RECORD_PREFIX.length)) as XsRecord);
    } else if (line.length > 0) {
      output.push(line);
    }
  }
  const completed = records.some((record) => record.kind === "done");
  return { status: run.status ?? -1, records, output, stderr: run.stderr ?? "", completed };
}

/** Throw with everything XS said if the run did not complete cleanly. */
export function expectCompleted(result: XsRunResult, what: string): void {
  if (result.status !== 0 || !result.completed) {
    throw new Error(
      `${what} did not complete on XS (exit ${result.status}, done record ${result.completed ? "present" : "missing"})\n` +
        `stderr:\n${result.stderr}\noutput:\n${result.output.join("\n")}`,
    );
  }
}
