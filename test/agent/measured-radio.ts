/**
 * The board mesh of the measured board (test/xs/agent.test.ts): its flash
 * provisioned for a 33-board site (itself and 32 neighbours) and a radio
 * driver that does nothing (a driver's memory is not the agent's). Platform
 * neutral.
 */
import type { SiteConfig } from "../../agent/config";
import type { AgentStore } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { RecordRole } from "../../agent/provisioning";
import { buildRadioMesh, type RadioMeshOutcome } from "../../agent/radio-mesh";
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import type { ValueOrCode } from "../../core/collections/value-or-code";
import type { MeshRadio } from "../../core/mesh/radio-port";
import type { BlockDevice } from "../../core/storage/block-device";
import { keyed } from "./record-keys";
import { MEASURED_BOARD } from "./measured-board";

export const MEASURED_SITE_BOARDS = 33;
/** The measured board's site gateways (measured-board.ts MEASURED_BOARD.gateways): it holds a pair secret with each. */
export const MEASURED_GATEWAYS: readonly number[] = MEASURED_BOARD["gateways"] as readonly number[];

export function quietRadio(): MeshRadio {
  return {
    mtuBytes: 255,
    airtimeUs: (lengthBytes: number): number => 1_000 + lengthBytes * 1_500,
    isTransmitting: (): boolean => false,
    isChannelBusy: (): boolean => false,
    transmit: (): Status => ErrorCode.Ok,
    receive: (): ValueOrCode => -ErrorCode.Empty,
  };
}

/** Write the measured board's provisioning record (node `nodeId` of a 33-board site) into `device`. */
export function provisionMeasured(device: BlockDevice, nodeId: number, alertSlots: number): Status {
  const secret = new Uint8Array(32).fill(0x3c);
  return provisionDevice(device, keyed({ nodeId, role: RecordRole.Sensor, generation: 0, preferredGateways: [], keyEpoch: 0, groupId: 1, senderIdMax: MEASURED_SITE_BOARDS, authorityCommitment: new Uint8Array(32), groupSecret: secret }, MEASURED_GATEWAYS), { alertSlots, siteSize: MEASURED_SITE_BOARDS });
}

export function measuredMesh(config: SiteConfig, store: AgentStore, radio: MeshRadio): RadioMeshOutcome {
  return buildRadioMesh({ config, store, radio, randomSeed: 1 });
}
