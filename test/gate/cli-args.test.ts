/**
 * One strict command-line parser (host-sim/cli/args.ts) for every `picket`
 * subcommand, `npm run bench` and `npm run fuzz`: an unknown option or a
 * typo is a usage error (exit 2) that names it and suggests the nearest
 * option, and nothing runs.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { captureOutput } from "../support/capture-output";
import { parseStrict, suggestCommand, suggestOption } from "../../host-sim/cli/args";
import { main } from "../../host-sim/cli/main";
import { repoRoot } from "../../tools/build/targets";

async function picket(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const run = await captureOutput(() => main(args));
  return { status: run.code, out: run.stdout, err: run.stderr };
}

describe("the strict parser", () => {
  it("suggests the nearest option for a typo, and nothing for an unrelated word", () => {
    expect(suggestOption("--rnus", ["runs", "target", "seed"])).toBe("--runs");
    expect(suggestOption("--sed", ["runs", "target", "seed"])).toBe("--seed");
    expect(suggestOption("--otu", ["alg", "out", "force"])).toBe("--out");
    expect(suggestOption("--durration=5m", ["duration", "seed"])).toBe("--duration");
    expect(suggestOption("--banana", ["runs", "target", "seed"])).toBeUndefined();
    expect(suggestCommand("sitee", ["site", "sim", "keygen"])).toBe("site");
    expect(suggestCommand("frobnicate", ["site", "sim", "keygen"])).toBeUndefined();
  });

  it("names a missing value, a value given to a switch and a stray argument", () => {
    const options = { seed: { type: "string" }, json: { type: "boolean" } } as const;
    expect(parseStrict(["--seed"], options)).toEqual({ ok: false, message: "--seed needs a value" });
    expect(parseStrict(["--seed", "--json"], options)).toEqual({ ok: false, message: "--seed needs a value" });
    expect(parseStrict(["--json=yes"], options)).toEqual({ ok: false, message: "--json takes no value" });
    expect(parseStrict(["extra"], options)).toEqual({ ok: false, message: "unexpected argument extra" });
    const good = parseStrict(["--seed=4", "--json"], options);
    expect(good.ok && good.parsed.values).toEqual({ seed: "4", json: true });
  });
});

describe("picket subcommands refuse unknown options with exit 2 and a suggestion", () => {
  const cases: readonly (readonly [readonly string[], string])[] = [
    [["keygen", "--alg", "ml-dsa-44", "--otu", "x.key"], "unknown option --otu (did you mean --out?)"],
    [["sim", "--sed", "4"], "unknown option --sed (did you mean --seed?)"],
    [["site", "--durration", "5m"], "unknown option --durration (did you mean --duration?)"],
    [["provision", "--node", "3"], "unknown option --node"],
    [["inspect", "x", "--shw-secrets"], "unknown option --shw-secrets (did you mean --show-secrets?)"],
  ];
  for (const [args, message] of cases) {
    it(args.join(" "), async () => {
      const run = await picket(...args);
      expect(run.status).toBe(2);
      expect(run.err).toContain(message);
      expect(run.out).toBe("");
    });
  }

  it("an unknown subcommand suggests the nearest one", async () => {
    const run = await picket("sitee");
    expect(run.status).toBe(2);
    expect(run.err).toContain('unknown command "sitee" (did you mean "site"?)');
  });
});

describe("npm run fuzz and npm run bench", () => {
  const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
  it("fuzz: --rnus 10 is a usage error, not a 10-million-input run", () => {
    const run = spawnSync(tsx, ["test/fuzz/run.ts", "--rnus", "10"], { cwd: repoRoot, encoding: "utf8" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("fuzz: unknown option --rnus (did you mean --runs?)");
    expect(run.stdout).not.toContain("inputs");
  });

  it("bench: an unknown option and --update-readme with --quick are refused before anything runs", () => {
    const unknown = spawnSync(tsx, ["test/bench/run.ts", "--quik"], { cwd: repoRoot, encoding: "utf8" });
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("bench: unknown option --quik (did you mean --quick?)");
    expect(unknown.stderr).not.toContain("building");
    const partial = spawnSync(tsx, ["test/bench/run.ts", "--quick", "--update-readme"], { cwd: repoRoot, encoding: "utf8" });
    expect(partial.status).toBe(2);
    expect(partial.stderr).toContain("--update-readme needs a full run");
  });
});

describe("every subcommand goes through the strict parser", () => {
  const cases: readonly (readonly [readonly string[], string])[] = [
    [["build", "--profil", "sensor"], "unknown option --profil (did you mean --profile?)"],
    [["xs", "--bogus"], "unknown option --bogus"],
    [["xs", "a.js", "b.js"], "needs exactly one bundle path"],
    [["demo", "--agent", "3"], "unknown option --agent (did you mean --agents?)"],
    [["demo", "--agents", "0"], "--agents must be an integer 1..256"],
    [["merkle", "root", "--otu", "x"], "unknown option --otu"],
    [["cert", "issue", "--node-idd", "3"], "unknown option --node-idd (did you mean --node-id?)"],
  ];
  for (const [args, message] of cases) {
    it(args.join(" "), async () => {
      const run = await picket(...args);
      expect(run.status).toBe(2);
      expect(run.err).toContain(message);
    });
  }
});

describe("a missing file or folder is one line naming it", () => {
  const missing = join(repoRoot, "build", "no-such-dir", "nothing");
  const cases: readonly (readonly string[])[] = [
    ["merkle", "root", missing],
    ["inspect", missing],
    ["site", "--site", missing],
    ["sim", "--scenario", missing],
    ["keygen", "--alg", "ml-dsa-44", "--out", missing],
    ["cert", "verify", "--cert", missing, "--authority", missing, "--epoch", "1"],
  ];
  for (const args of cases) {
    it(args.slice(0, 2).join(" "), async () => {
      const run = await picket(...args);
      expect(run.status).toBeGreaterThan(0);
      expect(run.err).toContain(missing);
      expect(run.err).not.toMatch(/\n\s+at /); // no stack frame
    });
  }
});
