/**
 * `picket provision`: the partition image it writes is one a board boots
 * from (the store mounts, the record keys a working mesh transport), the
 * secret files are private, and every bad input is refused with its own
 * message and exit status, leaving existing files untouched.
 */
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { captureOutput } from "../support/capture-output";
import { validateSiteConfig } from "../../agent/config";
import { AgentStore } from "../../agent/persistence";
import { buildRadioMesh } from "../../agent/radio-mesh";
import { main } from "../../host-sim/cli/main";
import { SimFlash } from "../../hal/sim/flash";
import { LoopbackRadio } from "../mesh/fixtures";
import { testConfigJson, unwrap } from "./helpers";

const capture = captureOutput;

const COMMITMENT = "7e".repeat(32);

function workspace(): { dir: string; config: string; raw: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), "picket-provision-"));
  const raw = testConfigJson({ nodeId: 5, gateways: [1, 2], keys: { authorityCommitment: COMMITMENT, keyEpoch: 4 } });
  const config = join(dir, "board.json");
  writeFileSync(config, JSON.stringify(raw));
  return { dir, config, raw };
}

describe("picket provision", () => {
  it("writes a private partition image the board boots its mesh from", async () => {
    const { dir, config, raw } = workspace();
    const secret = join(dir, "site.secret");
    const image = join(dir, "board-5.bin");
    const run = await capture(() =>
      main(["provision", "--config", config, "--group-secret", secret, "--new-group-secret", "--site-size", "9", "--partition-bytes", "16384", "--block-bytes", "2048", "--out", image]),
    );
    expect(run.stderr).toContain("created group secret");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("senders 1..9");
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(statSync(image).mode & 0o777).toBe(0o600);
    const bytes = new Uint8Array(readFileSync(image));
    expect(bytes.length).toBe(16384);
    const flash = unwrap(SimFlash.create({ blockSizeBytes: 2048, blockCount: 8 }));
    flash.load(bytes);
    const site = validateSiteConfig(raw);
    if (!site.ok) throw new Error("config");
    const built = buildRadioMesh({ config: site.config, store: AgentStore.open(flash, 4), radio: new LoopbackRadio(5), randomSeed: 1 });
    expect(built.ok ? built.senderIdMax : built.problems).toBe(9);
  });

  it("refuses bad inputs with specific messages and leaves existing files alone", async () => {
    const { dir, config } = workspace();
    const secret = join(dir, "site.secret");
    writeFileSync(secret, "ab".repeat(32));
    const image = join(dir, "taken.bin");
    writeFileSync(image, "keep");
    const noKeys = join(dir, "nokeys.json");
    writeFileSync(noKeys, JSON.stringify(testConfigJson()));
    const shortSecret = join(dir, "short.secret");
    writeFileSync(shortSecret, "ab".repeat(16));
    const cases: readonly (readonly [readonly string[], number, string])[] = [
      [["--group-secret", secret, "--site-size", "9", "--out", join(dir, "a.bin")], 2, "--config is required"],
      [["--config", config, "--group-secret", secret, "--site-size", "4", "--out", join(dir, "b.bin")], 2, "--site-size 4 is below node 5"],
      [["--config", config, "--group-secret", secret, "--site-size", "9", "--out", image], 2, "exists (use --force"],
      [["--config", config, "--group-secret", secret, "--new-group-secret", "--site-size", "9", "--out", join(dir, "c.bin")], 2, "never overwrites"],
      [["--config", noKeys, "--group-secret", secret, "--site-size", "9", "--out", join(dir, "d.bin")], 1, "keys: the configuration names no authority"],
      [["--config", config, "--group-secret", shortSecret, "--site-size", "9", "--out", join(dir, "e.bin")], 1, "a group secret is 32 bytes (got 16)"],
      [["--config", config, "--group-secret", secret, "--site-size", "9", "--partition-bytes", "10000", "--out", join(dir, "f.bin")], 2, "multiple of --block-bytes"],
    ];
    for (const [args, code, message] of cases) {
      const run = await capture(() => main(["provision", ...args]));
      expect(run.stderr, args.join(" ")).toContain(message);
      expect(run.code, args.join(" ")).toBe(code);
    }
    expect(readFileSync(image, "utf8")).toBe("keep");
    expect(readFileSync(secret, "utf8")).toBe("ab".repeat(32));
  });
});
