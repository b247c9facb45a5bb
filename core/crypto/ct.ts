/**
 * Secret-safe byte helpers. Secrets (MAC tags, key commitments, derived
 * keys) are never compared with `===` or an early-exit loop: the time such a
 * loop takes tells an attacker how many leading bytes matched.
 */

/**
 * True when a and b hold the same bytes. The running time depends only on
 * the lengths (which are public), never on where the first difference is.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/** constantTimeEqual of bytes[a, +length) and bytes[b, +length) (two regions of one buffer). */
export function constantTimeEqualAt(bytes: Uint8Array, a: number, b: number, length: number): boolean {
  let diff = 0;
  for (let i = 0; i < length; i++) diff |= (bytes[a + i] ?? 0) ^ (bytes[b + i] ?? 0);
  return diff === 0;
}

/** Overwrite with zeros (key material leaving service). */
export function zeroize(bytes: Uint8Array): void {
  bytes.fill(0);
}
