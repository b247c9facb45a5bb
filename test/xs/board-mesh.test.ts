/**
 * Flashed boards on the secured mesh, on the real XS engine: the literal
 * build/device/main.js boots four boards with no options - each mounts its
 * flash partition, reads its provisioning record, keys MeshTransport from
 * it and talks over the SX127x stand-in - and the gateway receives the
 * alert and the telemetry over the air. The same scenario on V8 with the
 * source entry point gives the same trace hashes, frame count and
 * deliveries. Every board boots the same site configuration; its node id
 * and role come from its partition. A board with a blank partition refuses
 * to boot at stage "provisioning", naming the fix, while the other three
 * carry on.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import main from "../../agent/moddable/main";
import { ErrorCode } from "../../core/runtime/errors";
import { buildDevice } from "../../tools/build/build";
import { DEVICE_MAIN, repoRoot } from "../../tools/build/targets";
import { expectCompleted, type XsRecord, type XsRunResult } from "../../tools/xs/run-xs";
import { boardSiteConfig, runBoardMesh, type BoardMeshResult } from "../../host-sim/device-scenarios/board-mesh";
import { resetVirtual } from "../../host-sim/moddable/control";
import { BOARD_MESH_BOARDS, BOARD_MESH_DURATION_MS } from "./board-mesh-params";
import { runLiteralDeviceEntry } from "./literal-device";

let xs: XsRunResult;
let v8All: BoardMeshResult;
let v8Missing: BoardMeshResult;

beforeAll(async () => {
  if (!existsSync(DEVICE_MAIN)) await buildDevice("full");
  xs = await runLiteralDeviceEntry(DEVICE_MAIN, join(repoRoot, "test/xs/entries/board-mesh-literal.xs.ts"), "board-mesh");
  expectCompleted(xs, "board mesh on the literal bundle");
  v8All = runBoardMesh(main, BOARD_MESH_BOARDS, BOARD_MESH_DURATION_MS);
  v8Missing = runBoardMesh(main, BOARD_MESH_BOARDS, BOARD_MESH_DURATION_MS, (id) => id !== 3);
});

function xsRecord(kind: string): XsRecord {
  const found = xs.records.find((r) => r.kind === kind);
  if (found === undefined) throw new Error(`no ${kind} record`);
  return found;
}

describe("provisioned boards on the literal device bundle (XS)", () => {
  it("every board boots with its store mounted and the gateway gets the alert and telemetry over the air", () => {
    const run = xsRecord("all-provisioned") as unknown as BoardMeshResult;
    expect(run.boots.every((b) => b.ok)).toBe(true);
    expect(run.statuses.map((s) => s.storageMounted)).toEqual([true, true, true, true]);
    expect(run.framesOnAir).toBeGreaterThan(0);
    const node2 = run.statuses.find((s) => s.nodeId === 2);
    expect(node2?.alertsRaised).toBeGreaterThan(0);
    expect(node2?.alertsDelivered).toBe(node2?.alertsRaised);
    expect(run.gatewayAlerts).toBe(node2?.alertsRaised);
    // Sensors 2..4 send over the radio; the gateway's own records go straight to its sink.
    const sentOverAir = run.statuses.filter((s) => s.nodeId !== 1).reduce((sum, s) => sum + s.telemetryRecordsSent, 0);
    const gatewayOwn = run.statuses.find((s) => s.nodeId === 1)?.telemetryRecordsSent ?? 0;
    expect(sentOverAir).toBeGreaterThan(0);
    expect(run.gatewayRecords).toBe(sentOverAir + gatewayOwn);
  });

  it("matches V8 running the source entry point: same trace hashes, frames and deliveries", () => {
    const run = xsRecord("all-provisioned") as unknown as BoardMeshResult;
    expect(run.combinedTrace).toBe(v8All.combinedTrace);
    expect(run.framesOnAir).toBe(v8All.framesOnAir);
    expect([run.gatewayAlerts, run.gatewayRecords]).toEqual([v8All.gatewayAlerts, v8All.gatewayRecords]);
  });

  it("a board with a blank partition refuses at stage provisioning (AgentNotProvisioned, naming the tool); the others carry on", () => {
    const run = xsRecord("one-unprovisioned") as unknown as BoardMeshResult;
    expect(run.boots.map((b) => b.ok)).toEqual([true, true, false, true]);
    const refused = run.boots[2];
    expect(refused?.stage).toBe("provisioning");
    expect(refused?.problems?.[0]).toMatch(/not provisioned.*picket provision/);
    expect(run.gatewayAlerts).toBeGreaterThan(0);
    expect(run.combinedTrace).toBe(v8Missing.combinedTrace);
    expect(v8Missing.boots.map((b) => b.ok)).toEqual([true, true, false, true]);
    expect(ErrorCode.AgentNotProvisioned).toBe(1115);
  });

  it("a board whose storage partition does not exist refuses at stage storage, naming picketBoard.storage.partition (V8)", () => {
    resetVirtual({ picket: boardSiteConfig(4), picketBoard: { storage: { partition: "no-such" } } });
    const outcome = main();
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.stage).toBe("storage");
    expect(outcome.code).toBe(ErrorCode.AgentStorageUnavailable);
    expect(outcome.problems).toEqual(['picketBoard.storage.partition: flash partition "no-such" did not open (code ' + ErrorCode.DeviceFault + ")"]);
  });
});
