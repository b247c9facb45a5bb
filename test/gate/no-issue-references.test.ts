/**
 * Comments speak of the code, the standards and the README, never of issue
 * numbers, which mean nothing to a reader of the repository: no "issue 6 §1"
 * in any source, test, tool or document the project ships. Nor do they
 * point outside the repository for the design: docs/architecture.md is the
 * project's own account, so no file names a design document it does not ship.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../../tools/build/targets";

const ROOTS = ["core", "hal", "agent", "host-sim", "tools", "test", "docs", "boards", "sites", "bin"];
const EXTENSIONS = [".ts", ".mts", ".mjs", ".js", ".c", ".h", ".md", ".json", ".csv"];
const SKIP = new Set(["node_modules", "build", ".cache", "results.json", "results.latest.json"]);

function files(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIP.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) files(path, out);
    else if (EXTENSIONS.some((ext) => name.endsWith(ext))) out.push(path);
  }
}

describe("no issue numbers in the repository", () => {
  it("no source, test, tool or document cites an issue by number", () => {
    const all: string[] = [join(repoRoot, "README.md"), join(repoRoot, "manifest.json")];
    for (const root of ROOTS) files(join(repoRoot, root), all);
    expect(all.length).toBeGreaterThan(300);
    const pattern = /\bissue #?\d+/i; // "issues 0, 1, 2" (the verb) is fine
    const hits: string[] = [];
    for (const path of all) {
      if (path.endsWith("no-issue-references.test.ts")) continue;
      const lines = readFileSync(path, "utf8").split("\n");
      lines.forEach((line, i) => {
        if (pattern.test(line)) hits.push(`${relative(repoRoot, path)}:${i + 1}: ${line.trim()}`);
      });
    }
    expect(hits).toEqual([]);
  });

  it("no file cites a design document outside the repository (ARCHITECTURE.md, STYLE.md, ../shared)", () => {
    const all: string[] = [join(repoRoot, "README.md"), join(repoRoot, "manifest.json")];
    for (const root of ROOTS) files(join(repoRoot, root), all);
    const pattern = /\bARCHITECTURE\.md\b|\bSTYLE\.md\b|\.\.\/shared\b/;
    const hits: string[] = [];
    for (const path of all) {
      if (path.endsWith("no-issue-references.test.ts")) continue;
      readFileSync(path, "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (pattern.test(line)) hits.push(`${relative(repoRoot, path)}:${i + 1}: ${line.trim()}`);
        });
    }
    expect(hits).toEqual([]);
  });
});
