/**
 * `picket provision`: the partition image it writes is one a board boots
 * from (the store mounts, the record gives the board its node id and role
 * and keys a working mesh transport), the secret files are private, and
 * every bad input is refused with its own message and exit status, writing
 * nothing and leaving existing files untouched.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { captureOutput } from "../../support/capture-output";
import { bootAgent } from "../../../agent/boot";
import { AgentRole, validateBoardConfig } from "../../../agent/config";
import { ManualClock } from "../../../hal/sim/manual-clock";
import { openSimSensor } from "../../../agent/sim-sensors";
import { AgentStore, storeShapeOf } from "../../../agent/persistence";
import { buildRadioMesh } from "../../../agent/radio-mesh";
import { main } from "../../../host-sim/cli/main";
import { SimFlash } from "../../../hal/sim/flash";
import { LoopbackRadio } from "../../core/mesh/fixtures";
import { testConfigJson, unwrap } from "../../agent/helpers";

const capture = captureOutput;

const COMMITMENT = "7e".repeat(32);

function workspace(): { dir: string; config: string; raw: Record<string, unknown> } {
  const dir = mkdtempSync(join(tmpdir(), "picket-provision-"));
  const raw = testConfigJson({ gateways: [1, 2], keys: { authorityCommitment: COMMITMENT, keyEpoch: 4 } });
  const config = join(dir, "board.json");
  writeFileSync(config, JSON.stringify(raw));
  return { dir, config, raw };
}

/** Boot as a board does from `flash` (no identity given: the record says who it is), over a loopback radio. */
function bootFromFlash(raw: unknown, flash: SimFlash): ReturnType<typeof bootAgent> {
  return bootAgent(raw, {
    clock: new ManualClock(0),
    blockDevice: flash,
    openSensor: (sensor, i) => openSimSensor(sensor.part, { seed: i }),
    transport: (c, store) => {
      const mesh = buildRadioMesh({ config: c, store, radio: new LoopbackRadio(c.nodeId), randomSeed: 1 });
      return mesh.ok ? mesh.transport : { refused: mesh.code, problems: mesh.problems };
    },
  });
}

describe("picket provision", () => {
  it("writes a private partition image the board boots its identity and mesh from", async () => {
    const { dir, config, raw } = workspace();
    const secret = join(dir, "site.secret");
    const image = join(dir, "board-5.bin");
    const run = await capture(() =>
      main(["provision", "--config", config, "--node-id", "5", "--role", "relay", "--gateways", "2", "--group-secret", secret, "--new-group-secret", "--site-size", "9", "--partition-bytes", "16384", "--block-bytes", "2048", "--out", image]),
    );
    expect(run.stderr).toContain("created group secret");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("node        5, relay (test), gateways 2, 1");
    expect(run.stdout).toContain("senders 1..9");
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(statSync(image).mode & 0o777).toBe(0o600);
    const bytes = new Uint8Array(readFileSync(image));
    expect(bytes.length).toBe(16384);
    const flash = unwrap(SimFlash.create({ blockSizeBytes: 2048, blockCount: 8 }));
    flash.load(bytes);
    const site = validateBoardConfig(raw, { nodeId: 5, role: AgentRole.Relay });
    if (!site.ok) throw new Error("config");
    const built = buildRadioMesh({ config: site.config, store: AgentStore.open(flash, storeShapeOf(site.config)), radio: new LoopbackRadio(5), randomSeed: 1 });
    expect(built.ok ? built.senderIdMax : built.problems).toBe(9);
    // Booted as a board (no identity given): node 5, a relay, from the one site configuration.
    const booted = bootFromFlash(raw, flash);
    expect(booted.ok ? [booted.agent.status().nodeId, booted.agent.status().role, booted.agent.status().samplesTaken] : booted.problems).toEqual([5, "relay", 0]);
  });

  it("provisions a site's gateway as a gateway, and every board from the same site configuration", async () => {
    const { dir, config, raw } = workspace();
    const secret = join(dir, "site.secret");
    writeFileSync(secret, "cd".repeat(32), { mode: 0o600 });
    for (const [id, role] of [["1", "gateway"], ["7", "sensor"]] as const) {
      const image = join(dir, `board-${id}.bin`);
      // The first board starts the secret's ledger; the second appends to it.
      const ledger = id === "1" ? ["--new-ledger"] : [];
      const run = await capture(() => main(["provision", "--config", config, "--node-id", id, "--role", role, "--group-secret", secret, ...ledger, "--site-size", "9", "--out", image]));
      expect(run.code, run.stderr).toBe(0);
      const bytes = new Uint8Array(readFileSync(image));
      const flash = unwrap(SimFlash.create({ blockSizeBytes: 4096, blockCount: bytes.length / 4096 }));
      flash.load(bytes);
      const booted = bootFromFlash(raw, flash);
      expect(booted.ok ? [booted.agent.status().nodeId, booted.agent.status().role] : booted.problems).toEqual([Number(id), role]);
    }
  });

  it("refuses a bad --node-id or --role naming the option, and writes nothing (not even a new group secret)", async () => {
    const { dir, config } = workspace();
    const perBoard = join(dir, "per-board.json");
    writeFileSync(perBoard, JSON.stringify({ ...testConfigJson({ keys: { authorityCommitment: COMMITMENT, keyEpoch: 4 } }), nodeId: 5, role: "sensor" }));
    const secret = join(dir, "new.secret");
    const image = join(dir, "never.bin");
    const common = ["--group-secret", secret, "--new-group-secret", "--site-size", "9", "--out", image];
    const cases: readonly (readonly [readonly string[], number, string])[] = [
      [["--config", config, "--role", "sensor"], 2, "--node-id is required"],
      [["--config", config, "--node-id", "0", "--role", "sensor"], 2, "--node-id: must be an integer 1..65534"],
      [["--config", config, "--node-id", "5x", "--role", "sensor"], 2, "--node-id: must be an integer 1..65534"],
      [["--config", config, "--node-id", "65535", "--role", "sensor"], 2, "--node-id: must be an integer 1..65534"],
      [["--config", config, "--node-id", "5"], 2, "--role is required"],
      [["--config", config, "--node-id", "5", "--role", "boss"], 2, '--role: must be one of sensor, relay, gateway, anchor (got "boss")'],
      [["--config", config, "--node-id", "2", "--role", "sensor"], 2, "gateways[1]: lists this board (node 2) as a gateway, but its role is sensor"],
      [["--config", config, "--node-id", "12", "--role", "sensor"], 2, "--site-size 9 is below node 12"],
      [["--config", config, "--node-id", "5", "--role", "sensor", "--group", "3"], 2, "unknown option --group"],
      [["--config", config, "--node-id", "5", "--role", "sensor", "--gateways", "2,x"], 2, "--gateways: must be an integer 1..65534"],
      [["--config", config, "--node-id", "5", "--role", "sensor", "--gateways", "1,2,1,2,1"], 2, "--gateways: at most 4 node ids"],
      [["--config", config, "--node-id", "5", "--role", "sensor", "--gateways", "3"], 2, "gateways: the board prefers gateway 3, which the site configuration does not list"],
      [["--config", perBoard, "--node-id", "5", "--role", "sensor"], 1, "nodeId: is per board: it comes from the board's provisioning record"],
    ];
    for (const [args, code, message] of cases) {
      const run = await capture(() => main(["provision", ...args, ...common]));
      expect(run.stderr, args.join(" ")).toContain(message);
      expect(run.code, args.join(" ")).toBe(code);
      expect([existsSync(secret), existsSync(image)], args.join(" ")).toEqual([false, false]);
    }
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
      [["--config", config, "--group-secret", shortSecret, "--site-size", "9", "--out", join(dir, "e.bin")], 2, "--group-secret " + shortSecret + ": must hold 32 bytes (got 16)"],
      [["--config", config, "--group-secret", "-", "--new-group-secret", "--site-size", "9", "--out", join(dir, "g.bin")], 2, "--new-group-secret needs a file to create"],
      [["--config", config, "--group-secret", secret, "--site-size", "9", "--partition-bytes", "10000", "--out", join(dir, "f.bin")], 2, "multiple of --block-bytes"],
    ];
    for (const [args, code, message] of cases) {
      const run = await capture(() => main(["provision", ...args, "--node-id", "5", "--role", "sensor"]));
      expect(run.stderr, args.join(" ")).toContain(message);
      expect(run.code, args.join(" ")).toBe(code);
    }
    expect(readFileSync(image, "utf8")).toBe("keep");
    expect(readFileSync(secret, "utf8")).toBe("ab".repeat(32));
    for (const name of ["a.bin", "b.bin", "c.bin", "d.bin", "e.bin", "f.bin", "g.bin"]) expect(existsSync(join(dir, name)), name).toBe(false);
  });

  it("writes the new group secret and the image 0600, and a run that fails writing leaves neither behind", async () => {
    const { dir, config } = workspace();
    const secret = join(dir, "site.secret");
    const image = join(dir, "board.bin");
    const ok = await capture(() => main(["provision", "--config", config, "--node-id", "5", "--role", "sensor", "--group-secret", secret, "--new-group-secret", "--site-size", "9", "--out", image]));
    expect(ok.code).toBe(0);
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(statSync(image).mode & 0o777).toBe(0o600);
    expect(readFileSync(secret, "utf8")).toMatch(/^[0-9a-f]{64}\n$/);
    // The image cannot be written (its directory does not exist): the fresh secret must not be left behind either.
    const lost = join(dir, "lost.secret");
    const failed = await capture(() =>
      main(["provision", "--config", config, "--node-id", "5", "--role", "sensor", "--group-secret", lost, "--new-group-secret", "--site-size", "9", "--out", join(dir, "missing", "board.bin")]),
    );
    expect(failed.code).toBe(2);
    expect(failed.stderr).toContain("cannot create a file in");
    expect(existsSync(lost)).toBe(false);
    expect(readdirSync(dir).filter((name) => name.includes(".tmp"))).toEqual([]);
    // An image path that is a symbolic link is refused, even with --force, and its target is untouched.
    const target = join(dir, "target.bin");
    writeFileSync(target, "target");
    const link = join(dir, "link.bin");
    symlinkSync(target, link);
    const linked = await capture(() => main(["provision", "--config", config, "--node-id", "5", "--role", "sensor", "--group-secret", secret, "--site-size", "9", "--out", link, "--force"]));
    expect(linked.code).toBe(2);
    expect(linked.stderr).toContain("is a symbolic link");
    expect(readFileSync(target, "utf8")).toBe("target");
  });
});
