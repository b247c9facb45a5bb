/**
 * XS entry for test/xs/mesh.test.ts: the mesh on the real XS engine. Frame
 * vectors and one full simulation (compared with V8 by the test), then the
 * cost of the mesh bench cases: computrons and bytes allocated per op.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { meshFrameVectors, runMeshParity } from "../../mesh/xs-scenario";
import { meshCases } from "../../bench/cases/mesh";
import { epochVectors } from "../../mesh/epoch-scenario";
import { runSplitTagScenario } from "../../mesh/split-tag-scenario";
import { runFragmentFlood } from "../../mesh/fragment-flood-scenario";

record("frames", { vectors: meshFrameVectors() });
record("summary", { summary: runMeshParity() });
record("epochs", { epochs: epochVectors() });
record("splitTag", { report: runSplitTagScenario() });
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
