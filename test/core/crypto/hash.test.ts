/**
 * Our SHA-256 / HMAC / HKDF (core/crypto/sha256.ts, hmac-sha256.ts,
 * hkdf-sha256.ts) at the edges the property suite does not reach: the
 * FIPS 180-4 one-million-"a" example (many blocks), refusals that write
 * nothing, and the provider (portable-provider.ts) routing its hash, MAC
 * and KDF calls through them with the same bytes as before.
 */
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg, KeyKind, PortableCryptoProvider } from "../../../core/crypto/index";
import { HkdfSha256 } from "../../../core/crypto/hkdf-sha256";
import { HmacSha256 } from "../../../core/crypto/hmac-sha256";
import { Sha256 } from "../../../core/crypto/sha256";
import { ErrorCode } from "../../../core/runtime/errors";
import { SeededEntropy } from "../../../hal/sim/entropy";
import { toHex } from "../../conformance/hash.props";

describe("SHA-256", () => {
  it("hashes one million 'a' (FIPS 180-4 / NIST example), fed in uneven pieces", () => {
    const h = new Sha256();
    const piece = new Uint8Array(997).fill(0x61);
    let left = 1_000_000;
    while (left > 0) {
      const n = Math.min(left, piece.length);
      h.updateRange(piece, 0, n);
      left -= n;
    }
    const out = new Uint8Array(32);
    expect(h.digestInto(out)).toBe(true);
    expect(toHex(out)).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("refuses an output without room for the digest and writes nothing; the message is kept", () => {
    const h = new Sha256();
    h.update(Uint8Array.of(0x61, 0x62, 0x63));
    const small = new Uint8Array(40).fill(7);
    expect(h.digestInto(small, 9)).toBe(false);
    expect(h.digestInto(small, -1)).toBe(false);
    expect(small.every((b) => b === 7)).toBe(true);
    expect(h.digestInto(small, 8)).toBe(true);
    expect(toHex(small.subarray(8))).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("HMAC refuses a short output, writes nothing and clears its state", () => {
    const mac = new HmacSha256();
    mac.begin(Uint8Array.of(1, 2, 3), 0, 3);
    mac.update(Uint8Array.of(4));
    const small = new Uint8Array(31).fill(7);
    expect(mac.digestInto(small)).toBe(false);
    expect(small.every((b) => b === 7)).toBe(true);
  });

  it("startWithKeyBlock(key, pad) is reset + updateRange(key ^ pad) at any offset, even after a half-absorbed message", () => {
    const key = Uint8Array.from({ length: 80 }, (_, i) => (i * 37 + 11) & 0xff);
    const tail = Uint8Array.from({ length: 70 }, (_, i) => i);
    for (const [offset, pad] of [[0, 0x36], [16, 0x5c], [3, 0]] as const) {
      const padded = key.slice(offset, offset + 64).map((b) => b ^ pad);
      const started = new Sha256();
      started.update(Uint8Array.of(9, 9, 9)); // discarded: the method starts a new message
      started.startWithKeyBlock(key, offset, pad);
      started.update(tail);
      const out = new Uint8Array(32);
      expect(started.digestInto(out)).toBe(true);
      const expected = new Uint8Array(64 + tail.length);
      expected.set(padded);
      expected.set(tail, 64);
      expect(toHex(out)).toBe(toHex(sha256(expected)));
    }
  });

  it("HMAC matches RFC 2104 for keys shorter than, equal to and longer than a block, MAC after MAC on one instance", () => {
    const mac = new HmacSha256();
    for (const keyBytes of [0, 20, 64, 65, 131]) {
      const key = Uint8Array.from({ length: keyBytes }, (_, i) => (i * 7 + keyBytes) & 0xff);
      const data = Uint8Array.from({ length: 3 * keyBytes + 5 }, (_, i) => (i * 13) & 0xff);
      mac.begin(key, 0, key.length);
      mac.update(data);
      const out = new Uint8Array(32);
      expect(mac.digestInto(out)).toBe(true);
      expect(toHex(out)).toBe(toHex(hmac(sha256, key, data)));
    }
  });

  it("HKDF writes at an offset and nowhere else", () => {
    const kdf = new HkdfSha256();
    const out = new Uint8Array(50).fill(0xee);
    expect(kdf.derive(Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3), out, 5, 40)).toBe(true);
    expect(out.subarray(0, 5).every((b) => b === 0xee)).toBe(true);
    expect(out.subarray(45).every((b) => b === 0xee)).toBe(true);
    expect(toHex(out.subarray(5, 45))).toBe(toHex(hkdf(sha256, Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3), 40)));
  });
});

describe("portable provider on our hashes", () => {
  const provider = (): PortableCryptoProvider => {
    const made = PortableCryptoProvider.create(new SeededEntropy(1), { symmetricSlots: 8, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 }, null);
    if (!made.ok) throw new Error(`provider ${made.code}`);
    return made.value;
  };
  const secret = Uint8Array.from({ length: 32 }, (_, i) => i * 5 + 1);

  it("hashParts(prefix, a, b) is SHA-256(prefix || a || b)", () => {
    const p = provider();
    const out = new Uint8Array(32);
    const a = Uint8Array.from({ length: 70 }, (_, i) => i);
    const b = Uint8Array.of(9, 8, 7);
    expect(p.hashParts(1, a, b, out)).toBe(ErrorCode.Ok);
    expect(toHex(out)).toBe(toHex(sha256(Uint8Array.of(1, ...a, ...b))));
    expect(p.hash(a, out)).toBe(ErrorCode.Ok);
    expect(toHex(out)).toBe(toHex(sha256(a)));
    expect(p.hash(a, new Uint8Array(31))).toBe(ErrorCode.CryptoBufferTooSmall);
    expect(p.hashParts(256, a, null, out)).toBe(ErrorCode.InvalidArgument);
  });

  it("mac is HMAC-SHA-256 and macVerify accepts only its tag", () => {
    const p = provider();
    const key = p.importSymmetricKey(KeyKind.Mac, secret);
    if (!key.ok) throw new Error("import");
    const data = Uint8Array.of(1, 2, 3, 4);
    const tag = new Uint8Array(32);
    expect(p.mac(key.value, data, tag)).toBe(ErrorCode.Ok);
    expect(toHex(tag)).toBe(toHex(hmac(sha256, secret, data)));
    expect(p.macVerify(key.value, data, tag)).toBe(ErrorCode.Ok);
    tag[0] = (tag[0] ?? 0) ^ 1;
    expect(p.macVerify(key.value, data, tag)).toBe(ErrorCode.CryptoAuthFailed);
  });

  it("deriveNonSecret is HKDF-SHA-256 output; lengths outside 1..64 are refused with nothing written", () => {
    const p = provider();
    const key = p.importSymmetricKey(KeyKind.Secret, secret);
    if (!key.ok) throw new Error("import");
    const salt = Uint8Array.of(5);
    const info = Uint8Array.of(6, 7);
    const out = new Uint8Array(12);
    expect(p.deriveNonSecret(key.value, salt, info, out)).toBe(ErrorCode.Ok);
    expect(toHex(out)).toBe(toHex(hkdf(sha256, secret, salt, info, 12)));
    const big = new Uint8Array(65).fill(3);
    expect(p.deriveNonSecret(key.value, salt, info, big)).toBe(ErrorCode.CryptoBadLength);
    expect(big.every((b) => b === 3)).toBe(true);
  });
});
