/**
 * XS side of test/xs/board-mesh.test.ts: the literal device bundle's `main`
 * booted as flashed boards (provisioned partitions, the SX127x stand-in)
 * by the shared scenario, then again with board 3 left unprovisioned.
 */
// @ts-expect-error resolved by runLiteralDeviceEntry to build/device/main.js
import main from "picket:literal-device-main";
import { runBoardMesh, type MainFunction } from "../../../host-sim/device-scenarios/board-mesh";
import { done, record } from "../../../tools/xs/harness";
import { BOARD_MESH_BOARDS, BOARD_MESH_DURATION_MS } from "../board-mesh-params";

const literalMain = main as MainFunction;
const all = runBoardMesh(literalMain, BOARD_MESH_BOARDS, BOARD_MESH_DURATION_MS);
record("all-provisioned", { ...all });
const missing = runBoardMesh(literalMain, BOARD_MESH_BOARDS, BOARD_MESH_DURATION_MS, (id) => id !== 3);
record("one-unprovisioned", { ...missing });
done();
