/**
 * XS entry: every conformance property (the same files vitest runs on V8),
 * with fast-check bundled, on the real XS engine. One record per property.
 */
import "../shims";
import * as fc from "fast-check";
import { done, record } from "../../../tools/xs/harness";
import { CONFORMANCE_SEED, CONFORMANCE_SUITES } from "../../conformance/index";

// Fewer runs than on V8: XS is an interpreter; the point here is the same code paths on the other engine.
const NUM_RUNS = 60;
let failed = 0;
let total = 0;
for (const suite of CONFORMANCE_SUITES) {
  for (const property of suite.properties) {
    total++;
    const before = meter();
    let error = "";
    try {
      property.run(fc, NUM_RUNS, CONFORMANCE_SEED);
    } catch (e) {
      failed++;
      error = String(e).slice(0, 2000);
    }
    record("property", { suite: suite.suite, name: property.name, ok: error === "", error, computrons: meter() - before });
  }
}
done({ total, failed });
