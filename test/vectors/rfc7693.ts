/**
 * RFC 7693 known answers for BLAKE2s, transcribed from the RFC's text:
 * Appendix B (BLAKE2s-256 of "abc") and Appendix E (the self-test: the
 * parameters of its loop, its input generator and the single final hash it
 * gives). Facts from the standard, no code. A TypeScript module so that XS
 * bundles import it too.
 */

/** App. B: BLAKE2s-256("abc"), unkeyed. */
export const ABC_BLAKE2S_256_HEX = "508c5e8c327c14e2e1a72ba34eeb452f37458b209ed63a294d999b4c86675982";

/** App. E: the digest lengths and input lengths of the self-test loop. */
export const SELFTEST_OUT_BYTES: readonly number[] = Object.freeze([16, 20, 28, 32]);
export const SELFTEST_IN_BYTES: readonly number[] = Object.freeze([0, 3, 64, 65, 255, 1024]);
/** App. E: BLAKE2s-256 over every unkeyed and keyed digest of the loop, in order ("grand hash of hash results"). */
export const SELFTEST_BLAKE2S_HEX = "6a411f08ce25adcdfb02aba641451cec53c598b24f4fc787fbdc88797f4c1dfe";

/**
 * App. E `selftest_seq`: `length` bytes of a Fibonacci-like sequence seeded
 * with `seed` (32-bit arithmetic: a = 0xDEAD4BAD * seed, b = 1; each step
 * t = a + b, a = b, b = t, byte (t >> 24) & 0xFF).
 */
export function selftestSequence(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let a = Math.imul(0xdead4bad, seed);
  let b = 1;
  for (let i = 0; i < length; i++) {
    const t = (a + b) | 0;
    a = b;
    b = t;
    out[i] = (t >>> 24) & 0xff;
  }
  return out;
}

/** One digest of the self-test loop: its output length, input length, and whether keyed (key = selftestSequence(outBytes, outBytes)). */
export interface SelftestStep {
  readonly outBytes: number;
  readonly inBytes: number;
  readonly keyed: boolean;
}

/** App. E loop order: for each output length, for each input length, the unkeyed digest then the keyed one. */
export function selftestSteps(): SelftestStep[] {
  const steps: SelftestStep[] = [];
  for (const outBytes of SELFTEST_OUT_BYTES) {
    for (const inBytes of SELFTEST_IN_BYTES) {
      steps.push({ outBytes, inBytes, keyed: false }, { outBytes, inBytes, keyed: true });
    }
  }
  return steps;
}
