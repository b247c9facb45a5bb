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
      "test/core/crypto/replay-window.test.ts",
      "test/core/crypto/replay-window-mutants.test.ts",
      "test/core/storage/counter-reservation.test.ts",
      "test/core/storage/counter-proof.test.ts",
      "test/core/storage/counter-mutants.test.ts",
      "test/core/storage/durable-store.test.ts",
      "test/core/storage/table-layout.test.ts",
      "test/core/crypto/crypto.property.test.ts",
      "test/core/storage/storage.property.test.ts",
      "test/core/crypto/key-store-mutants.test.ts",
      "test/core/storage/kv-store-mutants.test.ts",
      "test/core/crypto/frame-protect-mutants.test.ts",
      "test/core/storage/superblock-mutants.test.ts",
      "test/core/storage/receive-ceilings.test.ts",
      "test/core/storage/mirrored-ring.test.ts",
      "test/core/crypto/blake2s.test.ts",
      "test/core/mesh/frame.test.ts",
      "test/core/mesh/seal-at.test.ts",
      "test/core/mesh/epoch.test.ts",
      "test/core/mesh/captured-board.test.ts",
      "test/agent/link-keyring.test.ts",
      "test/core/mesh/link-residuals.test.ts",
      "test/core/mesh/link-seal-mutants.test.ts",
    ],
  },
});
