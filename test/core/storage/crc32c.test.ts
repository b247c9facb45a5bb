import { describe, expect, it } from "vitest";
import { Crc32c, CRC32C_CHECK_VALUE } from "../../../core/storage/crc32c";

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

describe("CRC-32C (Castagnoli)", () => {
  const crc = Crc32c.create();

  it('gives the RFC 3720 Appendix B.4 check value 0xE3069283 for "123456789"', () => {
    expect(CRC32C_CHECK_VALUE).toBe(0xe3069283);
    expect(crc.checksum(ascii("123456789"), 0, 9)).toBe(CRC32C_CHECK_VALUE);
  });

  it("matches the RFC 3720 B.4 vectors: 32 bytes of zeros, of ones, incrementing, decrementing", () => {
    expect(crc.checksum(new Uint8Array(32), 0, 32)).toBe(0x8a9136aa);
    expect(crc.checksum(new Uint8Array(32).fill(0xff), 0, 32)).toBe(0x62a8ab43);
    expect(crc.checksum(Uint8Array.from({ length: 32 }, (_, i) => i), 0, 32)).toBe(0x46dd794e);
    expect(crc.checksum(Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0, 32)).toBe(0x113fdb5c);
  });

  it("checksums exactly the requested range of a larger buffer", () => {
    const buffer = new Uint8Array(20).fill(0xaa);
    buffer.set(ascii("123456789"), 5);
    expect(crc.checksum(buffer, 5, 9)).toBe(CRC32C_CHECK_VALUE);
    expect(crc.checksum(buffer, 0, 0)).toBe(0);
  });
});
