/**
 * The literal device bundle - build/device/main.js, the file manifest.json
 * hands to mcconfig, unmodified - boots the full agent on the real XS engine,
 * with only the Moddable modules it imports served by stand-ins (each board
 * booting from a flash partition provisioned as `picket provision` writes it), and produces
 * the same trace as the device entry point on V8.
 */
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDevice } from "../../tools/build/build";
import { DEVICE_MAIN } from "../../tools/build/targets";
import { expectCompleted, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { ErrorCode } from "../../core/runtime/errors";
import { bootRefusalLine } from "../../agent/boot-report";
import type { BootOutcome } from "../../agent/boot";
import { runStandaloneScenario, standaloneConfig } from "../../host-sim/device-scenarios/device-boot";
import {
  CONTACT_PIN,
  CONTACT_STEPS,
  MISSING_PIN,
  MOTION_PIN,
  MOTION_STEPS,
  digitalConfig,
  hardwareConfig,
  runHardwareScenario,
  SCENARIO_SITE_SIZE,
} from "../../host-sim/device-scenarios/hardware-boot";
import { runLiteralDeviceBundle } from "./literal-device";
import { BOARD_PARTITION_BLOCK_BYTES, BOARD_PARTITION_BLOCKS, boardFields, provisionedPartition, sparseImage } from "../../host-sim/device-scenarios/board-mesh";

const AGENTS = 4;
const PARTITION_BYTES = BOARD_PARTITION_BLOCK_BYTES * BOARD_PARTITION_BLOCKS;
/** Sparse partition images: the standalone boards (1..AGENTS of an AGENTS-board site) and the hardware scenarios' boards 1 and 2, all sensors. */
const IMAGES = {
  standalone: Array.from({ length: AGENTS }, (_, i) => sparseImage(provisionedPartition(boardFields(i + 1, AGENTS, "sensor")))),
  scenario: [1, 2].map((id) => sparseImage(provisionedPartition(boardFields(id, SCENARIO_SITE_SIZE, "sensor")))),
};
const DURATION_MS = 30_000;
/** Longer than every retry of a refused boot together (1 + 2 + 4 + 8 + 16 + 32 + 32 s). */
const RETRIES_MS = 200_000;
let run: XsRunResult;

beforeAll(async () => {
  if (!existsSync(DEVICE_MAIN)) await buildDevice("full");
  run = await runLiteralDeviceBundle(DEVICE_MAIN, ({ bundle, control }) =>
    [
      `import main from ${JSON.stringify(bundle)};`,
      `import { advanceTo, resetVirtual, scriptPin, setSparsePartition, virtual } from ${JSON.stringify(control)};`,
      // Each board's flash partition as `picket provision` writes it (computed on V8: the bundle has no provisioning tool).
      `const images = ${JSON.stringify(IMAGES)};`,
      `const provision = (id, images) => { setSparsePartition("storage-" + id, ${BOARD_PARTITION_BLOCK_BYTES}, ${PARTITION_BYTES}, images[id - 1]); return { storage: { partition: "storage-" + id } }; };`,
      // One site configuration for every board: node id and role come from each board's partition.
      `const site = ${JSON.stringify(standaloneConfig())};`,
      `resetVirtual({});`,
      `const boots = [];`,
      `for (let i = 0; i < ${AGENTS}; i++) { virtual.config = { picket: site, picketBoard: provision(i + 1, images.standalone) }; boots.push(main()); }`,
      `advanceTo(${DURATION_MS});`,
      `const statuses = boots.filter((b) => b.ok).map((b) => b.agent.status());`,
      `virtual.config = { picket: { ...site, nodeId: 3, sensors: [{ part: "tmp117", intervalMs: 5 }] } };`,
      `const bad = main();`,
      `print("@@picket " + JSON.stringify({ kind: "literal", booted: statuses.length, statuses, bad }));`,
      // driver: "hardware" through the embedded:sensor/* stand-ins (same steps as runHardwareScenario on V8).
      `const strip = (b) => (b.ok ? { ok: true } : b);`,
      `const hw = ${JSON.stringify(hardwareConfig())};`,
      `resetVirtual({}); virtual.config = { picket: hw, picketBoard: provision(1, images.scenario) };`,
      `const hwBoot = main(); advanceTo(${DURATION_MS});`,
      `const hwStatus = hwBoot.ok ? hwBoot.agent.status() : undefined;`,
      `virtual.config = { picket: { ...hw, sensors: [{ part: "tmp117", driver: "hardware" }, { part: "sht3x", driver: "hardware", address: 0x45 }] }, picketBoard: provision(2, images.scenario) };`,
      `const wrongAddress = main();`,
      `print("@@picket " + JSON.stringify({ kind: "hardware", boot: strip(hwBoot), status: hwStatus, wrongAddress }));`,
      // Contact + PIR on GPIOs through the stand-in Digital class (same steps as runHardwareScenario on V8).
      `resetVirtual({ picket: ${JSON.stringify(digitalConfig())} }); virtual.config = { ...virtual.config, picketBoard: provision(1, images.scenario) };`,
      `scriptPin(${CONTACT_PIN}, 1, ${JSON.stringify(CONTACT_STEPS)}); scriptPin(${MOTION_PIN}, 0, ${JSON.stringify(MOTION_STEPS)});`,
      `const dgBoot = main(); advanceTo(${DURATION_MS});`,
      `const dgStatus = dgBoot.ok ? dgBoot.agent.status() : undefined;`,
      `virtual.config = { picket: { ...${JSON.stringify(digitalConfig())}, sensors: [{ part: "contact", driver: "hardware", pin: ${MISSING_PIN}, activeLow: true, pull: "up" }] }, picketBoard: provision(2, images.scenario) };`,
      `const missingPin = main();`,
      `print("@@picket " + JSON.stringify({ kind: "digital", boot: strip(dgBoot), status: dgStatus, missingPin }));`,
      // A board whose partition was never provisioned: one console line per attempt, with backoff, until it gives up.
      `print("@@picket " + JSON.stringify({ kind: "console", phase: "unprovisioned" }));`,
      `resetVirtual({ picket: site }); setSparsePartition("blank", ${BOARD_PARTITION_BLOCK_BYTES}, ${PARTITION_BYTES}, []);`,
      `virtual.config = { ...virtual.config, picketBoard: { storage: { partition: "blank" } } };`,
      `const unprovisioned = main(); advanceTo(${RETRIES_MS});`,
      // The same board provisioned while it waits: the third attempt boots, and the lines stop.
      `print("@@picket " + JSON.stringify({ kind: "console", phase: "provisioned-later", unprovisioned: strip(unprovisioned) }));`,
      `resetVirtual({ picket: site }); setSparsePartition("blank", ${BOARD_PARTITION_BLOCK_BYTES}, ${PARTITION_BYTES}, []);`,
      `virtual.config = { ...virtual.config, picketBoard: { storage: { partition: "blank" } } };`,
      `main(); advanceTo(1_500);`,
      `setSparsePartition("blank", ${BOARD_PARTITION_BLOCK_BYTES}, ${PARTITION_BYTES}, images.standalone[1]);`,
      `advanceTo(${RETRIES_MS});`,
      `print("@@picket " + JSON.stringify({ kind: "console", phase: "end", radios: virtual.radios.length, framesOnAir: virtual.framesOnAir }));`,
      `print("@@picket " + JSON.stringify({ kind: "done" }));`,
    ].join("\n"),
  );
  expectCompleted(run, "literal device bundle");
});

function record(kind: string): XsRecord {
  const found = run.records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record`);
  return found;
}

describe("the literal device bundle on XS", () => {
  it("boots every agent from build/device/main.js and samples", () => {
    expect(record("literal")["booted"]).toBe(AGENTS);
    const statuses = record("literal")["statuses"] as { samplesTaken: number; storageMounted: boolean }[];
    for (const status of statuses) {
      expect(status.samplesTaken).toBeGreaterThanOrEqual(30);
      expect(status.storageMounted).toBe(true);
    }
  });

  it("gives the same per-agent status and trace hash as the entry point on V8", () => {
    const v8 = runStandaloneScenario(AGENTS, DURATION_MS);
    expect(record("literal")["statuses"]).toEqual(JSON.parse(JSON.stringify(v8)));
  });

  it("refuses a site configuration that names a board, with every bad field named, without throwing", () => {
    expect(record("literal")["bad"]).toEqual({
      ok: false,
      stage: "config",
      code: ErrorCode.AgentBadConfig,
      problems: [
        "nodeId: is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration",
        "sensors[0].intervalMs: must be an integer 10..86400000 (ms)",
      ],
    });
  });

  it("opens driver: \"hardware\" sensors through the embedded:sensor stand-ins and samples them as on V8", () => {
    const hardware = record("hardware");
    const status = hardware["status"] as { samplesTaken: number; sampleErrors: number; alertsRaised: number };
    expect(hardware["boot"]).toEqual({ ok: true });
    expect(status.samplesTaken).toBeGreaterThanOrEqual(30);
    expect(status.sampleErrors).toBe(0);
    expect(status.alertsRaised).toBe(2);
    const v8 = runHardwareScenario(DURATION_MS);
    expect(hardware["status"]).toEqual(JSON.parse(JSON.stringify(v8.status)));
  });

  it("reports a hardware driver that does not open as a boot problem naming the field, without throwing", () => {
    const v8 = runHardwareScenario(DURATION_MS);
    expect(record("hardware")["wrongAddress"]).toEqual(v8.wrongAddress);
    expect(record("hardware")["wrongAddress"]).toMatchObject({ ok: false, stage: "sensor", code: ErrorCode.AgentSensorOpenFailed });
  });

  it("boots a hardware contact and PIR through the Digital stand-in on XS, and their readings drive the same trace as on V8", () => {
    const digital = record("digital");
    const status = digital["status"] as { samplesTaken: number; sampleErrors: number; alertsRaised: number };
    expect(digital["boot"]).toEqual({ ok: true });
    expect(status.samplesTaken).toBeGreaterThanOrEqual(60);
    expect(status.sampleErrors).toBe(0);
    expect(status.alertsRaised).toBe(4); // door open + cleared, motion + cleared
    const v8 = runHardwareScenario(DURATION_MS);
    expect(digital["status"]).toEqual(JSON.parse(JSON.stringify(v8.digitalStatus)));
    expect(digital["missingPin"]).toEqual(v8.missingPin);
    expect(digital["missingPin"]).toMatchObject({ ok: false, stage: "sensor", code: ErrorCode.AgentSensorOpenFailed });
  });

  it("prints one console line per refused attempt naming stage, code and field, backing off 1 s doubling to 32 s, and gives up after 8", () => {
    const v8 = runHardwareScenario(DURATION_MS);
    const refusedSensor = (outcome: unknown): string => bootRefusalLine(outcome as Extract<BootOutcome, { ok: false }>, 1);
    const unprovisioned = (attempt: number, next: string): string =>
      `picket: boot refused at stage provisioning, code AgentNotProvisioned (1115): provisioning: this board is not provisioned (no record in its flash store); run \`picket provision\`; attempt ${attempt} of 8, ${next}`;
    expect(run.output).toEqual([
      "picket: boot refused at stage config, code AgentBadConfig (1100): nodeId: is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration (+1 more); attempt 1 of 8, retrying in 1000 ms",
      refusedSensor(v8.wrongAddress),
      refusedSensor(v8.missingPin),
      unprovisioned(1, "retrying in 1000 ms"),
      unprovisioned(2, "retrying in 2000 ms"),
      unprovisioned(3, "retrying in 4000 ms"),
      unprovisioned(4, "retrying in 8000 ms"),
      unprovisioned(5, "retrying in 16000 ms"),
      unprovisioned(6, "retrying in 32000 ms"),
      unprovisioned(7, "retrying in 32000 ms"),
      unprovisioned(8, "giving up until reset"),
      unprovisioned(1, "retrying in 1000 ms"),
      unprovisioned(2, "retrying in 2000 ms"),
    ]);
    expect(refusedSensor(v8.wrongAddress)).toMatch(/^picket: boot refused at stage sensor, code AgentSensorOpenFailed \(1102\): sensors\[1\]/);
    const later = run.records.find((r) => r.kind === "console" && r["phase"] === "provisioned-later");
    expect(later?.["unprovisioned"]).toMatchObject({ ok: false, stage: "provisioning", code: ErrorCode.AgentNotProvisioned });
  });

  it("boots on the retry after the board is provisioned, and prints nothing more", () => {
    // The refused attempts open no radio (provisioning comes first); the third attempt boots and opens exactly one.
    expect(run.records.find((r) => r.kind === "console" && r["phase"] === "end")?.["radios"]).toBe(1);
  });
});
