/**
 * Boards exactly as flashed: `main()` with no options, so each one mounts
 * its store from its flash partition, reads the provisioning record
 * `picket provision` wrote there, keys the secured mesh from it and talks
 * over its SX127x - here the stand-ins of host-sim/moddable (flash partitions,
 * one shared LoRa channel) on virtual time. Node 1 is the gateway; node 2's
 * PIR sees an intruder from 20 s to 25 s. Shared by V8 (vitest) and XS (the
 * literal build/device/main.js); `main` is passed in so the same steps run
 * against either. Platform neutral: no Node, no vitest.
 */
import type { AgentStatus } from "../../agent/agent";
import { CountingGatewaySink } from "../../core/uplink/gateway-sink";
import type { BootOutcome, MainOptions } from "../../agent/moddable/main";
import { provisionDevice } from "../../agent/provision-device";
import { hexInto, linkKeyFields, type ProvisioningFields } from "../../agent/provisioning";
import { openSimSensor } from "../../agent/sim-sensors";
import { SimFlash } from "../../hal/sim/flash";
import { SimEventKind } from "../../hal/sim/sensors/script";
import { advanceTo, resetVirtual, setPartition, virtual } from "../moddable/control";
import { GATEWAY_NODE_ID, scenarioRole, siteConfigFor } from "./site-config";
import { ROLE_NAMES, type AgentRole } from "../../agent/config";

export type MainFunction = (options?: MainOptions) => BootOutcome;

export const BOARD_PARTITION_BLOCK_BYTES = 4096;
export const BOARD_PARTITION_BLOCKS = 8;
/** Test material only: a fixed group secret and authority commitment. */
export const BOARD_MESH_COMMITMENT_HEX = "5c".repeat(32);
/** siteConfigFor leaves uplink.alertPendingCapacity at its default: the store's key table is sized for it. */
export const BOARD_ALERT_SLOTS = 8;

export interface BoardMeshResult {
  readonly boots: readonly { readonly ok: boolean; readonly stage?: string; readonly problems?: readonly string[] }[];
  readonly statuses: readonly AgentStatus[];
  readonly gatewayRecords: number;
  readonly gatewayAlerts: number;
  readonly framesOnAir: number;
  /** All booted boards' trace hashes joined: one string to compare across engines. */
  readonly combinedTrace: string;
}

/** The one site configuration every board of the scenario boots. */
export function boardSiteConfig(boards: number): Record<string, unknown> {
  const base = siteConfigFor(1000);
  return { ...base, keys: { authorityCommitment: BOARD_MESH_COMMITMENT_HEX, keyEpoch: 1 }, uplink: { intervalMs: 5_000 }, radio: { meshTickMs: 100, siteSize: boards }, neighbourCapacity: Math.max(8, boards) };
}

/** Board `nodeId`'s record: its role (default: the scenario's, scenarioRole), the site's keys. */
export function boardFields(nodeId: number, boards: number, role: AgentRole = scenarioRole(nodeId)): ProvisioningFields {
  const secret = new Uint8Array(32);
  for (let i = 0; i < 32; i++) secret[i] = (0x31 + i * 13) & 0xff;
  const commitment = new Uint8Array(32);
  hexInto(BOARD_MESH_COMMITMENT_HEX, commitment);
  const roleCode = ROLE_NAMES.indexOf(role) + 1;
  const keys = linkKeyFields(secret, 1, 1, nodeId, roleCode, [GATEWAY_NODE_ID]);
  if (typeof keys === "number") throw new Error(`board ${nodeId} keys: code ${keys}`);
  return { nodeId, role: roleCode, generation: 0, preferredGateways: [], keyEpoch: 1, groupId: 1, senderIdMax: boards, authorityCommitment: commitment, ...keys };
}

/** The partition image `picket provision` would write for board `nodeId`. */
export function provisionedPartition(fields: ProvisioningFields, alertSlots = BOARD_ALERT_SLOTS): Uint8Array {
  const flash = SimFlash.create({ blockSizeBytes: BOARD_PARTITION_BLOCK_BYTES, blockCount: BOARD_PARTITION_BLOCKS });
  if (!flash.ok) return new Uint8Array(0);
  if (provisionDevice(flash.value, fields, { alertSlots, siteSize: fields.senderIdMax }) !== 0) return new Uint8Array(0);
  const image = new Uint8Array(BOARD_PARTITION_BLOCK_BYTES * BOARD_PARTITION_BLOCKS);
  flash.value.copyTo(image);
  return image;
}

/** `image` as its runs of non-0xff bytes (control.ts setSparsePartition). */
export function sparseImage(image: Uint8Array): [number, string][] {
  const runs: [number, string][] = [];
  let i = 0;
  while (i < image.length) {
    if (image[i] === 0xff) {
      i++;
      continue;
    }
    const start = i;
    // A run ends at 8 erased bytes in a row (shorter gaps stay inside it).
    let end = i;
    while (end < image.length && !(image[end] === 0xff && image.subarray(end, end + 8).every((b) => b === 0xff))) end++;
    let hex = "";
    for (let k = start; k < end; k++) hex += (image[k] ?? 0).toString(16).padStart(2, "0");
    runs.push([start, hex]);
    i = end;
  }
  return runs;
}

/** Give virtual board `nodeId` a provisioned partition (as `role`, default the scenario's); returns the `picketBoard` wiring that names it. */
export function provisionVirtualBoard(nodeId: number, boards: number, role: AgentRole = scenarioRole(nodeId)): Record<string, unknown> {
  const partition = `storage-${nodeId}`;
  setPartition(partition, BOARD_PARTITION_BLOCK_BYTES, provisionedPartition(boardFields(nodeId, boards, role)));
  return { storage: { partition } };
}

/**
 * Boot `boards` boards; `provisioned(nodeId)` says which get a record
 * (the rest have a blank partition and must refuse to boot).
 */
export function runBoardMesh(main: MainFunction, boards: number, durationMs: number, provisioned: (nodeId: number) => boolean = () => true): BoardMeshResult {
  resetVirtual({});
  const sink = new CountingGatewaySink();
  const boots: BootOutcome[] = [];
  for (let id = 1; id <= boards; id++) {
    const partition = `storage-${id}`;
    const image = provisioned(id) ? provisionedPartition(boardFields(id, boards)) : new Uint8Array(BOARD_PARTITION_BLOCK_BYTES * BOARD_PARTITION_BLOCKS).fill(0xff);
    setPartition(partition, BOARD_PARTITION_BLOCK_BYTES, image);
    virtual.config = { picket: boardSiteConfig(boards), picketBoard: { storage: { partition } } };
    boots.push(
      main({
        gatewaySink: sink,
        // Node 2's PIR sees an intruder from 20 s to 25 s; every other sensor is the image's own simulated driver.
        ...(id === 2
          ? {
              openSensor: (sensor, index, site) =>
                openSimSensor(sensor.part, { seed: site.nodeId * 8 + index, ...(index === 1 ? { script: [{ kind: SimEventKind.Set, atMs: 20_000, untilMs: 25_000, amount: 1 }] } : {}) }),
            }
          : {}),
      }),
    );
  }
  advanceTo(durationMs);
  const statuses: AgentStatus[] = [];
  for (const boot of boots) if (boot.ok) statuses.push(boot.agent.status());
  return {
    boots: boots.map((b) => (b.ok ? { ok: true } : { ok: false, stage: b.stage, problems: b.problems })),
    statuses,
    gatewayRecords: sink.telemetryRecords,
    gatewayAlerts: sink.alerts,
    framesOnAir: virtual.framesOnAir,
    combinedTrace: statuses.map((s) => s.traceHash).join(","),
  };
}

export { GATEWAY_NODE_ID };
