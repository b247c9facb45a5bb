/**
 * XS entry for test/xs/mesh.test.ts: the mesh on the real XS engine. Frame
 * vectors, one full simulation and the captured-board attacks (compared
 * with V8 by the test), then the cost of a frame's seal, relay and open and
 * of the mesh bench cases: computrons and bytes allocated per op.
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { meshFrameVectors, runMeshParity } from "../../core/mesh/xs-scenario";
import { meshCases } from "../../bench/cases/mesh";
import { epochVectors } from "../../core/mesh/epoch-scenario";
import { farAhead, fragmentFlood, sealAsAnother } from "../../core/mesh/captured-board-scenario";
import { linkCostOps } from "../../core/mesh/link-cost";

record("frames", { vectors: meshFrameVectors() });
record("summary", { summary: runMeshParity() });
record("epochs", { epochs: epochVectors() });
record("captured", { sealAsAnother: sealAsAnother(), farAhead: farAhead() });
record("flood", { none: fragmentFlood("none"), captured: fragmentFlood("captured"), gatewaySecrets: fragmentFlood("gatewaySecrets") });
{
  const ops = linkCostOps(20);
  const seal = measure(() => ops.seal());
  const relay = measure(() => ops.relay());
  const open = measure(() => ops.open());
  record("linkCost", {
    sealComputrons: seal.computrons / ops.frames,
    relayComputrons: relay.computrons / ops.frames,
    openComputrons: open.computrons / ops.frames,
    relayBytes: relay.allocatedBytes / ops.frames,
    openBytes: open.allocatedBytes / ops.frames,
    exact: seal.exact && relay.exact && open.exact,
  });
}
for (const c of meshCases) {
  const state = c.setup();
  c.run(state);
  const m = measure(() => {
    c.run(state);
  });
  record("case", { name: c.name, computronsPerOp: m.computrons / c.opsPerRun, bytesPerOp: m.allocatedBytes / c.opsPerRun, exact: m.exact });
}
done();
