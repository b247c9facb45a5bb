/**
 * CRC-32C (Castagnoli), the checksum on every superblock, segment header and
 * record in the store.
 *
 * Reflected polynomial 0x82F63B78, initial value and final XOR 0xFFFFFFFF
 * (RFC 3720 §12.1, check value in RFC 3720 Appendix B.4: the CRC-32C of the
 * ASCII bytes "123456789" is 0xE3069283). Castagnoli's polynomial keeps
 * Hamming distance >= 4 up to ~2^31 bits, so every 1-, 2- and 3-bit error in
 * a record is detected, and other errors escape with probability 2^-32.
 *
 * The 256-entry table is a frozen module-level array computed when the
 * module body runs: under Moddable preload that happens at build time and
 * the table lives in flash (`documentation/xs/preload.md`), so it costs no
 * RAM and is never written. (A typed array would not do: a frozen typed
 * array cannot hold elements, and a preloaded buffer is read-only anyway.)
 * Byte-wise, integer math only.
 */
export const CRC32C_CHECK_VALUE = 0xe3069283;

const POLYNOMIAL_REFLECTED = 0x82f63b78;

function tableEntry(n: number): number {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL_REFLECTED : c >>> 1;
  return c >>> 0;
}

/** CRC-32C of every byte value (RFC 3720 §12.1 polynomial, reflected). */
const TABLE: readonly number[] = Object.freeze(Array.from({ length: 256 }, (_, n) => tableEntry(n)));

export class Crc32c {
  /** No state: every instance computes with the one shared table. */
  static create(): Crc32c {
    return new Crc32c();
  }

  /**
   * CRC-32C of `bytes[offset .. offset + lengthBytes)`. The range must lie
   * inside `bytes` (callers pass their own fixed buffers); bytes outside it
   * read as 0 rather than failing.
   */
  checksum(bytes: Uint8Array, offset: number, lengthBytes: number): number {
    const table = TABLE;
    let crc = 0xffffffff;
    const end = offset + lengthBytes;
    for (let i = offset; i < end; i++) {
      crc = (table[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
    }
    return (crc ^ 0xffffffff) >>> 0;
  }
}
