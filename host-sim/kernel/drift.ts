/**
 * Per-node clock drift in integer arithmetic.
 *
 * A node whose oscillator runs `driftPpm` parts per million fast reads
 *   local(t) = offsetMs + t + floor(t * driftPpm / 10^6)
 * at virtual time t, and a timer it arms for `delayMs` of its own time fires
 * after ceil(delayMs * 10^6 / (10^6 + driftPpm)) virtual ms. Every product
 * stays below 2^53 for the scenario limits (t <= 30 days, |drift| <= 2e5,
 * delay < 2^31), and the divisions are done on exact multiples, so the
 * results are the same integers on every engine.
 */
const MILLION = 1_000_000;

/** floor(numerator / divisor) for safe integers, divisor > 0, exactly. */
export function floorDiv(numerator: number, divisor: number): number {
  const remainder = numerator % divisor; // exact for safe integers; sign of numerator
  const quotient = (numerator - remainder) / divisor; // exact: an exact multiple
  return remainder < 0 ? quotient - 1 : quotient;
}

/** The node's clock reading at virtual time `virtualMs`. */
export function localTimeMs(virtualMs: number, driftPpm: number, offsetMs: number): number {
  return offsetMs + virtualMs + floorDiv(virtualMs * driftPpm, MILLION);
}

/** Virtual ms until a timer armed for `localDelayMs` of node time fires. */
export function virtualDelayMs(localDelayMs: number, driftPpm: number): number {
  if (driftPpm === 0) return localDelayMs;
  const rate = MILLION + driftPpm;
  return -floorDiv(-localDelayMs * MILLION, rate); // ceil
}
