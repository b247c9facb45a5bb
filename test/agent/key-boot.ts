/**
 * A board's mesh boot (store mount + buildRadioMesh: provisioning record,
 * send key, receive-key cache, replay windows, MeshTransport) for a site of
 * `siteBoards` members, for measuring how boot grows with the site
 * (test/xs/key-boot.test.ts, test/bench/cases/crypto.ts). The flash is
 * provisioned before the measured region. Platform neutral.
 */
import { ROLE_NAMES, validateBoardConfig, type SiteConfig } from "../../agent/config";
import { AgentStore, storeShapeOf } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { buildRadioMesh, type RadioMeshOutcome } from "../../agent/radio-mesh";
import { ErrorCode } from "../../core/runtime/errors";
import { SimFlash } from "../../hal/sim/flash";
import { MEASURED_BOARD, MEASURED_IDENTITY } from "./measured-board";
import { quietRadio } from "./measured-radio";
import { keyed } from "./record-keys";

export interface MeshBoot {
  readonly config: SiteConfig;
  readonly flash: SimFlash;
  /** Mount the store and build the mesh (the measured boot). */
  boot(): RadioMeshOutcome;
}

/** The measured board (node 1) provisioned as a member of a `siteBoards`-board site, or a reason it could not be. */
export function meshBootFor(siteBoards: number): MeshBoot | string {
  // A board of that site keeps a receive ceiling for each of its senders (radio.siteSize).
  const radio0 = (MEASURED_BOARD as { radio?: Record<string, unknown> }).radio ?? {};
  const validated = validateBoardConfig({ ...MEASURED_BOARD, radio: { ...radio0, siteSize: siteBoards } }, MEASURED_IDENTITY);
  if (!validated.ok) return "config";
  const config = validated.config;
  // The boards' 64 KB storage partition (test/gate/partitions.test.ts): a store for the largest site fits it.
  const flash = SimFlash.create({ blockSizeBytes: 4096, blockCount: 16 });
  if (!flash.ok) return "flash";
  const secret = new Uint8Array(32).fill(0x3c);
  const fields = keyed({ nodeId: config.nodeId, role: ROLE_NAMES.indexOf(config.role) + 1, generation: 0, preferredGateways: [], keyEpoch: 0, groupId: 1, senderIdMax: siteBoards, authorityCommitment: new Uint8Array(32), groupSecret: secret }, config.gateways);
  if (provisionDevice(flash.value, fields, storeShapeOf(config)) !== ErrorCode.Ok) return "provision";
  const radio = quietRadio();
  return {
    config,
    flash: flash.value,
    boot: () => buildRadioMesh({ config, store: AgentStore.open(flash.value, storeShapeOf(config)), radio, randomSeed: 1 }),
  };
}
