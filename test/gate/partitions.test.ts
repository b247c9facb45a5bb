/**
 * The storage partition the agent's store opens (config.picketBoard.storage.partition)
 * exists on every platform Picket builds for, with a size the store accepts:
 * ESP32/ESP32-C3 through the partition table manifest.json hands to mcconfig
 * (build.PARTITIONS_FILE), nRF52 through Moddable's fixed "storage" partition
 * (tools/build/moddable-modules.ts STORAGE_PARTITIONS).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { agentStoreConfig } from "../../agent/persistence";
import { SITE_SIZE_MAX } from "../../agent/config";
import { ErrorCode } from "../../core/runtime/errors";
import { DurableStore } from "../../core/storage/durable-store";
import { SimFlash } from "../../hal/sim/flash";
import { DEFAULT_PARTITION_BYTES } from "../../host-sim/cli/commands/provision";
import {
  matchManifestPlatform,
  MODDABLE_PLATFORMS,
  REFUSED_PLATFORMS,
  STORAGE_PARTITIONS,
  type PlatformManifest,
} from "../../tools/build/moddable-modules";
import { repoRoot } from "../../tools/build/targets";

/** The most pending-alert slots a configuration may ask for (agent/config.ts uplink.alertPendingCapacity). */
const ALERT_SLOTS_MAX = 64;

interface PartitionRow {
  readonly name: string;
  readonly type: string;
  readonly offset: number;
  readonly size: number;
}

/** ESP-IDF partition CSV: name, type, subtype, offset, size, flags; '#' starts a comment. */
function parsePartitions(text: string): PartitionRow[] {
  const rows: PartitionRow[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const [name = "", type = "", , offset = "", size = ""] = line.split(",").map((field) => field.trim());
    rows.push({ name, type, offset: Number(offset), size: Number(size) });
  }
  return rows;
}

/** Does the agent's store mount (format) a blank partition of this geometry, with the most alert slots and the largest site? */
function storeMounts(blockSizeBytes: number, blockCount: number): number {
  const device = SimFlash.create({ blockSizeBytes, blockCount, programAlignBytes: 4 });
  if (!device.ok) return device.code;
  const mounted = DurableStore.mount(device.value, agentStoreConfig({ alertSlots: ALERT_SLOTS_MAX, siteSize: SITE_SIZE_MAX }));
  return mounted.ok ? ErrorCode.Ok : mounted.code;
}

/** Fewest blocks the store mounts on (searched, so the test follows the store's geometry). */
function fewestBlocks(blockSizeBytes: number): number {
  for (let blocks = 1; blocks <= 64; blocks++) if (storeMounts(blockSizeBytes, blocks) === ErrorCode.Ok) return blocks;
  return Number.POSITIVE_INFINITY;
}

const manifest = JSON.parse(readFileSync(join(repoRoot, "manifest.json"), "utf8")) as PlatformManifest & {
  config: { picketBoard: { storage: { partition: string } } };
};
const configured = manifest.config.picketBoard.storage.partition;

describe("storage partition per platform", () => {
  it("the store refuses a partition one block smaller than the fewest it needs (so the checks below can fail)", () => {
    const fewest = fewestBlocks(4096);
    expect(fewest).toBeLessThan(64);
    expect(storeMounts(4096, fewest - 1)).toBe(ErrorCode.BadGeometry);
  });

  for (const platform of MODDABLE_PLATFORMS) {
    const storage = STORAGE_PARTITIONS[platform];
    if (REFUSED_PLATFORMS[platform] !== undefined) {
      it(`${platform}: refused, so it has no storage partition to define`, () => expect(storage).toBeUndefined());
      continue;
    }
    it(`${platform}: the partition the configuration names exists with room for the store (twice its minimum)`, () => {
      expect(storage, platform).toBeDefined();
      if (storage === undefined) return;
      expect(storage.name).toBe(configured);
      let bytes = storage.bytes ?? 0;
      if (storage.partitionsFile !== undefined) {
        expect(matchManifestPlatform(manifest, platform)?.build?.["PARTITIONS_FILE"]).toBe(storage.partitionsFile);
        const path = join(repoRoot, storage.partitionsFile);
        expect(existsSync(path)).toBe(true);
        const row = parsePartitions(readFileSync(path, "utf8")).find((r) => r.name === storage.name);
        expect(row?.type).toBe("data"); // the flash module looks among data partitions
        bytes = row?.size ?? 0;
      }
      expect(bytes % storage.blockSizeBytes).toBe(0);
      const blocks = bytes / storage.blockSizeBytes;
      expect(storeMounts(storage.blockSizeBytes, blocks)).toBe(ErrorCode.Ok);
      expect(blocks).toBeGreaterThanOrEqual(2 * fewestBlocks(storage.blockSizeBytes));
      // `picket provision` formats an image of this geometry by default (the superblock records it).
      expect(bytes).toBe(DEFAULT_PARTITION_BYTES);
      expect(storage.blockSizeBytes).toBe(4096);
    });
  }
});

describe("boards/esp32/partitions.csv", () => {
  const rows = parsePartitions(readFileSync(join(repoRoot, "boards/esp32/partitions.csv"), "utf8"));

  it("keeps the SDK's partitions, in order, without overlap, 4 KB aligned, inside 4 MB of flash", () => {
    expect(rows.map((r) => r.name)).toEqual(["nvs", "phy_init", "factory", "xs", "settings", "storage"]);
    let end = 0x9000; // after the bootloader and the partition table (ESP-IDF default offset 0x8000 + 0x1000)
    for (const row of rows) {
      expect(Number.isInteger(row.offset) && Number.isInteger(row.size), row.name).toBe(true);
      expect(row.offset % 0x1000, row.name).toBe(0);
      expect(row.size % 0x1000, row.name).toBe(0);
      expect(row.offset, row.name).toBeGreaterThanOrEqual(end);
      end = row.offset + row.size;
    }
    expect(end).toBeLessThanOrEqual(4 * 1024 * 1024);
    const factory = rows.find((r) => r.name === "factory");
    expect((factory?.offset ?? 1) % 0x10000).toBe(0); // app partitions are 64 KB aligned (ESP-IDF partition tables)
  });
});
