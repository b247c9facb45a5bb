/** XS side of `npm run bench`: computrons/op and bytes allocated/op for every case. */
import { done, measure, record } from "../../tools/xs/harness";
import { ALL_CASES } from "./cases/index";

for (const c of ALL_CASES) {
  const state = c.setup();
  c.run(state); // warm-up: first-touch allocations (lazily built hidden state) happen here
  const m = measure(() => {
    c.run(state);
  });
  record("bench", {
    group: c.group,
    name: c.name,
    opsPerRun: c.opsPerRun,
    computronsPerOp: m.computrons / c.opsPerRun,
    bytesPerOp: m.allocatedBytes / c.opsPerRun,
    exact: m.exact,
  });
}
done({ slotBytes: slotBytes() });
