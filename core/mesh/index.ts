/**
 * core/mesh public surface (README "Mesh transport"): link frames, fragmentation, routing,
 * airtime and duty cycle, and the transport that composes them.
 */
export { AIRTIME_BUCKETS_MAX, AIRTIME_SERIES_MAX, AirtimeWindow } from "./airtime-window";
export { AirtimeTable, LORA_PAYLOAD_MAX_BYTES, loraAirtimeUs, loraSymbolUs, type LoRaParams } from "./airtime";
export { DEFAULT_CLASS_SHARE_PERMILLE, DutyCycleBudget, HOUR_MS, PPM, eu868DutyCyclePpm, type DutyCycleOptions } from "./duty-cycle";
export {
  FRAGMENT_COUNT_MAX,
  FRAGMENT_HEADER_BYTES,
  FragmentHeader,
  fragmentChunkBytes,
  fragmentCount,
  fragmentOffset,
  parseFragmentHeader,
  writeFragmentHeader,
} from "./fragment-header";
export { FRAME_POOL_BLOCK_BYTES, FRAME_POOL_BLOCKS_MAX, FramePool, framePoolBlocks } from "./frame-pool";
export { HOP_ACK_ENTRY_BYTES, HopAckHistory, HopAckTable, readHopAckEntry } from "./hop-acks";
export {
  BROADCAST_NODE_ID,
  COUNTER_MAX,
  FrameType,
  HOP_LIMIT_MAX,
  LINK_CLASS_COUNT,
  LINK_FRAME_MIN_BYTES,
  LINK_HEADER_MAX_BYTES,
  LINK_HEADER_MIN_BYTES,
  LINK_TAG_BYTES,
  KEY_PHASE_BITS,
  KEY_PHASE_MASK,
  LINK_FORMAT_ESCAPE_CLASS,
  LINK_TYPE_SHIFT,
  LinkClass,
  LinkHeader,
  NODE_ID_MAX,
  SHORT_COUNTER_LIMIT,
  hasDestination,
  linkHeaderBytes,
  parseLinkHeader,
  rewriteHopFields,
  writeAad,
  writeLinkHeader,
} from "./link-header";
export { LinkOpener, LinkScratch, LinkSealer, stampHop, verifyHop, windowIdMax, windowIdOf, type ReceiveAdmission } from "./link-seal";
export { LINK_SECRET_BYTES, LINK_SITE_SIZE_MAX, SecretTableKeyring, type LinkKeyring } from "./link-keys";
export { MESH_COUNTER_COUNT, MESH_COUNTER_NAMES, MeshCounter, MeshCounters } from "./mesh-counters";
export { MESH_CONFIG_DEFAULTS, meshConfig, validateMeshConfig, type MeshConfig } from "./mesh-config";
export { NeighbourChange, NeighbourTable, snrQualityPermille } from "./neighbour-table";
export { PendingSends } from "./pending-sends";
export { RECORD_ENTRY_HEADER_BYTES, RecordQueues, recordQueueBlocksMax, type RecordQueueLimits } from "./record-queues";
export { RadioReception, type MeshRadio } from "./radio-port";
export { FragmentResult, ReassemblyTable, type ReassemblyOptions } from "./reassembly";
export { RecentPairs } from "./recent-pairs";
export { RelayQueue } from "./relay-queue";
export { ROUTE_TTL_MS_MAX, RouteChange, RouteTable } from "./route-table";
export {
  MeshLogEvent,
  MeshTransport,
  framePoolBlockCount,
  type MeshDelivery,
  type MeshObserver,
  type MeshRandom,
  type MeshTransportOptions,
} from "./transport";
