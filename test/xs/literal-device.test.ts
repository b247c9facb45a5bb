/**
 * The literal device bundle - build/device/main.js, the file manifest.json
 * hands to mcconfig, unmodified - boots on the real XS engine, with only the
 * Moddable modules it imports served by stand-ins, and produces the same trace
 * as the device entry point on V8.
 */
import { existsSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDevice } from "../../tools/build/build";
import { DEVICE_MAIN } from "../../tools/build/targets";
import { expectCompleted, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { runDeviceScenario } from "../scenarios/device-boot";
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
      `const site = (nodeId) => ({ siteName: "scenario", nodeId, role: "sensor", sampleIntervalMs: 1000, sampleRingCapacity: 64, timerCapacity: 16, neighbourCapacity: 32 });`,
      `resetVirtual({});`,
      `const boots = [];`,
      `for (let i = 0; i < ${AGENTS}; i++) { virtual.config = { picket: site(i + 1) }; boots.push(main()); }`,
      `advanceTo(${DURATION_MS});`,
      `const statuses = boots.filter((b) => b.ok).map((b) => b.agent.status());`,
      `virtual.config = { picket: { ...site(99), nodeId: 0 } };`,
      `const bad = main();`,
      `print("@@picket " + JSON.stringify({ kind: "literal", booted: statuses.length, statuses, bad }));`,
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
  it("boots every agent from build/device/main.js", () => {
    expect(record("literal")["booted"]).toBe(AGENTS);
  });

  it("gives the same per-agent status and trace hash as the entry point on V8", () => {
    const v8 = runDeviceScenario({ agents: AGENTS, durationMs: DURATION_MS, sampleIntervalMs: 1000 });
    expect(record("literal")["statuses"]).toEqual(JSON.parse(JSON.stringify(v8.statuses)));
  });

  it("refuses a bad site configuration with the field named, without throwing", () => {
    expect(record("literal")["bad"]).toEqual({ ok: false, stage: "config", problems: ["nodeId: must be an integer 1..65534"] });
  });
});
