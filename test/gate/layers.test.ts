/**
 * The layer rule (docs/architecture.md "Layers"; tools/eslint/picket-plugin.js
 * `layer-imports`): core/ imports only core/, hal/ imports no agent/,
 * host-sim/ or test/, and nothing outside test/ imports test/. Probe files
 * are written into each layer, linted, and removed.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ESLint } from "eslint";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../tools/build/targets";

const tag = `__layer_probe_${process.pid}__`;
const probes = [
  { name: "core imports agent", dir: join(repoRoot, "core", tag), file: "a.ts", source: "import { ROLE_NAMES } from '../../agent/config';\nexport const n = ROLE_NAMES.length;\n", says: /core\/ imports only core\// },
  { name: "core imports hal", dir: join(repoRoot, "core", tag), file: "b.ts", source: "import type { Clock } from '../../hal/clock';\nexport type C = Clock;\n", says: /core\/ imports only core\// },
  { name: "hal imports agent", dir: join(repoRoot, "hal", "moddable", tag), file: "a.ts", source: "import { ROLE_NAMES } from '../../../agent/config';\nexport const n = ROLE_NAMES.length;\n", says: /hal\/ imports no agent\// },
  { name: "host-sim imports test", dir: join(repoRoot, "host-sim", tag), file: "a.ts", source: "import { captureOutput } from '../../test/support/capture-output';\nexport const f = captureOutput;\n", says: /nothing outside test\/ imports test\// },
  { name: "tools imports test (dynamic)", dir: join(repoRoot, "tools", tag), file: "a.ts", source: "export async function f(): Promise<unknown> { return import('../../test/support/capture-output'); }\n", says: /nothing outside test\/ imports test\// },
] as const;
const clean = { dir: join(repoRoot, "host-sim", tag), file: "clean.ts", source: "import { ErrorCode } from '../../core/runtime/errors';\nimport { ROLE_NAMES } from '../../agent/config';\nexport const n = ErrorCode.Ok + ROLE_NAMES.length;\n" };
let eslint: ESLint;

beforeAll(() => {
  for (const p of [...probes, clean]) {
    mkdirSync(p.dir, { recursive: true });
    writeFileSync(join(p.dir, p.file), p.source);
  }
  eslint = new ESLint({ cwd: repoRoot });
});
afterAll(() => {
  for (const p of [...probes, clean]) rmSync(p.dir, { recursive: true, force: true });
});

async function layerMessages(dir: string, file: string): Promise<string[]> {
  const [result] = await eslint.lintFiles([join(dir, file)]);
  return (result?.messages ?? []).filter((m) => m.ruleId === "picket/layer-imports").map((m) => m.message);
}

describe("the layer rule", () => {
  for (const p of probes) {
    it(`refuses: ${p.name}`, async () => {
      const messages = await layerMessages(p.dir, p.file);
      expect(messages.length, JSON.stringify(messages)).toBe(1);
      expect(messages[0]).toMatch(p.says);
    });
  }

  it("accepts host-sim importing core and agent", async () => {
    expect(await layerMessages(clean.dir, clean.file)).toEqual([]);
  });
});
