/**
 * What the XS run of the storage suites covers (test/xs/entries/storage.xs.ts),
 * shared with its V8 counterpart so both engines run exactly the same plan.
 */
import type { Crc32c } from "../../../core/storage/crc32c";
import type { SimFlash } from "../../../hal/sim/flash";
import type { WorkloadOptions } from "./workload";

export const XS_SWEEP: { readonly workload: WorkloadOptions; readonly deviceSeed: number; readonly stride: number } = Object.freeze({
  workload: Object.freeze({ seed: 7, operations: 1000, operationsAfterCrash: 25 }),
  deviceSeed: 0x5eed,
  /** Every 8th fault point: ~140 of the ~1,100 steps, spread over the whole run. */
  stride: 8,
});

export const XS_RANDOM_SEEDS: readonly number[] = Object.freeze([1, 2, 3, 4]);

/** CRC-32C of the whole partition, as 8 hex digits. */
export function imageDigest(device: SimFlash, crc: Crc32c): string {
  const image = new Uint8Array(device.blockSizeBytes * device.blockCount);
  device.copyTo(image);
  return crc.checksum(image, 0, image.length).toString(16).padStart(8, "0");
}
