/**
 * The preload emulation of picket-xs (tools/xs/host/picket_xs.c --preload)
 * behaves as Moddable's preload does (documentation/xs/preload.md in the
 * Moddable SDK), on the 32-bit host the board figures are taken on:
 * built-in prototypes and functions are frozen after the preload phase, and
 * so are class prototypes, environments and Maps (the XS linker's rules), a
 * buffer created while loading is read-only, a preloaded object written at
 * run time is copied into RAM, and each unfrozen object or non-const module
 * variable costs one alias.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../tools/build/targets";
import { runOnXs, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";

const dir = join(repoRoot, "build", "xs", "preload-emulation");
const LIB = `
export const table = { a: 1 };
export const frozen = Object.freeze({ b: 2 });
export const buffer = new Uint8Array(16);
let counter = 0;
export function bump() { counter++; return counter; }
export class Counter { constructor() { this.n = 0; } }
`;

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function run(module: string, preloaded = "preload.js"): XsRunResult {
  return runOnXs(join(dir, module), { cwd: dir, variant: "m32", preload: join(dir, preloaded) });
}

function recordOf(result: XsRunResult, kind: string): XsRecord {
  const found = result.records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record (exit ${result.status})\n${result.stderr}`);
  return found;
}

const report = (kind: string, expression: string): string => `print("@@picket " + JSON.stringify({ kind: ${JSON.stringify(kind)}, ...(${expression}) }));`;

beforeAll(() => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const lib = write("lib.js", LIB);
  write("preload.js", `import ${JSON.stringify(lib)};\n`);
  // Two preloads that differ only by one module variable's declaration.
  write("let.js", "let variable = 1;\nexport function read() { return variable; }\n");
  write("const.js", "const variable = 1;\nexport function read() { return variable; }\n");
  write("preload-let.js", `import ${JSON.stringify(join(dir, "let.js"))};\n`);
  write("preload-const.js", `import ${JSON.stringify(join(dir, "const.js"))};\n`);
  // The XS linker's freezing rules: classes with methods and closures over functions cost no alias; a plain object does.
  write("classes.js", "export class A { m() { return 1; } }\nexport class B extends A { #x = 1; n() { return this.#x; } }\nfunction helper() { return 2; }\nexport const call = () => helper();\n");
  write("object.js", "export class A { m() { return 1; } }\nexport class B extends A { #x = 1; n() { return this.#x; } }\nfunction helper() { return 2; }\nexport const call = () => helper();\nexport const plain = { a: 1 };\n");
  write("preload-classes.js", `import ${JSON.stringify(join(dir, "classes.js"))};\n`);
  write("preload-object.js", `import ${JSON.stringify(join(dir, "object.js"))};\n`);
  write("patch-prototype.js", `import { A } from ${JSON.stringify(join(dir, "classes.js"))};\nA.prototype.extra = 1;\n${report("patched", "{}")}\n`);
  write("map.js", "export const registry = new Map();\n");
  write("preload-map.js", `import ${JSON.stringify(join(dir, "map.js"))};\n`);
  write("write-map.js", `import { registry } from ${JSON.stringify(join(dir, "map.js"))};\nregistry.set(1, 2);\n${report("written", "{ size: registry.size }")}\n`);
  write("empty.js", `${report("empty", "{}")}\nprint('@@picket {"kind":"done"}');\n`);
});

describe("preload emulation (32-bit XS)", () => {
  it("runs on 16-byte slots and reports what the build machine holds", () => {
    const result = run("empty.js");
    expect(result.status).toBe(0);
    const pre = recordOf(result, "preload");
    expect(pre["slotBytes"]).toBe(16);
    expect(pre["buffers"]).toBe(1); // lib.js's Uint8Array
    expect(pre["frozenFunctions"]).toBeGreaterThan(100); // every built-in function, and lib.js's
  });

  it("a run-time patch of a built-in prototype fails the run", () => {
    write("patch.js", "Array.prototype.extra = 1;\nprint('@@picket {\"kind\":\"done\"}');\n");
    const result = run("patch.js");
    expect(result.status).not.toBe(0);
    expect(result.completed).toBe(false);
    expect(result.stderr).toMatch(/TypeError: set extra: not extensible/);
  });

  it("a preloaded function is frozen: adding a property to it fails the run", () => {
    write("patch-function.js", `import { bump } from ${JSON.stringify(join(dir, "lib.js"))};\nbump.extra = 1;\nprint('@@picket {"kind":"done"}');\n`);
    const result = run("patch-function.js");
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/TypeError: .*not extensible/);
  });

  it("a write to a buffer created at module load fails the run with 'read-only buffer'", () => {
    write("write-buffer.js", `import { buffer } from ${JSON.stringify(join(dir, "lib.js"))};\nbuffer[0] = 1;\nprint('@@picket {"kind":"done"}');\n`);
    const result = run("write-buffer.js");
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/TypeError: read-only buffer/);
  });

  it("a buffer created at run time is writable", () => {
    write("run-buffer.js", "const b = new Uint8Array(4); b[0] = 7;\nprint('@@picket ' + JSON.stringify({ kind: 'done', value: b[0] }));\n");
    const result = run("run-buffer.js");
    expect(result.status).toBe(0);
    expect(recordOf(result, "done")["value"]).toBe(7);
  });

  it("a preloaded object written at run time is copied into RAM (one alias materialised, the heap grows)", () => {
    write(
      "write-object.js",
      [
        `import { table } from ${JSON.stringify(join(dir, "lib.js"))};`,
        "const live = (m) => m.slots * m.slotBytes + m.chunkBytes;",
        "gc(); const before = memory();",
        "table.a = 2;",
        "gc(); const after = memory();",
        report("write", "{ aliasedBefore: before.aliased, aliasedAfter: after.aliased, grewBytes: live(after) - live(before), value: table.a }"),
        "print('@@picket {\"kind\":\"done\"}');",
      ].join("\n"),
    );
    const result = run("write-object.js");
    expect(result.status).toBe(0);
    const w = recordOf(result, "write");
    expect(w["value"]).toBe(2);
    expect(w["aliasedBefore"]).toBe(0);
    expect(w["aliasedAfter"]).toBe(1);
    expect(w["grewBytes"]).toBeGreaterThanOrEqual(2 * 16); // the instance and its property, at least
  });

  it("a frozen preloaded object stays in flash: writing it throws and nothing is copied", () => {
    write(
      "write-frozen.js",
      [
        `import { frozen } from ${JSON.stringify(join(dir, "lib.js"))};`,
        "let threw = false;",
        "try { frozen.b = 3; } catch { threw = true; }",
        report("frozen", "{ threw, aliased: memory().aliased, value: frozen.b }"),
        "print('@@picket {\"kind\":\"done\"}');",
      ].join("\n"),
    );
    const result = run("write-frozen.js");
    const f = recordOf(result, "frozen");
    expect(f).toMatchObject({ threw: true, aliased: 0, value: 2 });
  });

  it("a non-const module variable costs one alias more than a const one", () => {
    const withLet = recordOf(run("empty.js", "preload-let.js"), "preload")["aliases"] as number;
    const withConst = recordOf(run("empty.js", "preload-const.js"), "preload")["aliases"] as number;
    expect(withLet - withConst).toBe(1);
  });

  it("applies the XS linker's freezing rules: class prototypes, environments and closures over functions cost no alias, a plain object costs one", () => {
    const classes = recordOf(run("empty.js", "preload-classes.js"), "preload");
    const withObject = recordOf(run("empty.js", "preload-object.js"), "preload");
    const empty = recordOf(run("empty.js", "preload.js"), "preload");
    expect(classes["linkerFrozen"] as number).toBeGreaterThan(0);
    expect((withObject["aliases"] as number) - (classes["aliases"] as number)).toBe(1);
    // lib.js of the default preload has one plain object and one let variable more than nothing; classes.js adds none.
    const baseline = recordOf(run("empty.js", "preload-map.js"), "preload")["aliases"] as number;
    expect(classes["aliases"]).toBe(baseline);
    expect(empty["aliases"] as number).toBe(baseline + 2);
  });

  it("a class prototype is frozen by the link: patching it at run time fails the run", () => {
    const result = run("patch-prototype.js", "preload-classes.js");
    expect(result.records.some((r) => r.kind === "patched")).toBe(false);
    expect(result.stderr + result.output.join("\n")).toMatch(/TypeError/);
  });

  it("a Map created at module load is frozen by the link: adding an entry at run time fails the run", () => {
    const result = run("write-map.js", "preload-map.js");
    expect(result.records.some((r) => r.kind === "written")).toBe(false);
  });
});

describe("manifest.json", () => {
  it("preloads main, and with it every module of the image", async () => {
    const { readFileSync } = await import("node:fs");
    const manifest = JSON.parse(readFileSync(join(repoRoot, "manifest.json"), "utf8")) as { preload?: unknown };
    expect(manifest.preload).toEqual(["main"]);
  });
});
