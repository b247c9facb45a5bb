/**
 * XS entry for test/xs/mesh.test.ts: the mesh on the real XS engine. Frame
 * vectors and one full simulation (compared with V8 by the test), then the
 * cost of the mesh bench cases: computrons and bytes allocated per op.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { meshFrameVectors, runMeshParity } from "../../mesh/xs-scenario";
import { meshCases } from "../../bench/cases/mesh";
import { epochVectors } from "../../mesh/epoch-scenario";
import { runSplitTagScenario, splitTagCostOps } from "../../mesh/split-tag-scenario";
import { runFragmentFlood } from "../../mesh/fragment-flood-scenario";
import { KEY_RAM_STEP, makeCacheOnly, makeKeyStore } from "../../mesh/key-ram";

record("frames", { vectors: meshFrameVectors() });
record("summary", { summary: runMeshParity() });
record("epochs", { epochs: epochVectors() });
record("splitTag", { report: runSplitTagScenario() });
{
  const keep: unknown[] = [];
  const small = measure(() => keep.push(makeKeyStore(16)));
  const large = measure(() => keep.push(makeKeyStore(16 + KEY_RAM_STEP)));
  const makeSmall = makeCacheOnly(8);
  const makeLarge = makeCacheOnly(8 + KEY_RAM_STEP);
  const cacheSmall = measure(() => keep.push(makeSmall()));
  const cacheLarge = measure(() => keep.push(makeLarge()));
  record("keyRam", {
    slotBytes: (large.allocatedBytes - small.allocatedBytes) / KEY_RAM_STEP,
    cacheEntryBytes: (cacheLarge.allocatedBytes - cacheSmall.allocatedBytes) / KEY_RAM_STEP,
    exact: small.exact && large.exact && cacheSmall.exact && cacheLarge.exact,
    kept: keep.length,
  });
}
{
  const ops = splitTagCostOps(20);
  const seal = measure(() => ops.seal());
  const relay = measure(() => ops.relay());
  const open = measure(() => ops.open());
  record("splitTagCost", {
    sealComputrons: seal.computrons / ops.frames,
    relayComputrons: relay.computrons / ops.frames,
    openComputrons: open.computrons / ops.frames,
    sealBytes: seal.allocatedBytes / ops.frames,
    relayBytes: relay.allocatedBytes / ops.frames,
    openBytes: open.allocatedBytes / ops.frames,
    exact: seal.exact && relay.exact && open.exact,
  });
}
record("flood", { none: runFragmentFlood("none"), splitTag: runFragmentFlood("splitTag"), groupKeys: runFragmentFlood("groupKeys") });
for (const c of meshCases) {
  const state = c.setup();
  c.run(state);
  const m = measure(() => {
    c.run(state);
  });
  record("case", { name: c.name, computronsPerOp: m.computrons / c.opsPerRun, bytesPerOp: m.allocatedBytes / c.opsPerRun, exact: m.exact });
}
done();
