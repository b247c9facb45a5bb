/**
 * Write amplification and erase rate of steady-state 64-byte consensus
 * appends on an ESP32-shaped partition (4 KiB blocks, 16 blocks), with the
 * Raft pattern of compacting the prefix behind a snapshot every 64 entries.
 * Deterministic: the same numbers on V8 and XS (bench rows, wear test).
 */
import { ErrorCode } from "../../../core/runtime/errors";
import type { StoreConfig } from "../../../core/storage/durable-store";
import { mountAfterPowerUp, simDevice } from "./fixtures";
import type { LogIndex, Term } from "../../../core/runtime/ids";

export const WEAR_GEOMETRY = Object.freeze({ blockSizeBytes: 4096, blockCount: 16, programAlignBytes: 4 });
export const WEAR_CONFIG: StoreConfig = Object.freeze({
  recordPayloadMaxBytes: 64,
  kvKeyCount: 8,
  kvValueMaxBytes: 32,
  logCapacityEntries: 256,
});
export const WEAR_ENTRY_BYTES = 64;
export const WEAR_BENCH_APPENDS = 20_000;
/** Entries kept behind the snapshot point. */
const RETAINED_ENTRIES = 128;

export interface AppendWear {
  readonly appends: number;
  /** Bytes programmed on flash (records, copies, headers, superblocks, padding) per payload byte. */
  readonly writeAmplification: number;
  readonly erasesPer1000Appends: number;
}

export function measureAppendWear(appends = WEAR_BENCH_APPENDS): AppendWear {
  const device = simDevice(WEAR_GEOMETRY);
  const store = mountAfterPowerUp(device, WEAR_CONFIG);
  const entry = new Uint8Array(WEAR_ENTRY_BYTES);
  const programmedBefore = store.bytesProgrammed;
  const erasesBefore = store.erases;
  let payload = 0;
  for (let i = 1; i <= appends; i++) {
    entry[0] = i & 0xff;
    if (store.append(i as LogIndex, 1 as Term, entry, 0, WEAR_ENTRY_BYTES) !== ErrorCode.Ok) throw new Error(`append ${i} failed`);
    payload += WEAR_ENTRY_BYTES;
    if (i % 64 === 0 && i > RETAINED_ENTRIES && store.compactThrough((i - RETAINED_ENTRIES) as LogIndex, 1 as Term) !== ErrorCode.Ok) {
      throw new Error(`compact at ${i} failed`);
    }
  }
  return {
    appends,
    writeAmplification: (store.bytesProgrammed - programmedBefore) / payload,
    erasesPer1000Appends: ((store.erases - erasesBefore) * 1000) / appends,
  };
}
