/**
 * XS entry: the simulation kernel on the real XS engine. Runs the parity
 * scenarios (test/sim/xs-scenario.ts) and reports their summaries, so the test can
 * compare the trace hash with V8's; then measures what a steady-state slice
 * of events costs on XS (computrons and bytes allocated per event).
 */
import { done, measure, record } from "../../../tools/xs/harness";
import { runXsParityScenarios, xsParityKernel } from "../../sim/xs-scenario";

record("summaries", { summaries: runXsParityScenarios() });

// Cost: warm up (every node booted, queue and pools touched), then measure a slice.
const kernel = xsParityKernel();
if (typeof kernel !== "string") {
  kernel.runFor(2_000);
  const eventsBefore = kernel.eventCount;
  const m = measure(() => {
    kernel.runFor(2_000);
  });
  const events = kernel.eventCount - eventsBefore;
  record("cost", { events, computronsPerEvent: m.computrons / events, bytesPerEvent: m.allocatedBytes / events, exact: m.exact });
}
done();
