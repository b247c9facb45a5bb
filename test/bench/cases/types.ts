/**
 * One benchmark case. The same case object runs on V8 (ops/s) and inside the
 * XS engine (computrons/op and bytes allocated/op), so a case must be
 * platform neutral: no Node APIs, no timers, no console.
 *
 * `setup` builds everything the case needs (constructors allocate here);
 * `run` performs exactly `ops` operations on that state and returns a number
 * derived from the work (a checksum) so engines cannot drop it as dead code.
 * The harness calls `run` once to warm up before it measures.
 */
export interface BenchCase<S = unknown> {
  /** Group shown as a section of the table, e.g. "collections". */
  readonly group: string;
  /** Case name, e.g. "RingBuffer push+pop (Float64)". */
  readonly name: string;
  /** Operations counted per `run` call unit: reported per op. */
  readonly opsPerRun: number;
  setup(): S;
  run(state: S): number;
}

export function benchCase<S>(c: BenchCase<S>): BenchCase<unknown> {
  return c as unknown as BenchCase<unknown>;
}
