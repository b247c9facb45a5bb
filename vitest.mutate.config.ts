/**
 * The test set `npm run mutate` (Stryker, stryker.config.json) runs against
 * each mutant: the unit tests of the code that guards keys, counters, replay
 * and storage. The whole suite (XS runs included) is `npm test`; this one
 * stays small enough to run once per mutant.
 */
import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config";

export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ["test/unit/crypto-replay.test.ts", "test/unit/storage-counter.test.ts", "test/unit/crypto-sender-key-cache.test.ts", "test/unit/storage-store.test.ts"],
    },
  }),
);
