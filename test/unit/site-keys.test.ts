/**
 * The site key hierarchy (core/crypto/site-keys.ts, README "Link security"):
 * which board holds which secret, and that the provisioning tool's byte
 * path and a gateway's on-device path give the same keys.
 */
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg, KeyKind, NobleCryptoProvider } from "../../core/crypto/index";
import { boardKeyMaterial, deriveBoardSecretKey, deriveSiteTagKey, SITE_SECRET_BYTES, SiteKeyDeriver, TagKeyUse, type BoardKeyMaterial } from "../../core/crypto/site-keys";
import { ErrorCode } from "../../core/runtime/errors";
import { SeededEntropy } from "../../hal/sim/entropy";
import { SITE_BOARDS, SITE_EPOCH, SITE_GROUP, siteAuthority } from "../mesh/split-tag-scenario";

function material(board: number, epoch = SITE_EPOCH, group = SITE_GROUP): BoardKeyMaterial {
  const m = boardKeyMaterial(siteAuthority(), group, epoch, board, SITE_BOARDS);
  if (!m.ok) throw new Error(`material ${m.code}`);
  return m.value;
}

function row(m: BoardKeyMaterial, peer: number): Uint8Array {
  return m.pairSecrets.subarray((peer - 1) * SITE_SECRET_BYTES, peer * SITE_SECRET_BYTES);
}

function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
}

describe("site key hierarchy", () => {
  const all = Array.from({ length: SITE_BOARDS }, (_, i) => material(i + 1));

  it("boards a and b hold the same pair secret, and no third board holds it", () => {
    for (const a of all) {
      for (const b of all) {
        if (a.boardId === b.boardId) continue;
        expect(hex(row(a, b.boardId))).toBe(hex(row(b, a.boardId)));
        for (const c of all) {
          if (c.boardId === a.boardId || c.boardId === b.boardId) continue;
          for (let peer = 1; peer <= SITE_BOARDS; peer++) expect(hex(row(c, peer))).not.toBe(hex(row(a, b.boardId)));
        }
      }
    }
  });

  it("no board's record holds another board's end-to-end secret; its own pair row is zero", () => {
    for (const m of all) {
      expect(row(m, m.boardId).every((v) => v === 0)).toBe(true);
      const held = new Set([hex(m.boardSecret), hex(m.floodSecret), ...Array.from({ length: SITE_BOARDS }, (_, i) => hex(row(m, i + 1)))]);
      for (const other of all) if (other.boardId !== m.boardId) expect(held.has(hex(other.boardSecret))).toBe(false);
    }
    expect(new Set(all.map((m) => hex(m.boardSecret))).size).toBe(SITE_BOARDS);
    expect(new Set(all.map((m) => hex(m.floodSecret))).size).toBe(1);
  });

  it("another epoch or another site gives other secrets", () => {
    const m = material(2);
    for (const other of [material(2, SITE_EPOCH + 1), material(2, SITE_EPOCH, SITE_GROUP + 1)]) {
      expect(hex(other.boardSecret)).not.toBe(hex(m.boardSecret));
      expect(hex(other.floodSecret)).not.toBe(hex(m.floodSecret));
      expect(hex(row(other, 3))).not.toBe(hex(row(m, 3)));
    }
  });

  it("a gateway's on-device derivation from R_e2e gives the board secret the provisioning tool wrote", () => {
    const provider = NobleCryptoProvider.create(new SeededEntropy(9), { symmetricSlots: 16, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 });
    if (!provider.ok) throw new Error("provider");
    const p = provider.value;
    const root = new Uint8Array(SITE_SECRET_BYTES);
    expect(new SiteKeyDeriver().endToEndRoot(siteAuthority(), SITE_GROUP, SITE_EPOCH, root)).toBe(ErrorCode.Ok);
    const rootKey = p.importSymmetricKey(KeyKind.Secret, root);
    const written = p.importSymmetricKey(KeyKind.Secret, material(4).boardSecret);
    if (!rootKey.ok || !written.ok) throw new Error("import");
    const onDevice = deriveBoardSecretKey(p, rootKey.value, SITE_GROUP, SITE_EPOCH, 4);
    const otherBoard = deriveBoardSecretKey(p, rootKey.value, SITE_GROUP, SITE_EPOCH, 5);
    if (!onDevice.ok || !otherBoard.ok) throw new Error("derive");
    const tagOf = (secret: typeof written.value, origin: number): string => {
      const key = deriveSiteTagKey(p, secret, TagKeyUse.EndToEnd, SITE_GROUP, SITE_EPOCH, origin, 0);
      if (!key.ok) throw new Error("tag key");
      const out = new Uint8Array(32);
      expect(p.mac(key.value, Uint8Array.of(1, 2, 3), out)).toBe(ErrorCode.Ok);
      return hex(out);
    };
    expect(tagOf(onDevice.value, 4)).toBe(tagOf(written.value, 4));
    expect(tagOf(otherBoard.value, 4)).not.toBe(tagOf(written.value, 4));
  });

  it("tag keys: a pair's hop key is the same from either end, the flood key is one per site, and a key for the wrong use is refused", () => {
    const provider = NobleCryptoProvider.create(new SeededEntropy(10), { symmetricSlots: 16, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 });
    if (!provider.ok) throw new Error("provider");
    const p = provider.value;
    const a = material(2);
    const b = material(3);
    const secretA = p.importSymmetricKey(KeyKind.Secret, row(a, 3));
    const secretB = p.importSymmetricKey(KeyKind.Secret, row(b, 2));
    if (!secretA.ok || !secretB.ok) throw new Error("import");
    const macOf = (key: { ok: boolean; value?: unknown; code?: number }): string => {
      if (!key.ok) return `code ${key.code}`;
      const out = new Uint8Array(32);
      p.mac(key.value as never, Uint8Array.of(9), out);
      return hex(out);
    };
    expect(macOf(deriveSiteTagKey(p, secretA.value, TagKeyUse.Hop, SITE_GROUP, SITE_EPOCH, 2, 3))).toBe(macOf(deriveSiteTagKey(p, secretB.value, TagKeyUse.Hop, SITE_GROUP, SITE_EPOCH, 3, 2)));
    const bad = `code ${ErrorCode.InvalidArgument}`;
    for (const [use, x, y] of [
      [TagKeyUse.Hop, 2, 2],
      [TagKeyUse.Hop, 0, 3],
      [TagKeyUse.Flood, 2, 0],
      [TagKeyUse.EndToEnd, 2, 3],
      [TagKeyUse.EndToEnd, 0, 0],
      [TagKeyUse.EndToEnd, 2, 0xffff],
    ] as const) {
      expect(macOf(deriveSiteTagKey(p, secretA.value, use, SITE_GROUP, SITE_EPOCH, x, y)), `${use} ${x} ${y}`).toBe(bad);
    }
    expect(macOf(deriveSiteTagKey(p, secretA.value, TagKeyUse.Flood, SITE_GROUP, 0x1_0000, 0, 0))).toBe(bad);
  });

  it("bad arguments are InvalidArgument and write nothing", () => {
    const d = new SiteKeyDeriver();
    const authority = siteAuthority();
    const out = new Uint8Array(SITE_SECRET_BYTES).fill(0x55);
    expect(d.endToEndRoot(authority, SITE_GROUP, 0x1_0000, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.endToEndRoot(authority.subarray(0, 31), SITE_GROUP, 1, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.endToEndRoot(authority, SITE_GROUP, 1, new Uint8Array(16))).toBe(ErrorCode.InvalidArgument);
    expect(d.boardSecret(authority, SITE_GROUP, 1, 0, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.boardSecret(authority, SITE_GROUP, 1, 0xffff, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.pairSecret(authority, SITE_GROUP, 1, 4, 4, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.pairSecret(authority, SITE_GROUP, 1, 4, 1.5, out)).toBe(ErrorCode.InvalidArgument);
    expect(out.every((v) => v === 0x55)).toBe(true);
    const low = d.pairSecret(authority, SITE_GROUP, 1, 2, 9, new Uint8Array(SITE_SECRET_BYTES));
    expect(low).toBe(ErrorCode.Ok);
    for (const [board, max] of [[0, 5], [6, 5], [1, 0], [1, 0xffff]] as const) {
      const m = boardKeyMaterial(authority, SITE_GROUP, 1, board, max);
      expect(m.ok ? 0 : m.code).toBe(ErrorCode.InvalidArgument);
    }
  });
});
