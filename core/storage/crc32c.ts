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
 * The 256-entry table is built at `create` (a frozen typed array cannot hold
 * elements, and module-level mutable state is not allowed on XS). Byte-wise:
 * 1 KiB of RAM, integer math only.
 */
export const CRC32C_CHECK_VALUE = 0xe3069283;

const POLYNOMIAL_REFLECTED = 0x82f63b78;

export class Crc32c {
  readonly #table: Uint32Array;

  private constructor(table: Uint32Array) {
    this.#table = table;
  }

  static create(): Crc32c {
    const table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL_REFLECTED : c >>> 1;
      table[n] = c >>> 0;
    }
    return new Crc32c(table);
  }

  /**
   * CRC-32C of `bytes[offset .. offset + lengthBytes)`. The range must lie
   * inside `bytes` (callers pass their own fixed buffers); bytes outside it
   * read as 0 rather than failing.
   */
  checksum(bytes: Uint8Array, offset: number, lengthBytes: number): number {
    const table = this.#table;
    let crc = 0xffffffff;
    const end = offset + lengthBytes;
    for (let i = offset; i < end; i++) {
      crc = (table[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
    }
    return (crc ^ 0xffffffff) >>> 0;
  }
}
