/**
 * XS entry for test/xs/key-boot.test.ts: what a board's mesh boot costs
 * (computrons, bytes) as a member of a 33-board site and the largest (radio.siteSize at most SITE_SIZE_MAX). Its link
 * secrets stay in its provisioning record (agent/link-keyring.ts), so boot
 * derives no key at all.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { meshBootFor } from "../../agent/key-boot";
import { SITE_SIZE_MAX } from "../../../agent/config";

for (const boards of [33, SITE_SIZE_MAX]) {
  const rig = meshBootFor(boards);
  if (typeof rig === "string") {
    record("boot", { boards, error: rig });
    continue;
  }
  let booted = false;
  const m = measure(() => {
    const outcome = rig.boot();
    booted = outcome.ok;
  });
  record("boot", { boards, booted, computrons: m.computrons, bytes: m.allocatedBytes, slots: m.slots, chunkBytes: m.chunkBytes, exact: m.exact });
}
done();
