/**
 * The gate itself: every forbidden construct in device code fails
 * `npm run lint` (ESLint part) with its specific rule, and a Node import or
 * eval in a device bundle fails `npm run build`. Probe files are written
 * into core/ (so the device tsconfig and rules apply) and removed after.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleForXs, GateError, importsSpecifier, repoRoot, scanForbidden } from "../../tools/build/targets";

const probeDir = join(repoRoot, "core", `__gate_probe_${process.pid}__`);
/** A probe beside the console sink (hal/moddable/console.ts): `trace` stays forbidden there too. */
const moddableProbeDir = join(repoRoot, "hal", "moddable", `__gate_probe_${process.pid}__`);
const TRACE_SOURCE = "export function f(): void { trace('x'); }\n";
let eslint: ESLint;

const CLEAN_SOURCE =
  "export const LIMITS = Object.freeze({ a: 1, b: 2 });\nexport const NAMES: readonly string[] = Object.freeze(['x']);\nexport function f(x: number): number { return (x | 0) + LIMITS.a + NAMES.length; }\n";

// Every probe is written before the first lint: under CI=true typescript-eslint
// runs in single-run mode and builds its program once, so a file created after
// that would be "not found in any project".
beforeAll(() => {
  mkdirSync(probeDir, { recursive: true });
  for (const c of cases) writeFileSync(join(probeDir, `${c.name}.ts`), c.source);
  writeFileSync(join(probeDir, "clean.ts"), CLEAN_SOURCE);
  mkdirSync(moddableProbeDir, { recursive: true });
  writeFileSync(join(moddableProbeDir, "trace.ts"), TRACE_SOURCE);
  eslint = new ESLint({ cwd: repoRoot });
});
afterAll(() => {
  rmSync(probeDir, { recursive: true, force: true });
  rmSync(moddableProbeDir, { recursive: true, force: true });
});

async function lintProbe(name: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintFiles([join(probeDir, `${name}.ts`)]);
  return (result?.messages ?? []).map((m) => ({ ruleId: m.ruleId, message: m.message }));
}

const cases: readonly { name: string; source: string; rule: string; says: RegExp }[] = [
  { name: "throw", source: "export function f(): void { throw new Error('x'); }\n", rule: "no-restricted-syntax", says: /No panics/ },
  { name: "try", source: "export function f(g: () => void): number { try { g(); return 0; } catch { return 1; } }\n", rule: "no-restricted-syntax", says: /may catch exceptions/ },
  { name: "nonnull", source: "export function f(x: number[] | undefined): number { return x!.length; }\n", rule: "@typescript-eslint/no-non-null-assertion", says: /non-null/ },
  { name: "any", source: "export function f(x: any): number { return Number(x); }\n", rule: "@typescript-eslint/no-explicit-any", says: /any/ },
  { name: "floating", source: "async function g(): Promise<void> {}\nexport function f(): void { g(); }\n", rule: "@typescript-eslint/no-floating-promises", says: /Promises must be awaited/ },
  { name: "random", source: "export function f(): number { return Math.random(); }\n", rule: "no-restricted-syntax", says: /Entropy/ },
  { name: "datenow", source: "export function f(): number { return Date.now(); }\n", rule: "no-restricted-syntax", says: /Clock/ },
  { name: "newdate", source: "export function f(): number { return new Date().getTime(); }\n", rule: "no-restricted-syntax", says: /Clock/ },
  { name: "console", source: "export function f(): void { console.log('x'); }\n", rule: "no-console", says: /console/ },
  { name: "print", source: "export function f(): void { print('x'); }\n", rule: "no-restricted-globals", says: /log ring/ },
  { name: "trace", source: TRACE_SOURCE, rule: "no-restricted-globals", says: /log ring/ },
  { name: "nodeimport", source: "import { readFileSync } from 'node:fs';\nexport const n = readFileSync.length;\n", rule: "no-restricted-imports", says: /XS-clean/ },
  { name: "bareimport", source: "import { join } from 'path';\nexport const n = join.length;\n", rule: "no-restricted-imports", says: /XS-clean/ },
  { name: "toplet", source: "let count = 0;\nexport function f(): number { return ++count; }\n", rule: "picket/no-top-level-mutable-state", says: /mutable state/ },
  { name: "topmap", source: "export const table = new Map<number, number>();\n", rule: "picket/no-top-level-mutable-state", says: /mutable object/ },
  { name: "toparray", source: "export const list: number[] = [];\n", rule: "picket/no-top-level-mutable-state", says: /mutable array/ },
  { name: "eval", source: "export function f(s: string): unknown { return eval(s); }\n", rule: "no-eval", says: /eval/ },
  { name: "newfunc", source: "export const f = new Function('return 1');\n", rule: "no-new-func", says: /Function/ },
  { name: "privatefield", source: "export class C {\n  #x = 1;\n  get value(): number { return this.#x; }\n}\n", rule: "no-restricted-syntax", says: /private record/ },
  { name: "privatemethod", source: "export class C {\n  x = 1;\n  #twice(): number { return 2 * this.x; }\n  get value(): number { return this.#twice(); }\n}\n", rule: "no-restricted-syntax", says: /#private method/ },
];

describe("lint gate on device code", () => {
  for (const c of cases) {
    it(`rejects ${c.name} with ${c.rule}`, async () => {
      const messages = await lintProbe(c.name);
      const hit = messages.find((m) => m.ruleId === c.rule);
      expect(hit, JSON.stringify(messages)).toBeDefined();
      expect(hit?.message).toMatch(c.says);
    });
  }

  it("accepts frozen module-level tables and clean code", async () => {
    const messages = await lintProbe("clean");
    expect(messages).toEqual([]);
  });

  it("allows Moddable's trace only in the console sink, hal/moddable/console.ts, and nowhere else in hal/moddable", async () => {
    const [sink] = await eslint.lintFiles([join(repoRoot, "hal/moddable/console.ts")]);
    expect(sink?.messages ?? []).toEqual([]);
    expect(readFileSync(join(repoRoot, "hal/moddable/console.ts"), "utf8")).toMatch(/\btrace\(/);
    const [beside] = await eslint.lintFiles([join(moddableProbeDir, "trace.ts")]);
    const hit = (beside?.messages ?? []).find((m) => m.ruleId === "no-restricted-globals");
    expect(hit?.message, JSON.stringify(beside?.messages)).toMatch(/'trace'.*log ring/);
  });

  it("allows try only in the one documented guard", async () => {
    const messages = await eslint.lintFiles([join(repoRoot, "core/runtime/guard.ts")]);
    expect(messages[0]?.messages ?? []).toEqual([]);
  });
});

describe("build gate on device bundles", () => {
  const dir = join(tmpdir(), `picket-gate-${process.pid}`);
  beforeAll(() => mkdirSync(dir, { recursive: true }));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("fails the build on a Node built-in import, naming the module and importer", async () => {
    const entry = join(dir, "node-import.ts");
    writeFileSync(entry, "import { readFileSync } from 'node:fs';\nexport default readFileSync.length;\n");
    const build = bundleForXs({ entry, outfile: join(dir, "out1.js") });
    await expect(build).rejects.toBeInstanceOf(GateError);
    await expect(build).rejects.toThrow(/Node built-in "node:fs" imported from/);
  });

  it("fails the build on a bare Node built-in name too", async () => {
    const entry = join(dir, "bare-import.ts");
    writeFileSync(entry, "import { EventEmitter } from 'events';\nexport default EventEmitter.length;\n");
    await expect(bundleForXs({ entry, outfile: join(dir, "out2.js") })).rejects.toThrow(/Node built-in "events"/);
  });

  it("fails the build when the output contains eval or the Function constructor", async () => {
    const entry = join(dir, "eval.ts");
    writeFileSync(entry, "export default function f(s: string): unknown { return eval(s); }\n");
    await expect(bundleForXs({ entry, outfile: join(dir, "out3.js"), minify: false })).rejects.toThrow(/XS-incompatible construct in bundle: eval/);
    const entry2 = join(dir, "newfunc.ts");
    writeFileSync(entry2, "export default new Function('return 1');\n");
    await expect(bundleForXs({ entry: entry2, outfile: join(dir, "out4.js"), minify: false })).rejects.toThrow(/new Function/);
  });

  it("fails the build over the size budget and passes under it", async () => {
    const entry = join(dir, "big.ts");
    writeFileSync(entry, `export default ${JSON.stringify("x".repeat(4000))};\n`);
    await expect(bundleForXs({ entry, outfile: join(dir, "out5.js"), budgetBytes: 1000 })).rejects.toThrow(/over the 1000-byte budget/);
    const report = await bundleForXs({ entry, outfile: join(dir, "out6.js"), budgetBytes: 10_000 });
    expect(report.bytes).toBeGreaterThan(4000);
  });

  it("keeps Moddable modules external instead of failing", async () => {
    const entry = join(dir, "moddable.ts");
    writeFileSync(entry, "import Timer from 'timer';\nimport device from 'embedded:provider/builtin';\nexport default [Timer, device];\n");
    const report = await bundleForXs({ entry, outfile: join(dir, "out7.js"), minify: false });
    expect(importsSpecifier(readFileSync(report.outfile, "utf8"), "embedded:provider/builtin")).toBe(true);
  });

  it("scanForbidden finds nothing in ordinary identifiers", () => {
    expect(scanForbidden("const evaluate = 1; obj.eval = 2; myFunction(3);")).toEqual([]);
  });
});
