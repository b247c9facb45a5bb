/**
 * The test set `npm run mutate` (Stryker, stryker.config.json) runs against
 * each mutant: the unit tests of the code that guards keys, counters, replay
 * and storage. The whole suite (XS runs included) is `npm test`; this one
 * stays small enough to run once per mutant. Same defines and Moddable
 * stand-ins as vitest.config.ts; only the test list differs (not merged: a
 * merge would add this list to the whole suite's).
 */
import { defineConfig } from "vitest/config";
import base from "./vitest.config";

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      "test/unit/crypto-replay.test.ts",
      "test/unit/replay-window-mutants.test.ts",
      "test/unit/storage-counter.test.ts",
      "test/unit/storage-counter-proof.test.ts",
      "test/unit/storage-counter-mutants.test.ts",
      "test/unit/storage-store.test.ts",
      "test/unit/table-layout.test.ts",
      "test/property/crypto.test.ts",
      "test/property/storage.test.ts",
      "test/unit/key-store-mutants.test.ts",
      "test/unit/kv-store-mutants.test.ts",
      "test/unit/frame-protect-mutants.test.ts",
      "test/unit/superblock-mutants.test.ts",
      "test/unit/storage-receive-ceilings.test.ts",
      "test/unit/storage-mirrored-ring.test.ts",
      "test/unit/blake2s.test.ts",
      "test/unit/mesh-frame.test.ts",
      "test/unit/mesh-seal-at.test.ts",
      "test/unit/mesh-epoch.test.ts",
      "test/unit/captured-board.test.ts",
      "test/unit/link-keyring.test.ts",
      "test/unit/link-residuals.test.ts",
      "test/unit/link-seal-mutants.test.ts",
    ],
  },
});
