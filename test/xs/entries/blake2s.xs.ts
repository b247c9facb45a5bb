/**
 * XS entry: keyed BLAKE2s (core/crypto/blake2s.ts) on the real XS engine.
 * Computes the RFC 7693 known answers (test/vectors/rfc7693.ts) and a seeded
 * set of tags whose inputs it records for the vitest side to check against
 * @noble/hashes; refuses bad input with `out` untouched; and measures
 * computrons and bytes allocated per 8-byte tag over 40, 100 and 255 bytes,
 * beside HMAC-SHA-256 (direct and through the provider's macAt, the call
 * the first split-tag design made) and the ChaCha20-Poly1305 seal of the same
 * length. Computrons are recorded, never asserted.
 */
import { BLAKE2S_MAC_SCRATCH_BYTES, Blake2sMac } from "../../../core/crypto/blake2s";
import { ChaCha20Poly1305 } from "../../../core/crypto/chacha20-poly1305";
import { HmacSha256 } from "../../../core/crypto/hmac-sha256";
import { CoseAlg, KemAlg, KeyKind, NobleCryptoProvider, type KeyHandle } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { Xoshiro128 } from "../../../core/runtime/prng";
import type { Result } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";
import { selftestSequence, selftestSteps } from "../../vectors/rfc7693";
import { done, measure, record } from "../../../tools/xs/harness";

const HEX = "0123456789abcdef";
function hex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += (HEX[b >>> 4] ?? "") + (HEX[b & 15] ?? "");
  return out;
}
function unwrap<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new Error(`${what} failed with code ${result.code}`);
  return result.value;
}
function randomBytes(rng: Xoshiro128, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = rng.nextU32() & 0xff;
  return out;
}

// ---- known answers ----
{
  const mac = new Blake2sMac();
  const abc = new Uint8Array([0x61, 0x62, 0x63]);
  const out = new Uint8Array(32);
  record("kat", { name: "abc", status: mac.hashAt(null, abc, 0, 3, out, 0, 32), hex: hex(out) });

  const steps = selftestSteps();
  let total = 0;
  for (const s of steps) total += s.outBytes;
  const results = new Uint8Array(total);
  let at = 0;
  let worst = 0;
  for (const s of steps) {
    const input = selftestSequence(s.inBytes, s.inBytes);
    const status = s.keyed
      ? mac.tagAt(selftestSequence(s.outBytes, s.outBytes), 0, s.outBytes, null, input, 0, s.inBytes, results, at, s.outBytes)
      : mac.hashAt(null, input, 0, s.inBytes, results, at, s.outBytes);
    if (status !== ErrorCode.Ok) worst = status;
    at += s.outBytes;
  }
  const grand = new Uint8Array(32);
  const status = mac.hashAt(null, results, 0, results.length, grand, 0, 32);
  record("kat", { name: "selftest", status: worst !== ErrorCode.Ok ? worst : status, hex: hex(grand) });
}

// ---- seeded differential (the vitest side recomputes each with @noble/hashes) ----
{
  const rng = new Xoshiro128(0x2b1a4e);
  const mac = new Blake2sMac();
  for (let n = 0; n < 120; n++) {
    const keyBytes = 1 + rng.nextBelow(32);
    const dataLength = rng.nextBelow(301);
    const outBytes = 1 + rng.nextBelow(32);
    const keyOffset = rng.nextBelow(4);
    const dataOffset = rng.nextBelow(4);
    const outOffset = rng.nextBelow(4);
    const key = randomBytes(rng, keyOffset + keyBytes);
    const data = randomBytes(rng, dataOffset + dataLength);
    const personal = rng.nextBelow(2) === 0 ? null : randomBytes(rng, 8);
    const out = new Uint8Array(outOffset + outBytes + 2).fill(0xa5);
    const status = mac.tagAt(key, keyOffset, keyBytes, personal, data, dataOffset, dataLength, out, outOffset, outBytes);
    record("diff", {
      status,
      keyHex: hex(key.subarray(keyOffset)),
      dataHex: hex(data.subarray(dataOffset)),
      personalHex: personal === null ? null : hex(personal),
      outBytes,
      tagHex: hex(out.subarray(outOffset, outOffset + outBytes)),
      restUntouched: out.subarray(0, outOffset).every((b) => b === 0xa5) && out.subarray(outOffset + outBytes).every((b) => b === 0xa5),
    });
  }
}

// ---- bad input: InvalidArgument, out untouched, the region still zero ----
{
  const buffer = new ArrayBuffer(BLAKE2S_MAC_SCRATCH_BYTES);
  const region = new Uint8Array(buffer);
  const mac = new Blake2sMac(buffer, 0);
  const key = new Uint8Array(40).fill(1);
  const data = new Uint8Array(50).fill(2);
  const out = new Uint8Array(40).fill(0xa5); // outBytes 33 fits: only the digest-length check can refuse it
  const bad: readonly (readonly [string, () => number])[] = [
    ["key 0 bytes", () => mac.tagAt(key, 0, 0, null, data, 0, 10, out, 0, 8)],
    ["key 33 bytes", () => mac.tagAt(key, 0, 33, null, data, 0, 10, out, 0, 8)],
    ["outBytes 0", () => mac.tagAt(key, 0, 16, null, data, 0, 10, out, 0, 0)],
    ["outBytes 33", () => mac.tagAt(key, 0, 16, null, data, 0, 10, out, 0, 33)],
    ["personal 7 bytes", () => mac.tagAt(key, 0, 16, new Uint8Array(7), data, 0, 10, out, 0, 8)],
    ["key range past its buffer", () => mac.tagAt(key, 20, 32, null, data, 0, 10, out, 0, 8)],
    ["data range past its buffer", () => mac.tagAt(key, 0, 16, null, data, 45, 10, out, 0, 8)],
    ["out range past its buffer", () => mac.tagAt(key, 0, 16, null, data, 0, 10, out, 33, 8)],
  ];
  for (const [name, call] of bad) {
    const status = call();
    record("bad", { name, status, outUntouched: out.every((b) => b === 0xa5), regionZero: region.every((b) => b === 0) });
  }
  const tag = new Uint8Array(8);
  const status = mac.tagAt(key, 0, 32, new Uint8Array(8).fill(3), data, 0, 50, tag, 0, 8);
  record("zeroed", { status, regionZero: region.every((b) => b === 0), tagHex: hex(tag) });
}

// ---- cost per tag, after warm-up ----
const OPS = 20;
const TAG_BYTES = 8;

function measured(name: string, bytes: number, op: () => number): void {
  op(); // warm-up: first-touch allocations (lazily built hidden state) happen here
  const base = stack(2);
  op();
  const stackSlots = stack(1) - base; // the slots one call takes above its caller's (the closure's frame included)
  let result = 0;
  const m = measure(() => {
    for (let i = 0; i < OPS; i++) result = op();
  });
  record("cost", { name, bytes, result, stackSlots, bytesPerOp: m.allocatedBytes / OPS, computronsPerOp: m.computrons / OPS, exact: m.exact });
}

{
  const arena = new ArrayBuffer(8 + BLAKE2S_MAC_SCRATCH_BYTES);
  const blake = new Blake2sMac(arena, 8);
  const hmac = new HmacSha256();
  const aead = new ChaCha20Poly1305();
  const provider = unwrap(
    NobleCryptoProvider.create(new SeededEntropy(0xb1a4), { symmetricSlots: 4, signingSlots: 1, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 1, largestKemAlg: KemAlg.MlKem512 }),
    "provider",
  );
  const macKey: KeyHandle = unwrap(provider.generateSymmetricKey(KeyKind.Mac), "mac key");
  const key = new Uint8Array(32).fill(0x42);
  const personal = new Uint8Array(8).fill(0x17);
  const nonce = new Uint8Array(12).fill(7);
  const full = new Uint8Array(32);
  const tag = new Uint8Array(TAG_BYTES);
  for (const bytes of [40, 100, 255]) {
    const data = new Uint8Array(bytes).fill(0x5a);
    const sealed = new Uint8Array(bytes + 16);
    measured("BLAKE2s-MAC 8-byte tag (key 32 B, personalization)", bytes, () => blake.tagAt(key, 0, 32, personal, data, 0, bytes, tag, 0, TAG_BYTES));
    measured("HMAC-SHA-256 (HmacSha256 direct, key 32 B)", bytes, () => {
      hmac.begin(key, 0, 32);
      hmac.updateRange(data, 0, bytes);
      return hmac.digestInto(full, 0) ? 0 : 1;
    });
    measured("HMAC-SHA-256 (provider.macAt)", bytes, () => provider.macAt(macKey, data, 0, bytes, full, 0));
    measured("ChaCha20-Poly1305 seal (no AAD)", bytes, () => aead.seal(key, nonce, data, 0, 0, data, 0, bytes, sealed, 0));
  }
}

// ---- what one instance costs: the object and its Int32Array over an arena region ----
{
  const arena = new ArrayBuffer(BLAKE2S_MAC_SCRATCH_BYTES);
  let kept: Blake2sMac | undefined;
  const inArena = measure(() => {
    kept = new Blake2sMac(arena, 0);
  });
  const own = measure(() => {
    kept = new Blake2sMac();
  });
  record("instance", {
    inArenaBytes: inArena.allocatedBytes,
    inArenaSlots: inArena.slots,
    ownBytes: own.allocatedBytes,
    ownSlots: own.slots,
    exact: inArena.exact && own.exact,
    kept: kept === undefined ? 0 : 1,
  });
}

done({ slotBytes: slotBytes() });
