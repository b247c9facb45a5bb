/**
 * Clock contract (docs/architecture.md "Rules"): the only source of time.
 * `core/` never reads a clock; the agent reads one of these and passes the
 * value in as an argument.
 */
export interface Clock {
  /**
   * Monotonic milliseconds since an arbitrary origin (boot). Integer-valued,
   * never decreasing, safe integer range (2^53 ms is ~285,000 years).
   */
  nowMs(): number;
}
