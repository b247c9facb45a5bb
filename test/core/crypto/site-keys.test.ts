/**
 * The site key hierarchy (core/crypto/site-keys.ts, README "Link security"):
 * which board holds which secret, that a gateway's derivation from its root
 * on the device (through the provider, as agent/link-keyring.ts does) gives
 * the pair secret the provisioning tool wrote into the other board's record,
 * and that no board's material gives away another's.
 */
import { describe, expect, it } from "vitest";
import { CoseAlg, KemAlg, NobleCryptoProvider } from "../../../core/crypto/index";
import { boardKeyMaterial, pairSecretFromRoot, SITE_SECRET_BYTES, SiteKeyDeriver, type BoardKeyMaterial } from "../../../core/crypto/site-keys";
import { ErrorCode } from "../../../core/runtime/errors";
import { SeededEntropy } from "../../../hal/sim/entropy";

const AUTHORITY = Uint8Array.from({ length: 32 }, (_v, i) => (i * 37 + 5) & 0xff);
const GROUP = 3;
const EPOCH = 2;
const BOARDS = 12;
const GATEWAYS = [1, 4, 9];

function material(board: number, epoch = EPOCH, group = GROUP, authority = AUTHORITY): BoardKeyMaterial {
  const m = boardKeyMaterial(authority, group, epoch, board, GATEWAYS);
  if (!m.ok) throw new Error(`material ${m.code}`);
  return m.value;
}

function hex(b: Uint8Array): string {
  return Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
}

/** Every 32-byte secret a board's record holds. */
function held(m: BoardKeyMaterial): string[] {
  const out = [hex(m.floodSecret), ...m.pairs.map((p) => hex(p.secret))];
  if (m.gatewayRoot.some((b) => b !== 0)) out.push(hex(m.gatewayRoot));
  return out;
}

const provider = (() => {
  const p = NobleCryptoProvider.create(new SeededEntropy(1), { symmetricSlots: 2, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 });
  if (!p.ok) throw new Error("provider");
  return p.value;
})();

/** What gateway `g` derives on the device for `peer` (agent/link-keyring.ts): P(g, peer) from its root. */
function onDevice(g: BoardKeyMaterial, peer: number): string {
  const out = new Uint8Array(SITE_SECRET_BYTES);
  expect(pairSecretFromRoot(provider, g.gatewayRoot, 0, peer, new Uint8Array(2), out, 0)).toBe(ErrorCode.Ok);
  return hex(out);
}

describe("site key hierarchy", () => {
  const all = Array.from({ length: BOARDS }, (_, i) => material(i + 1));
  const of = (id: number): BoardKeyMaterial => all[id - 1] as BoardKeyMaterial;

  it("a sensor holds F and one pair secret per gateway, no root; a gateway holds F, its root and the pair secrets with the gateways below it", () => {
    expect(of(5).pairs.map((p) => p.peer)).toEqual(GATEWAYS);
    expect(of(5).gatewayRoot.every((b) => b === 0)).toBe(true);
    expect(of(1).pairs.map((p) => p.peer)).toEqual([]);
    expect(of(4).pairs.map((p) => p.peer)).toEqual([1]);
    expect(of(9).pairs.map((p) => p.peer)).toEqual([1, 4]);
    for (const g of GATEWAYS) expect(of(g).gatewayRoot.some((b) => b !== 0)).toBe(true);
    // F is one secret for the site and epoch.
    for (const m of all) expect(hex(m.floodSecret)).toBe(hex(of(1).floodSecret));
  });

  it("each pair secret a board holds is what the gateway derives from its root on the device, for that board only", () => {
    for (const m of all) {
      for (const p of m.pairs) {
        const gateway = of(p.peer);
        expect(onDevice(gateway, m.boardId), `board ${m.boardId} with gateway ${p.peer}`).toBe(hex(p.secret));
        for (let other = 1; other <= BOARDS; other++) if (other !== m.boardId) expect(onDevice(gateway, other)).not.toBe(hex(p.secret));
      }
    }
  });

  it("no board other than the two holds a pair secret, and no sensor holds a root: a captured sensor can seal end to end only as itself", () => {
    for (const m of all) {
      for (const p of m.pairs) {
        for (const other of all) {
          if (other.boardId === m.boardId || other.boardId === p.peer) continue;
          expect(held(other), `board ${other.boardId} holds P(${m.boardId}, ${p.peer})`).not.toContain(hex(p.secret));
        }
      }
    }
    for (const m of all) if (!GATEWAYS.includes(m.boardId)) expect(held(m)).toHaveLength(1 + GATEWAYS.length);
  });

  it("another epoch, another site or another authority gives other secrets, all of them", () => {
    const base = held(of(5));
    for (const other of [material(5, EPOCH + 1), material(5, EPOCH, GROUP + 1), material(5, EPOCH, GROUP, new Uint8Array(32).fill(1))]) {
      for (const secret of held(other)) expect(base).not.toContain(secret);
    }
  });

  it("bad arguments are InvalidArgument and write nothing", () => {
    const d = new SiteKeyDeriver();
    const out = new Uint8Array(32).fill(0xee);
    expect(d.floodSecret(new Uint8Array(31), GROUP, EPOCH, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.floodSecret(AUTHORITY, GROUP, 0x10000, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.gatewayRoot(AUTHORITY, GROUP, EPOCH, 0, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.gatewayRoot(AUTHORITY, GROUP, EPOCH, 256, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.pairSecret(AUTHORITY, GROUP, EPOCH, 4, 4, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.pairSecret(AUTHORITY, GROUP, EPOCH, 4, 0, out)).toBe(ErrorCode.InvalidArgument);
    expect(d.pairSecret(AUTHORITY, GROUP, EPOCH, 4, 5, new Uint8Array(16))).toBe(ErrorCode.InvalidArgument);
    expect(pairSecretFromRoot(provider, of(1).gatewayRoot, 0, 256, new Uint8Array(2), out, 0)).toBe(ErrorCode.InvalidArgument);
    expect(pairSecretFromRoot(provider, of(1).gatewayRoot, 0, 5, new Uint8Array(1), out, 0)).toBe(ErrorCode.InvalidArgument);
    expect(out.every((b) => b === 0xee)).toBe(true);
    for (const bad of [[1, 1], [0], [256]]) {
      const m = boardKeyMaterial(AUTHORITY, GROUP, EPOCH, 5, bad);
      expect(m.ok ? 0 : m.code, JSON.stringify(bad)).toBe(ErrorCode.InvalidArgument);
    }
    expect((() => { const m = boardKeyMaterial(AUTHORITY, GROUP, EPOCH, 0, GATEWAYS); return m.ok ? 0 : m.code; })()).toBe(ErrorCode.InvalidArgument);
  });
});
