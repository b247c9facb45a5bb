/**
 * `picket provision` and its ledger (host-sim/cli/provision-ledger.ts):
 * provisioning a board again under the same key gives it the next
 * provisioning generation, whose send-counter range no earlier
 * provisioning could have used; after 16 the tool refuses and asks for a
 * new key epoch. The ledger fails closed: one that is corrupt, missing,
 * locked or a symbolic link is refused, naming the file (and the line),
 * and no image is written. It is created 0600 and its line is recorded
 * before the image is written.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { captureOutput as capture } from "../../support/capture-output";
import { RADIO_DEFAULTS } from "../../../agent/config";
import { AgentStore } from "../../../agent/persistence";
import { PROVISIONING_RECORD_BYTES, ProvisioningRecord, sendCounterRange } from "../../../agent/provisioning";
import { main } from "../../../host-sim/cli/main";
import { SimFlash } from "../../../hal/sim/flash";
import { testConfigJson, unwrap } from "../../agent/helpers";
import { SiteKeyDeriver } from "../../../core/crypto/site-keys";

const COMMITMENT = "7e".repeat(32);
const BLOCK_BYTES = 2048;
const PARTITION_BYTES = 16_384;
/** 2026-01-01T00:00:00Z. */
const FIXED_TIME_S = "1767225600";

afterEach(() => {
  vi.unstubAllEnvs();
});

interface Workspace {
  readonly dir: string;
  readonly config: string;
  readonly secret: string;
  readonly ledger: string;
}

function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), "picket-ledger-"));
  const config = join(dir, "site.json");
  writeFileSync(config, JSON.stringify(testConfigJson({ gateways: [1, 2], keys: { authorityCommitment: COMMITMENT, keyEpoch: 4 } })));
  const secret = join(dir, "site.secret");
  return { dir, config, secret, ledger: `${secret}.ledger` };
}

function provision(w: Workspace, node: number, out: string, extra: readonly string[] = []): ReturnType<typeof capture> {
  return capture(() =>
    main(["provision", "--config", w.config, "--node-id", String(node), "--role", "sensor", "--group-secret", w.secret, "--site-size", "9", "--partition-bytes", String(PARTITION_BYTES), "--block-bytes", String(BLOCK_BYTES), "--out", out, ...extra]),
  );
}

/** The provisioning record in an image file, as the board reads it. */
function recordIn(image: string): ProvisioningRecord {
  const flash = unwrap(SimFlash.create({ blockSizeBytes: BLOCK_BYTES, blockCount: PARTITION_BYTES / BLOCK_BYTES }));
  flash.load(new Uint8Array(readFileSync(image)));
  const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const record = ProvisioningRecord.parse(bytes, AgentStore.open(flash, { alertSlots: 4, siteSize: RADIO_DEFAULTS.siteSize }).loadProvisioning(bytes, 0));
  if (typeof record === "number") throw new Error(`${image}: record ${record}`);
  return record;
}

function ledgerLines(path: string): unknown[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as unknown);
}

/** A ledger line as picket provision writes it. */
function line(node: number, generation: number, extra: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ group: 1, epoch: 4, node, generation, role: "sensor", out: "/media/board.bin", at: "2026-01-01T00:00:00.000Z", ...extra })}\n`;
}

describe("picket provision: provisioning generations", () => {
  it("gives the same node generations 0 then 1, with disjoint send-counter ranges, and another node its own 0", async () => {
    const w = workspace();
    const first = await provision(w, 5, join(w.dir, "a.bin"), ["--new-group-secret"]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("generation  0 (of 16 per key): send counters 0..268435455");
    const again = await provision(w, 5, join(w.dir, "b.bin"));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("generation  1 (of 16 per key): send counters 268435456..536870911");
    const other = await provision(w, 7, join(w.dir, "c.bin"));
    expect(other.code, other.stderr).toBe(0);
    const a = recordIn(join(w.dir, "a.bin"));
    const b = recordIn(join(w.dir, "b.bin"));
    expect([a.nodeId, a.keyEpoch, a.generation, b.nodeId, b.keyEpoch, b.generation, recordIn(join(w.dir, "c.bin")).generation]).toEqual([5, 4, 0, 5, 4, 1, 0]);
    const ra = sendCounterRange(a.generation);
    const rb = sendCounterRange(b.generation);
    if (ra === undefined || rb === undefined) throw new Error("range");
    expect(ra.maxValue).toBeLessThan(rb.firstValue);
    expect(ledgerLines(w.ledger).map((l) => [(l as { node: number }).node, (l as { generation: number }).generation])).toEqual([
      [5, 0],
      [5, 1],
      [7, 0],
    ]);
  });

  it("records one line per provisioning with group, epoch, node, generation, role, the image path and SOURCE_DATE_EPOCH's time", async () => {
    const w = workspace();
    vi.stubEnv("SOURCE_DATE_EPOCH", FIXED_TIME_S);
    const out = join(w.dir, "a.bin");
    expect((await provision(w, 5, out, ["--new-group-secret"])).code).toBe(0);
    expect(readFileSync(w.ledger, "utf8")).toBe(`${JSON.stringify({ group: 1, epoch: 4, node: 5, generation: 0, role: "sensor", out, at: "2026-01-01T00:00:00.000Z" })}\n`);
    vi.stubEnv("SOURCE_DATE_EPOCH", "yesterday");
    const bad = await provision(w, 5, join(w.dir, "b.bin"));
    expect([bad.code, bad.stderr.includes("SOURCE_DATE_EPOCH: must be whole seconds"), existsSync(join(w.dir, "b.bin")), ledgerLines(w.ledger).length]).toEqual([2, true, false, 1]);
  });

  it("provisions a node 16 times (generations 0..15), then refuses the 17th naming the node and epoch and asking for a new key epoch, writing nothing", async () => {
    const w = workspace();
    for (let g = 0; g < 16; g++) {
      const run = await provision(w, 5, join(w.dir, `g${g}.bin`), g === 0 ? ["--new-group-secret"] : []);
      expect(run.code, `${g}: ${run.stderr}`).toBe(0);
      expect(recordIn(join(w.dir, `g${g}.bin`)).generation).toBe(g);
    }
    const before = readFileSync(w.ledger, "utf8");
    const refused = await provision(w, 5, join(w.dir, "g16.bin"));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("node 5 has been provisioned 16 times under key epoch 4 of group 1");
    expect(refused.stderr).toContain("Provision the site with a new key epoch");
    expect(refused.stderr).toContain("--new-group-secret");
    expect(existsSync(join(w.dir, "g16.bin"))).toBe(false);
    expect(readFileSync(w.ledger, "utf8")).toBe(before);
    // Another node of the same key, and the same node under another epoch, still have all their generations.
    const other = await provision(w, 6, join(w.dir, "other.bin"));
    expect([other.code, recordIn(join(w.dir, "other.bin")).generation]).toEqual([0, 0]);
    writeFileSync(w.config, JSON.stringify(testConfigJson({ gateways: [1, 2], keys: { authorityCommitment: COMMITMENT, keyEpoch: 5 } })));
    const nextEpoch = await provision(w, 5, join(w.dir, "epoch5.bin"));
    expect([nextEpoch.code, recordIn(join(w.dir, "epoch5.bin")).keyEpoch, recordIn(join(w.dir, "epoch5.bin")).generation]).toEqual([0, 5, 0]);
  });

  it("records the generation before writing the image: an image that cannot be written still uses up its generation", async () => {
    const w = workspace();
    expect((await provision(w, 5, join(w.dir, "a.bin"), ["--new-group-secret"])).code).toBe(0);
    const lost = await provision(w, 5, join(w.dir, "missing", "b.bin"));
    expect([lost.code, lost.stderr.includes("cannot create a file in")]).toEqual([2, true]);
    expect(ledgerLines(w.ledger).length).toBe(2);
    const next = await provision(w, 5, join(w.dir, "c.bin"));
    expect([next.code, recordIn(join(w.dir, "c.bin")).generation]).toEqual([0, 2]);
  });
});

describe("picket provision: the ledger fails closed", () => {
  it("refuses a corrupt ledger naming the file and line, writes no image and leaves the ledger as it was", async () => {
    const cases: readonly (readonly [string, string])[] = [
      [line(5, 0) + "{not json\n", "line 2: not JSON"],
      [line(5, 0) + line(5, 1).trimEnd(), "line 2: not a complete line"],
      [line(5, 0) + line(5, 2), "line 2: node 5 (group 1, key epoch 4) has generation 2, but 1 earlier line(s) for it mean generation 1"],
      [line(5, 1), "line 1: node 5 (group 1, key epoch 4) has generation 1"],
      [line(5, 0) + line(7, 0, { secret: "ab" }), 'line 2: unknown field "secret"'],
      [line(5, 0) + line(7, 0, { generation: 16 }), 'line 2: "generation" must be an integer 0..15'],
      [line(5, 0) + line(7, 0, { role: "boss" }), 'line 2: "role" must be one of'],
      [line(5, 0) + "\n", "line 2: not JSON"],
      ["[1,2]\n", "line 1: not a JSON object"],
    ];
    for (const [text, message] of cases) {
      const w = workspace();
      writeFileSync(w.secret, "cd".repeat(32), { mode: 0o600 });
      writeFileSync(w.ledger, text, { mode: 0o600 });
      const out = join(w.dir, "board.bin");
      const run = await provision(w, 5, out);
      expect(run.stderr, message).toContain(`ledger ${w.ledger}, ${message}`);
      expect(run.stderr).toContain("provision the site with a new key epoch");
      expect(run.code, message).toBe(1);
      expect(existsSync(out), message).toBe(false);
      expect(readFileSync(w.ledger, "utf8"), message).toBe(text);
      expect(existsSync(`${w.ledger}.lock`), message).toBe(false);
    }
  });

  it("refuses an existing secret without its ledger (unless --new-ledger starts one), and --new-ledger where a ledger exists", async () => {
    const w = workspace();
    writeFileSync(w.secret, "cd".repeat(32), { mode: 0o600 });
    const out = join(w.dir, "board.bin");
    const missing = await provision(w, 5, out);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`ledger ${w.ledger}: no such file`);
    expect(missing.stderr).toContain("--new-ledger");
    expect([existsSync(out), existsSync(w.ledger)]).toEqual([false, false]);
    const started = await provision(w, 5, out, ["--new-ledger"]);
    expect([started.code, recordIn(out).generation, statSync(w.ledger).mode & 0o777]).toEqual([0, 0, 0o600]);
    const twice = await provision(w, 5, join(w.dir, "again.bin"), ["--new-ledger"]);
    expect([twice.code, twice.stderr.includes(`ledger ${w.ledger} exists`), existsSync(join(w.dir, "again.bin")), ledgerLines(w.ledger).length]).toEqual([2, true, false, 1]);
  });

  it("creates the ledger 0600 with a new group secret, and refuses --new-group-secret where a ledger already is", async () => {
    const w = workspace();
    expect((await provision(w, 5, join(w.dir, "a.bin"), ["--new-group-secret"])).code).toBe(0);
    expect(statSync(w.ledger).mode & 0o777).toBe(0o600);
    const other = join(w.dir, "other.secret");
    writeFileSync(`${other}.ledger`, line(5, 0), { mode: 0o600 });
    const refused = await capture(() =>
      main(["provision", "--config", w.config, "--node-id", "5", "--role", "sensor", "--group-secret", other, "--new-group-secret", "--site-size", "9", "--out", join(w.dir, "b.bin")]),
    );
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`ledger ${other}.ledger exists`);
    expect([existsSync(other), existsSync(join(w.dir, "b.bin")), readFileSync(`${other}.ledger`, "utf8")]).toEqual([false, false, line(5, 0)]);
  });

  it("leaves no ledger behind when a run with a new group secret cannot write its image (the secret is not kept either)", async () => {
    const w = workspace();
    const run = await provision(w, 5, join(w.dir, "missing", "a.bin"), ["--new-group-secret"]);
    expect(run.code).toBe(2);
    expect([existsSync(w.secret), existsSync(w.ledger), existsSync(`${w.ledger}.lock`)]).toEqual([false, false, false]);
    expect(readdirSync(w.dir).filter((name) => name.includes(".tmp"))).toEqual([]);
  });

  it("refuses a secret from standard input without --ledger as a usage error, before reading anything", async () => {
    const w = workspace();
    const out = join(w.dir, "board.bin");
    const run = await capture(() => main(["provision", "--config", w.config, "--node-id", "5", "--role", "sensor", "--group-secret", "-", "--site-size", "9", "--out", out]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--group-secret -: a secret read from standard input has no ledger beside it: give --ledger FILE");
    expect(existsSync(out)).toBe(false);
  });

  it("uses --ledger FILE instead of the one beside the secret", async () => {
    const w = workspace();
    const ledger = join(w.dir, "authority.ledger");
    expect((await provision(w, 5, join(w.dir, "a.bin"), ["--new-group-secret", "--ledger", ledger])).code).toBe(0);
    expect((await provision(w, 5, join(w.dir, "b.bin"), ["--ledger", ledger])).code).toBe(0);
    expect([existsSync(w.ledger), ledgerLines(ledger).length, recordIn(join(w.dir, "b.bin")).generation]).toEqual([false, 2, 1]);
  });

  it("refuses a ledger that is a symbolic link, reading and writing nothing through it", async () => {
    const w = workspace();
    writeFileSync(w.secret, "cd".repeat(32), { mode: 0o600 });
    const target = join(w.dir, "real.ledger");
    writeFileSync(target, line(5, 0), { mode: 0o600 });
    symlinkSync(target, w.ledger);
    const out = join(w.dir, "board.bin");
    for (const extra of [[], ["--new-ledger"]]) {
      const run = await provision(w, 5, out, extra);
      expect(run.code, extra.join(" ")).toBe(2);
      expect(run.stderr).toContain(`ledger ${w.ledger} is a symbolic link`);
      expect([existsSync(out), readFileSync(target, "utf8")]).toEqual([false, line(5, 0)]);
    }
    // A dangling link where a new secret's ledger would go: nothing is created at its target.
    const fresh = join(w.dir, "new.secret");
    const nowhere = join(w.dir, "nowhere.ledger");
    symlinkSync(nowhere, `${fresh}.ledger`);
    const run = await capture(() => main(["provision", "--config", w.config, "--node-id", "5", "--role", "sensor", "--group-secret", fresh, "--new-group-secret", "--site-size", "9", "--out", out]));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("is a symbolic link");
    expect([existsSync(nowhere), existsSync(fresh), existsSync(out)]).toEqual([false, false, false]);
  });

  it("refuses a ledger another run holds (its lock file exists), naming the lock to remove", async () => {
    const w = workspace();
    expect((await provision(w, 5, join(w.dir, "a.bin"), ["--new-group-secret"])).code).toBe(0);
    writeFileSync(`${w.ledger}.lock`, "");
    const run = await provision(w, 5, join(w.dir, "b.bin"));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${w.ledger}.lock exists: another picket provision holds this ledger`);
    expect([existsSync(join(w.dir, "b.bin")), ledgerLines(w.ledger).length, existsSync(`${w.ledger}.lock`)]).toEqual([false, 1, true]);
  });
});

describe("picket provision --help", () => {
  it("documents the ledger, its options and the provisioning generation", async () => {
    const help = await capture(() => main(["provision", "--help"]));
    expect(help.code).toBe(0);
    for (const text of ["[--ledger FILE] [--new-ledger]", "required with\n                      --group-secret -", "gets generation N-1", "(0..15)", "after 16 a new key epoch is needed", "--new-group-secret starts a new ledger"]) {
      expect(help.stdout, text).toContain(text);
    }
  });
});

describe("picket inspect on a provisioning image", () => {
  it("prints the record's generation and counter range, and withholds its link secrets unless --show-secrets; the site secret is never in a board's image", async () => {
    const w = workspace();
    expect((await provision(w, 5, join(w.dir, "a.bin"), ["--new-group-secret"])).code).toBe(0);
    expect((await provision(w, 5, join(w.dir, "b.bin"))).code).toBe(0);
    const secretHex = readFileSync(w.secret, "utf8").trim();
    const inspected = await capture(() => main(["inspect", join(w.dir, "b.bin")]));
    expect(inspected.code, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain(`flash store image (core/storage): ${PARTITION_BYTES / BLOCK_BYTES} blocks of ${BLOCK_BYTES} bytes`);
    expect(inspected.stdout).toContain("node        5, sensor");
    expect(inspected.stdout).toContain("generation  1 (of 16 per key): send counters 268435456..536870911");
    expect(inspected.stdout).toContain("key epoch   4, group 1, senders 1..9");
    expect(inspected.stdout).toContain("pair keys   with 1, 2");
    expect(inspected.stdout).toContain("withheld: 3 secret(s) of 32 bytes (flood secret, pair secrets); --show-secrets prints them");
    expect(inspected.stdout).not.toContain(secretHex);
    const shown = await capture(() => main(["inspect", join(w.dir, "b.bin"), "--show-secrets"]));
    // The board's record holds secrets derived from the site secret (core/crypto/site-keys.ts), never the site secret itself.
    const site = new Uint8Array(32);
    for (let i = 0; i < 32; i++) site[i] = Number.parseInt(secretHex.slice(2 * i, 2 * i + 2), 16);
    const flood = new Uint8Array(32);
    expect(new SiteKeyDeriver().floodSecret(site, 1, 4, flood)).toBe(0);
    const floodHex = Array.from(flood, (b) => b.toString(16).padStart(2, "0")).join("");
    expect(shown.stdout).toContain(`${floodHex} (flood secret F)`);
    expect(shown.stdout).toContain("(pair secret with ");
    expect(shown.stdout).not.toContain(secretHex);
  });
});
