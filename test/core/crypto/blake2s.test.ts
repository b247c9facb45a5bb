/**
 * Keyed BLAKE2s (core/crypto/blake2s.ts): RFC 7693 App. B and App. E known
 * answers, a seeded differential against @noble/hashes blake2s (key, dkLen,
 * personalization), bad input refused with `out` untouched, offsets honoured
 * and the state region zeroed after every call.
 *
 * `npm run mutate` covers blake2s.ts with this file: 98.9 % (273 killed, 8
 * timeouts, 3 survivors). The survivors are equivalent: the early return of
 * the whole-block load (what follows it does nothing for 16 words) and two
 * changes to the high word of the byte counter t, which stays 0 below
 * 2^32 bytes of key block plus data.
 */
import { blake2s as nobleBlake2s } from "@noble/hashes/blake2.js";
import { describe, expect, it } from "vitest";
import { BLAKE2S_MAC_SCRATCH_BYTES, Blake2sMac } from "../../../core/crypto/blake2s";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import { ABC_BLAKE2S_256_HEX, SELFTEST_BLAKE2S_HEX, selftestSequence, selftestSteps } from "../../vectors/rfc7693";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

function randomBytes(rng: Xoshiro128, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

describe("RFC 7693 known answers", () => {
  it('App. B: BLAKE2s-256("abc")', () => {
    const out = new Uint8Array(32);
    expect(new Blake2sMac().hashAt(null, new TextEncoder().encode("abc"), 0, 3, out, 0, 32)).toBe(ErrorCode.Ok);
    expect(hex(out)).toBe(ABC_BLAKE2S_256_HEX);
  });

  it("App. E: the self-test's final hash over every unkeyed and keyed digest (outlens 16/20/28/32, inlens 0/3/64/65/255/1024)", () => {
    const mac = new Blake2sMac();
    const steps = selftestSteps();
    const results = new Uint8Array(steps.reduce((sum, s) => sum + s.outBytes, 0));
    let at = 0;
    for (const s of steps) {
      const input = selftestSequence(s.inBytes, s.inBytes);
      const status = s.keyed
        ? mac.tagAt(selftestSequence(s.outBytes, s.outBytes), 0, s.outBytes, null, input, 0, s.inBytes, results, at, s.outBytes)
        : mac.hashAt(null, input, 0, s.inBytes, results, at, s.outBytes);
      expect(status).toBe(ErrorCode.Ok);
      at += s.outBytes;
    }
    const grand = new Uint8Array(32);
    expect(mac.hashAt(null, results, 0, results.length, grand, 0, 32)).toBe(ErrorCode.Ok);
    expect(hex(grand)).toBe(SELFTEST_BLAKE2S_HEX);
  });

  it("the App. E transcription agrees with @noble/hashes (the vectors themselves are right)", () => {
    const parts: Uint8Array[] = [];
    for (const s of selftestSteps()) {
      const input = selftestSequence(s.inBytes, s.inBytes);
      parts.push(s.keyed ? nobleBlake2s(input, { dkLen: s.outBytes, key: selftestSequence(s.outBytes, s.outBytes) }) : nobleBlake2s(input, { dkLen: s.outBytes }));
    }
    expect(hex(nobleBlake2s(Buffer.concat(parts)))).toBe(SELFTEST_BLAKE2S_HEX);
    expect(hex(nobleBlake2s(new TextEncoder().encode("abc")))).toBe(ABC_BLAKE2S_256_HEX);
  });
});

describe("differential against @noble/hashes blake2s", () => {
  it("600 seeded cases: keys 1..32 B, data 0..300 B, outBytes 1..32, personalization or none, at offsets", () => {
    const rng = new Xoshiro128(0xb1a4e2);
    const mac = new Blake2sMac();
    for (let n = 0; n < 600; n++) {
      const keyBytes = 1 + rng.nextBelow(32);
      const dataLength = rng.nextBelow(301);
      const outBytes = 1 + rng.nextBelow(32);
      const keyOffset = rng.nextBelow(5);
      const dataOffset = rng.nextBelow(5);
      const outOffset = rng.nextBelow(5);
      const key = randomBytes(rng, keyOffset + keyBytes + rng.nextBelow(3));
      const data = randomBytes(rng, dataOffset + dataLength + rng.nextBelow(3));
      const personal = rng.nextBelow(2) === 0 ? null : randomBytes(rng, 8);
      const out = new Uint8Array(outOffset + outBytes + 3).fill(0xa5);
      const status = mac.tagAt(key, keyOffset, keyBytes, personal, data, dataOffset, dataLength, out, outOffset, outBytes);
      expect(status).toBe(ErrorCode.Ok);
      const expected = nobleBlake2s(data.subarray(dataOffset, dataOffset + dataLength), {
        key: key.subarray(keyOffset, keyOffset + keyBytes),
        dkLen: outBytes,
        ...(personal === null ? {} : { personalization: personal }),
      });
      expect(hex(out.subarray(outOffset, outOffset + outBytes)), `case ${n}`).toBe(hex(expected));
      // Nothing outside [outOffset, +outBytes) was written.
      expect(out.subarray(0, outOffset).every((b) => b === 0xa5)).toBe(true);
      expect(out.subarray(outOffset + outBytes).every((b) => b === 0xa5)).toBe(true);
    }
  });

  it("block boundaries: data of 63, 64, 65, 127, 128, 129 bytes under a 32-byte key and an 8-byte tag", () => {
    const rng = new Xoshiro128(7);
    const mac = new Blake2sMac();
    const key = randomBytes(rng, 32);
    const personal = randomBytes(rng, 8);
    for (const length of [63, 64, 65, 127, 128, 129]) {
      const data = randomBytes(rng, length);
      const out = new Uint8Array(8);
      expect(mac.tagAt(key, 0, 32, personal, data, 0, length, out, 0, 8)).toBe(ErrorCode.Ok);
      expect(hex(out), `${length} B`).toBe(hex(nobleBlake2s(data, { key, dkLen: 8, personalization: personal })));
    }
  });

  it("an 8-byte tag is its own function, not the first 8 bytes of the 32-byte tag", () => {
    const mac = new Blake2sMac();
    const key = new Uint8Array(32).fill(1);
    const data = new Uint8Array(40).fill(2);
    const short = new Uint8Array(8);
    const long = new Uint8Array(32);
    mac.tagAt(key, 0, 32, null, data, 0, 40, short, 0, 8);
    mac.tagAt(key, 0, 32, null, data, 0, 40, long, 0, 32);
    expect(hex(short)).not.toBe(hex(long.subarray(0, 8)));
  });

  it("the personalization separates uses of one key; null equals eight zero bytes", () => {
    const mac = new Blake2sMac();
    const key = new Uint8Array(16).fill(9);
    const data = new Uint8Array(40).fill(3);
    const tag = (personal: Uint8Array | null): string => {
      const out = new Uint8Array(8);
      expect(mac.tagAt(key, 0, 16, personal, data, 0, 40, out, 0, 8)).toBe(ErrorCode.Ok);
      return hex(out);
    };
    expect(tag(null)).toBe(tag(new Uint8Array(8)));
    expect(tag(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]))).not.toBe(tag(null));
    expect(tag(new Uint8Array([0, 0, 0, 0, 0, 0, 0, 1]))).not.toBe(tag(null));
  });
});

describe("bad input: InvalidArgument, out untouched", () => {
  const key = new Uint8Array(40).fill(1);
  const data = new Uint8Array(50).fill(2);
  const personal = new Uint8Array(8);
  type Call = (mac: Blake2sMac, out: Uint8Array) => number;
  const cases: readonly (readonly [string, Call])[] = [
    ["key of 0 bytes", (m, o) => m.tagAt(key, 0, 0, null, data, 0, 10, o, 0, 8)],
    ["key of 33 bytes", (m, o) => m.tagAt(key, 0, 33, null, data, 0, 10, o, 0, 8)],
    ["key of -1 bytes", (m, o) => m.tagAt(key, 0, -1, null, data, 0, 10, o, 0, 8)],
    ["key range past its buffer", (m, o) => m.tagAt(key, 20, 32, null, data, 0, 10, o, 0, 8)],
    ["negative key offset", (m, o) => m.tagAt(key, -1, 16, null, data, 0, 10, o, 0, 8)],
    ["fractional key offset", (m, o) => m.tagAt(key, 0.5, 16, null, data, 0, 10, o, 0, 8)],
    ["outBytes 0", (m, o) => m.tagAt(key, 0, 16, null, data, 0, 10, o, 0, 0)],
    ["outBytes 33", (m, o) => m.tagAt(key, 0, 16, null, data, 0, 10, o, 0, 33)],
    ["out range past its buffer", (m, o) => m.tagAt(key, 0, 16, null, data, 0, 10, o, 33, 8)],
    ["negative out offset", (m, o) => m.tagAt(key, 0, 16, null, data, 0, 10, o, -1, 8)],
    ["data range past its buffer", (m, o) => m.tagAt(key, 0, 16, null, data, 45, 10, o, 0, 8)],
    ["negative data length", (m, o) => m.tagAt(key, 0, 16, null, data, 0, -1, o, 0, 8)],
    ["NaN data offset", (m, o) => m.tagAt(key, 0, 16, null, data, Number.NaN, 10, o, 0, 8)],
    ["personal of 7 bytes", (m, o) => m.tagAt(key, 0, 16, new Uint8Array(7), data, 0, 10, o, 0, 8)],
    ["personal of 9 bytes", (m, o) => m.tagAt(key, 0, 16, new Uint8Array(9), data, 0, 10, o, 0, 8)],
    ["personal of 16 bytes (a salt-sized field is not accepted)", (m, o) => m.tagAt(key, 0, 16, new Uint8Array(16), data, 0, 10, o, 0, 8)],
    ["hashAt: outBytes 33", (m, o) => m.hashAt(personal, data, 0, 10, o, 0, 33)],
    ["hashAt: data range past its buffer", (m, o) => m.hashAt(null, data, 10, 41, o, 0, 8)],
  ];
  for (const [name, call] of cases) {
    it(name, () => {
      const buffer = new ArrayBuffer(BLAKE2S_MAC_SCRATCH_BYTES + 8);
      const mac = new Blake2sMac(buffer, 8);
      // Room for 40 bytes: outBytes 33 fits the buffer, so only the digest-length check can refuse it.
      const out = new Uint8Array(40).fill(0xa5);
      expect(call(mac, out)).toBe(ErrorCode.InvalidArgument);
      expect(out.every((b) => b === 0xa5)).toBe(true);
      expect(new Uint8Array(buffer).every((b) => b === 0)).toBe(true);
      // The same instance still works after a refusal.
      expect(mac.tagAt(key, 0, 16, null, data, 0, 10, out, 0, 8)).toBe(ErrorCode.Ok);
      expect(hex(out.subarray(0, 8))).toBe(hex(nobleBlake2s(data.subarray(0, 10), { key: key.subarray(0, 16), dkLen: 8 })));
    });
  }
});

describe("state in a caller's region", () => {
  it("lives in [base, base + BLAKE2S_MAC_SCRATCH_BYTES) of the buffer, leaves the rest alone and is all zero after a call", () => {
    const base = 16;
    const buffer = new ArrayBuffer(base + BLAKE2S_MAC_SCRATCH_BYTES + 16);
    const bytes = new Uint8Array(buffer);
    bytes.fill(0x5c);
    bytes.fill(0, base, base + BLAKE2S_MAC_SCRATCH_BYTES);
    const mac = new Blake2sMac(buffer, base);
    const rng = new Xoshiro128(3);
    for (const length of [0, 40, 100, 255]) {
      const key = randomBytes(rng, 32);
      const data = randomBytes(rng, length);
      const out = new Uint8Array(8);
      expect(mac.tagAt(key, 0, 32, randomBytes(rng, 8), data, 0, length, out, 0, 8)).toBe(ErrorCode.Ok);
      expect(bytes.subarray(base, base + BLAKE2S_MAC_SCRATCH_BYTES).every((b) => b === 0), `${length} B`).toBe(true);
      expect(bytes.subarray(0, base).every((b) => b === 0x5c)).toBe(true);
      expect(bytes.subarray(base + BLAKE2S_MAC_SCRATCH_BYTES).every((b) => b === 0x5c)).toBe(true);
    }
  });

  it("works on the region it is given: a region pre-filled with garbage gives the same tag", () => {
    const buffer = new ArrayBuffer(BLAKE2S_MAC_SCRATCH_BYTES);
    new Uint8Array(buffer).fill(0xff);
    const key = new Uint8Array(32).fill(4);
    const data = new Uint8Array(100).fill(5);
    const a = new Uint8Array(8);
    const b = new Uint8Array(8);
    expect(new Blake2sMac(buffer, 0).tagAt(key, 0, 32, null, data, 0, 100, a, 0, 8)).toBe(ErrorCode.Ok);
    expect(new Blake2sMac().tagAt(key, 0, 32, null, data, 0, 100, b, 0, 8)).toBe(ErrorCode.Ok);
    expect(hex(a)).toBe(hex(b));
    expect(new Uint8Array(buffer).every((x) => x === 0)).toBe(true);
  });

  it("the tag may be written over the data it covers (out aliases data)", () => {
    const key = new Uint8Array(32).fill(6);
    const frame = new Uint8Array(48).fill(7);
    const expected = nobleBlake2s(frame.subarray(0, 40), { key, dkLen: 8 });
    expect(new Blake2sMac().tagAt(key, 0, 32, null, frame, 0, 40, frame, 32, 8)).toBe(ErrorCode.Ok);
    expect(hex(frame.subarray(32, 40))).toBe(hex(expected));
  });
});
