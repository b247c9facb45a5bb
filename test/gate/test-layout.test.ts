/**
 * Tests are findable by module (test/README.md "Layout"): every `*.test.ts`
 * sits in the home of what it tests, and a test filed under a module imports
 * that module (itself or through the test helpers it imports).
 *
 *  - `test/core/<module>/` for core/<module>/; `test/agent/`, `test/hal/`,
 *    `test/host-sim/<folder>/` and `test/tools/` mirror their source folders
 *    (one level of sub-folder, which must exist in the source tree);
 *  - cross-module suites: `test/sim/` (seed suites, site sweeps), `test/gate/`,
 *    `test/fuzz/`, and `test/xs/` (the XS-engine runs, each listed in
 *    test/README.md's table with the modules it covers);
 *  - property tests end in `.property.test.ts` and sit beside the unit tests
 *    of their module.
 * The rules are a pure function of the file list, so the test also feeds it
 * misplaced files and checks that each is refused. Stryker's test set
 * (vitest.mutate.config.ts) is held to files that exist: a stale path there
 * would shrink it silently.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../tools/build/targets";

/** Folders whose tests span modules; flat, no module to import. */
const CROSS_MODULE_HOMES = ["test/sim", "test/gate", "test/fuzz", "test/xs"] as const;
/** Source roots a test home mirrors, and how deep the mirror may go (0: the root itself only). */
const MIRRORED = [
  { root: "core", subfolderRequired: true },
  { root: "agent", subfolderRequired: false },
  { root: "hal", subfolderRequired: false },
  { root: "host-sim", subfolderRequired: true },
  { root: "tools", subfolderRequired: false },
] as const;

interface Tree {
  /** Is `path` (repository-relative, "/" separated) a directory of the source tree? */
  isSourceDir(path: string): boolean;
  /** Repository-relative paths of the files `file` imports with a relative specifier. */
  importsOf(file: string): readonly string[];
}

/** The folder of source code a test at `file` must import, or a problem saying why the place is wrong. */
function homeOf(file: string, tree: Tree): { module: string | null } | { problem: string } {
  const parts = file.split("/");
  const name = parts[parts.length - 1] ?? "";
  if (parts[0] !== "test" || parts.length < 3) return { problem: "not under test/" };
  const folder = parts.slice(0, -1).join("/");
  if (name.endsWith(".xs.test.ts")) return { problem: "XS-engine tests live in test/xs/ (test/README.md table)" };
  if ((CROSS_MODULE_HOMES as readonly string[]).includes(folder)) {
    if (name.endsWith(".property.test.ts")) return { problem: "a property test sits beside its module's unit tests" };
    return { module: null };
  }
  const mirror = MIRRORED.find((m) => parts[1] === m.root);
  if (mirror === undefined) return { problem: `test/${parts[1] ?? ""}/ is not a test home (test/README.md "Layout")` };
  const sub = parts.slice(2, -1);
  if (sub.length > 1) return { problem: "one level of sub-folder at most" };
  if (mirror.subfolderRequired && sub.length === 0) return { problem: `tests of ${mirror.root}/ go in test/${mirror.root}/<folder>/` };
  const source = [mirror.root, ...sub].join("/");
  if (!tree.isSourceDir(source)) return { problem: `${source}/ does not exist` };
  return { module: source };
}

/** Files reachable from `file` through relative imports that stay inside test/. */
function reachable(file: string, tree: Tree): Set<string> {
  const seen = new Set<string>([file]);
  const todo = [file];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    for (const target of tree.importsOf(next)) {
      if (seen.has(target)) continue;
      seen.add(target);
      if (target.startsWith("test/")) todo.push(target);
    }
  }
  return seen;
}

/** Every problem with where the tests in `testFiles` sit (empty: all in place). */
export function layoutProblems(testFiles: readonly string[], tree: Tree): string[] {
  const problems: string[] = [];
  for (const file of testFiles) {
    const home = homeOf(file, tree);
    if ("problem" in home) {
      problems.push(`${file}: ${home.problem}`);
      continue;
    }
    if (home.module === null) continue;
    const prefix = `${home.module}/`;
    const imported = [...reachable(file, tree)].some((f) => f.startsWith(prefix));
    if (!imported) problems.push(`${file}: imports nothing from ${prefix}`);
  }
  return problems;
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|vi\.mock\(\s*)["'](\.\.?\/[^"']+)["']/g;
const EXTENSIONS = ["", ".ts", "/index.ts", ".mts"];

function repoTree(): Tree {
  return {
    isSourceDir: (path) => existsSync(join(repoRoot, path)) && statSync(join(repoRoot, path)).isDirectory(),
    importsOf(file) {
      const out: string[] = [];
      const source = readFileSync(join(repoRoot, file), "utf8");
      for (const match of source.matchAll(SPECIFIER)) {
        const base = resolve(repoRoot, dirname(file), match[1] ?? "");
        const found = EXTENSIONS.map((ext) => base + ext).find((p) => existsSync(p) && statSync(p).isFile());
        if (found !== undefined) out.push(relative(repoRoot, found).split("\\").join("/"));
      }
      return out;
    },
  };
}

function testFilesUnder(dir: string, out: string[]): string[] {
  for (const name of readdirSync(join(repoRoot, dir))) {
    const path = `${dir}/${name}`;
    if (statSync(join(repoRoot, path)).isDirectory()) {
      if (path !== "test/gate/fixtures") testFilesUnder(path, out);
    } else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

/** The test/xs files named in test/README.md's table of XS-engine tests. */
function xsTableRows(): string[] {
  const readme = readFileSync(join(repoRoot, "test", "README.md"), "utf8");
  return [...readme.matchAll(/^\| `(test\/xs\/[^`]+\.test\.ts)` \|/gm)].map((m) => m[1] ?? "");
}

describe("tests are findable by module", () => {
  const tree = repoTree();
  const all = testFilesUnder("test", []);

  it("every test file sits in its module's home and imports that module", () => {
    expect(all.length).toBeGreaterThan(100); // the walk found the suite, not an empty folder
    expect(layoutProblems(all, tree)).toEqual([]);
  });

  it("refuses a misplaced test: an old flat folder, a wrong module, a missing source folder, a stray property or XS test", () => {
    const meshTest = "test/core/mesh/config-compact.test.ts"; // imports core/mesh only
    const fake = (path: string, importsFrom: string): Tree => ({
      isSourceDir: tree.isSourceDir,
      importsOf: (file) => (file === path ? tree.importsOf(importsFrom) : tree.importsOf(file)),
    });
    const cases: { path: string; says: RegExp }[] = [
      { path: "test/unit/mesh-frame.test.ts", says: /test\/unit\/ is not a test home/ },
      { path: "test/core/crypto/frame.test.ts", says: /imports nothing from core\/crypto\// },
      { path: "test/core/frame.test.ts", says: /test\/core\/<folder>\// },
      { path: "test/core/radio/frame.test.ts", says: /core\/radio\/ does not exist/ },
      { path: "test/core/mesh/deep/frame.test.ts", says: /one level of sub-folder/ },
      { path: "test/sim/frame.property.test.ts", says: /beside its module/ },
      { path: "test/core/mesh/frame.xs.test.ts", says: /test\/xs\// },
    ];
    for (const c of cases) expect(layoutProblems([c.path], fake(c.path, meshTest)), c.path).toEqual([expect.stringMatching(c.says)]);
    expect(layoutProblems([meshTest], tree)).toEqual([]);
  });

  it("test/README.md maps every XS-engine test to the modules it covers, and names no missing file", () => {
    const rows = xsTableRows();
    const xs = all.filter((f) => f.startsWith("test/xs/"));
    expect(xs.length).toBeGreaterThan(0);
    expect([...rows].sort()).toEqual([...xs].sort());
  });

  it("the mutation-testing set (vitest.mutate.config.ts, Stryker's tests) names only test files that exist", () => {
    const config = readFileSync(join(repoRoot, "vitest.mutate.config.ts"), "utf8");
    const named = [...config.matchAll(/"(test\/[^"]+\.test\.ts)"/g)].map((m) => m[1] ?? "");
    expect(named.length).toBeGreaterThan(10); // the list was read, not missed
    expect(named.filter((f) => !all.includes(f))).toEqual([]);
  });
});
