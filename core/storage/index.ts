/**
 * Durable state on NOR flash (docs/architecture.md "Layers", core/storage/): a power-loss
 * safe record log (record-log.ts) with a superblock pair (superblock.ts),
 * and on top of it a key-value store and the consensus log
 * (durable-store.ts, which states the durability contract), plus counter
 * reservation for replay protection (counter-reservation.ts).
 */
export type { BlockDevice } from "./block-device";
export { Crc32c, CRC32C_CHECK_VALUE } from "./crc32c";
export { DurableStore, KV_KEY_COUNT_MAX, LOG_CAPACITY_ENTRIES_MAX, type StoreConfig } from "./durable-store";
export type { KvStore } from "./kv-store";
export { LOG_INDEX_MAX, type ConsensusLogStore } from "./consensus-log";
export { MountReport } from "./mount-report";
export {
  CounterReservation,
  COUNTER_MAX_DEFAULT,
  COUNTER_STEP_MAX,
  type CounterReservationOptions,
  type CounterSource,
} from "./counter-reservation";
export { RecordLog, DATA_BLOCKS_MIN } from "./record-log";
