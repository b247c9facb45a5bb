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
import { runStandaloneScenario, standaloneConfigFor } from "../scenarios/device-boot";
import {
  CONTACT_PIN,
  CONTACT_STEPS,
  MISSING_PIN,
  MOTION_PIN,
  MOTION_STEPS,
  digitalConfigFor,
  hardwareConfigFor,
  runHardwareScenario,
  SCENARIO_SITE_SIZE,
} from "../scenarios/hardware-boot";
import { runLiteralDeviceBundle } from "./literal-device";
import { BOARD_PARTITION_BLOCK_BYTES, BOARD_PARTITION_BLOCKS, boardFields, provisionedPartition, sparseImage } from "../scenarios/board-mesh";

const AGENTS = 4;
const PARTITION_BYTES = BOARD_PARTITION_BLOCK_BYTES * BOARD_PARTITION_BLOCKS;
/** Sparse partition images: the standalone boards (1..AGENTS of an AGENTS-board site) and the hardware scenarios' board 1. */
const IMAGES = {
  standalone: Array.from({ length: AGENTS }, (_, i) => sparseImage(provisionedPartition(boardFields(i + 1, AGENTS)))),
  scenario: [sparseImage(provisionedPartition(boardFields(1, SCENARIO_SITE_SIZE)))],
};
const DURATION_MS = 30_000;
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
      `const site = (nodeId) => (${JSON.stringify(standaloneConfigFor(0))} && { ...${JSON.stringify(standaloneConfigFor(0))}, nodeId });`,
      `resetVirtual({});`,
      `const boots = [];`,
      `for (let i = 0; i < ${AGENTS}; i++) { virtual.config = { picket: site(i + 1), picketBoard: provision(i + 1, images.standalone) }; boots.push(main()); }`,
      `advanceTo(${DURATION_MS});`,
      `const statuses = boots.filter((b) => b.ok).map((b) => b.agent.status());`,
      `virtual.config = { picket: { ...site(99), nodeId: 0, sensors: [{ part: "tmp117", intervalMs: 5 }] } };`,
      `const bad = main();`,
      `print("@@picket " + JSON.stringify({ kind: "literal", booted: statuses.length, statuses, bad }));`,
      // driver: "hardware" through the embedded:sensor/* stand-ins (same steps as runHardwareScenario on V8).
      `const strip = (b) => (b.ok ? { ok: true } : b);`,
      `const hw = ${JSON.stringify(hardwareConfigFor(2))};`,
      `resetVirtual({}); virtual.config = { picket: { ...hw, nodeId: 1 }, picketBoard: provision(1, images.scenario) };`,
      `const hwBoot = main(); advanceTo(${DURATION_MS});`,
      `const hwStatus = hwBoot.ok ? hwBoot.agent.status() : undefined;`,
      `virtual.config = { picket: { ...hw, sensors: [{ part: "tmp117", driver: "hardware" }, { part: "sht3x", driver: "hardware", address: 0x45 }] } };`,
      `const wrongAddress = main();`,
      `print("@@picket " + JSON.stringify({ kind: "hardware", boot: strip(hwBoot), status: hwStatus, wrongAddress }));`,
      // Contact + PIR on GPIOs through the stand-in Digital class (same steps as runHardwareScenario on V8).
      `resetVirtual({ picket: ${JSON.stringify(digitalConfigFor(1))} }); virtual.config = { ...virtual.config, picketBoard: provision(1, images.scenario) };`,
      `scriptPin(${CONTACT_PIN}, 1, ${JSON.stringify(CONTACT_STEPS)}); scriptPin(${MOTION_PIN}, 0, ${JSON.stringify(MOTION_STEPS)});`,
      `const dgBoot = main(); advanceTo(${DURATION_MS});`,
      `const dgStatus = dgBoot.ok ? dgBoot.agent.status() : undefined;`,
      `virtual.config = { picket: { ...${JSON.stringify(digitalConfigFor(2))}, sensors: [{ part: "contact", driver: "hardware", pin: ${MISSING_PIN}, activeLow: true, pull: "up" }] } };`,
      `const missingPin = main();`,
      `print("@@picket " + JSON.stringify({ kind: "digital", boot: strip(dgBoot), status: dgStatus, missingPin }));`,
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

  it("refuses a bad site configuration with every bad field named, without throwing", () => {
    expect(record("literal")["bad"]).toEqual({
      ok: false,
      stage: "config",
      code: ErrorCode.AgentBadConfig,
      problems: ["nodeId: must be an integer 1..65534", "sensors[0].intervalMs: must be an integer 10..86400000 (ms)"],
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
});
