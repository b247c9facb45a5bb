/**
 * The literal device bundle - build/device/main.js, the file manifest.json
 * hands to mcconfig, unmodified - boots the full agent on the real XS engine,
 * with only the Moddable modules it imports served by stand-ins, and produces
 * the same trace as the device entry point on V8.
 */
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDevice } from "../../tools/build/build";
import { DEVICE_MAIN } from "../../tools/build/targets";
import { expectCompleted, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { ErrorCode } from "../../core/runtime/errors";
import { runStandaloneScenario, standaloneConfigFor } from "../scenarios/device-boot";
import { hardwareConfigFor, runHardwareScenario } from "../scenarios/hardware-boot";
import { runLiteralDeviceBundle } from "./literal-device";

const AGENTS = 4;
const DURATION_MS = 30_000;
let run: XsRunResult;

beforeAll(async () => {
  if (!existsSync(DEVICE_MAIN)) await buildDevice("full");
  run = await runLiteralDeviceBundle(DEVICE_MAIN, ({ bundle, control }) =>
    [
      `import main from ${JSON.stringify(bundle)};`,
      `import { advanceTo, resetVirtual, virtual } from ${JSON.stringify(control)};`,
      `const site = (nodeId) => (${JSON.stringify(standaloneConfigFor(0))} && { ...${JSON.stringify(standaloneConfigFor(0))}, nodeId });`,
      `resetVirtual({});`,
      `const boots = [];`,
      `for (let i = 0; i < ${AGENTS}; i++) { virtual.config = { picket: site(i + 1) }; boots.push(main()); }`,
      `advanceTo(${DURATION_MS});`,
      `const statuses = boots.filter((b) => b.ok).map((b) => b.agent.status());`,
      `virtual.config = { picket: { ...site(99), nodeId: 0, sensors: [{ part: "tmp117", intervalMs: 5 }] } };`,
      `const bad = main();`,
      `print("@@picket " + JSON.stringify({ kind: "literal", booted: statuses.length, statuses, bad }));`,
      // driver: "hardware" through the embedded:sensor/* stand-ins (same steps as runHardwareScenario on V8).
      `const strip = (b) => (b.ok ? { ok: true } : b);`,
      `const hw = ${JSON.stringify(hardwareConfigFor(2))};`,
      `resetVirtual({}); virtual.config = { picket: { ...hw, nodeId: 1 } };`,
      `const hwBoot = main(); advanceTo(${DURATION_MS});`,
      `const hwStatus = hwBoot.ok ? hwBoot.agent.status() : undefined;`,
      `virtual.config = { picket: { ...hw, sensors: [{ part: "tmp117", driver: "hardware" }, { part: "sht3x", driver: "hardware", address: 0x45 }] } };`,
      `const wrongAddress = main();`,
      `virtual.config = { picket: { ...hw, sensors: [{ part: "contact", driver: "hardware" }] } };`,
      `const digital = main();`,
      `print("@@picket " + JSON.stringify({ kind: "hardware", boot: strip(hwBoot), status: hwStatus, wrongAddress, digital }));`,
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
      expect(status.storageMounted).toBe(false);
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
    expect(record("hardware")["digital"]).toEqual(v8.digital);
  });
});
