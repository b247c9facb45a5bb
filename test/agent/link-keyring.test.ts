/**
 * A board's link secrets read in place from its provisioning record
 * (agent/link-keyring.ts): a sensor holds pair secrets with its site's
 * gateways only, a gateway derives its pair secret with any board from its
 * root, and both give exactly what the other end's record holds; every
 * refusal writes nothing, and a record that cannot be read refuses the
 * frame (fail closed, the 32 bytes zeroed).
 */
import { describe, expect, it } from "vitest";
import { RecordKeyring } from "../../agent/link-keyring";
import { AgentStore, StoreKey } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { RecordRole, type ProvisioningFields } from "../../agent/provisioning";
import { CoseAlg, KemAlg, NobleCryptoProvider } from "../../core/crypto/index";
import { ErrorCode } from "../../core/runtime/errors";
import { SeededEntropy } from "../../hal/sim/entropy";
import { newFlash } from "./helpers";
import { keyed } from "./record-keys";
import type { KeyEpoch } from "../../core/runtime/ids";

const SITE = 12;
const GATEWAYS = [1, 4];
const SHAPE = { alertSlots: 4, siteSize: SITE };
const SECRET = Uint8Array.from({ length: 32 }, (_v, i) => (i * 11 + 3) & 0xff);

const provider = (() => {
  const p = NobleCryptoProvider.create(new SeededEntropy(2), { symmetricSlots: 1, signingSlots: 0, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 0, largestKemAlg: KemAlg.MlKem512 });
  if (!p.ok) throw new Error("provider");
  return p.value;
})();

function fields(nodeId: number): ProvisioningFields {
  const role = GATEWAYS.includes(nodeId) ? RecordRole.Gateway : RecordRole.Sensor;
  return keyed({ nodeId, role, generation: 0, preferredGateways: [], keyEpoch: 1, groupId: 1, senderIdMax: SITE, authorityCommitment: new Uint8Array(32), groupSecret: SECRET }, GATEWAYS);
}

function keyring(nodeId: number, provisioned = true): RecordKeyring {
  const flash = newFlash();
  if (provisioned) expect(provisionDevice(flash, fields(nodeId), SHAPE)).toBe(ErrorCode.Ok);
  const store = AgentStore.open(flash, SHAPE).store;
  if (store === undefined) throw new Error("store");
  return new RecordKeyring({ store, recordKey: StoreKey.Provisioning, nodeId, epoch: 1 as KeyEpoch, siteSize: SITE, gateway: GATEWAYS.includes(nodeId), hash: provider });
}

function pair(ring: RecordKeyring, peer: number): number[] {
  const out = new Uint8Array(32);
  expect(ring.pairSecretInto(peer, out, 0), `peer ${peer}`).toBe(ErrorCode.Ok);
  return Array.from(out);
}

describe("link secrets from the provisioning record", () => {
  it("a sensor shares a pair secret with each gateway and no one else; the gateway derives the same one from its root", () => {
    const sensor = keyring(7);
    expect(Array.from({ length: SITE + 2 }, (_, i) => sensor.hasPair(i))).toEqual(Array.from({ length: SITE + 2 }, (_, i) => GATEWAYS.includes(i)));
    for (const g of GATEWAYS) expect(pair(sensor, g)).toEqual(pair(keyring(g), 7));
    expect(pair(sensor, 1)).not.toEqual(pair(sensor, 4));
    expect(Array.from(fields(7).pairSecrets[0] ?? [])).toEqual(pair(sensor, 1));
  });

  it("a gateway has a pair with every other board of the site: derived for boards, kept for the gateway below it, each the other end's", () => {
    const lower = keyring(1);
    const upper = keyring(4);
    for (let peer = 1; peer <= SITE; peer++) {
      expect(upper.hasPair(peer)).toBe(peer !== 4);
      if (peer !== 4) expect(upper.hasPair(peer)).toBe(true);
    }
    expect([upper.hasPair(0), upper.hasPair(SITE + 1), upper.hasPair(2.5)]).toEqual([false, false, false]);
    expect(pair(upper, 1)).toEqual(pair(lower, 4));
    expect(pair(upper, 2)).toEqual(pair(keyring(2), 4));
    expect(pair(upper, 2)).not.toEqual(pair(lower, 2));
  });

  it("every board reads the same flood secret, which is no pair secret", () => {
    const flood = (ring: RecordKeyring): number[] => {
      const out = new Uint8Array(32);
      expect(ring.floodSecretInto(out, 0)).toBe(ErrorCode.Ok);
      return Array.from(out);
    };
    const f = flood(keyring(7));
    expect(flood(keyring(1))).toEqual(f);
    expect(flood(keyring(11))).toEqual(f);
    expect(f).not.toEqual(pair(keyring(7), 1));
  });

  it("refusals write nothing: no pair (InvalidArgument), a range past the buffer (OutOfRange)", () => {
    const sensor = keyring(7);
    const out = new Uint8Array(40).fill(0xee);
    expect(sensor.pairSecretInto(2, out, 0)).toBe(ErrorCode.InvalidArgument);
    expect(sensor.pairSecretInto(7, out, 0)).toBe(ErrorCode.InvalidArgument);
    expect(sensor.pairSecretInto(1, out, 9)).toBe(ErrorCode.OutOfRange);
    expect(sensor.floodSecretInto(out, 9)).toBe(ErrorCode.OutOfRange);
    expect(sensor.floodSecretInto(out, -1)).toBe(ErrorCode.OutOfRange);
    expect(out.every((b) => b === 0xee)).toBe(true);
    // At an offset: exactly 32 bytes written there.
    expect(sensor.pairSecretInto(1, out, 8)).toBe(ErrorCode.Ok);
    expect(Array.from(out.subarray(8, 40))).toEqual(pair(sensor, 1));
    expect(Array.from(out.subarray(0, 8))).toEqual(new Array(8).fill(0xee));
  });

  it("a record that cannot be read refuses with AgentProvisioningMalformed and leaves zeros, never old bytes", () => {
    const none = keyring(1, false);
    const out = new Uint8Array(32).fill(0xee);
    expect(none.floodSecretInto(out, 0)).toBe(ErrorCode.AgentProvisioningMalformed);
    expect(out.every((b) => b === 0)).toBe(true);
    out.fill(0xee);
    expect(none.pairSecretInto(5, out, 0)).toBe(ErrorCode.AgentProvisioningMalformed);
    expect(out.every((b) => b === 0)).toBe(true);
  });

  it("a sensor of a site with four gateways finds each (the last slot included), and no id the bytes after the list spell", () => {
    const gateways = [1, 2, 3, 4];
    const base = keyed({ nodeId: 9, role: RecordRole.Sensor, generation: 0, preferredGateways: [], keyEpoch: 1, groupId: 1, senderIdMax: SITE, authorityCommitment: new Uint8Array(32), groupSecret: SECRET }, gateways);
    // The first pair secret's first two bytes spell board 10: a scan one slot past the list would take it for a peer.
    const first = Uint8Array.from(base.pairSecrets[0] ?? []);
    first[0] = 10;
    first[1] = 0;
    const flood = Uint8Array.from(base.floodSecret);
    flood.fill(0, 4, 8); // a zero word inside a secret is a secret, not a missing value
    const record = { ...base, floodSecret: flood, pairSecrets: [first, ...base.pairSecrets.slice(1)] };
    const flash = newFlash();
    expect(provisionDevice(flash, record, SHAPE)).toBe(ErrorCode.Ok);
    const store = AgentStore.open(flash, SHAPE).store;
    if (store === undefined) throw new Error("store");
    const sensor = new RecordKeyring({ store, recordKey: StoreKey.Provisioning, nodeId: 9, epoch: 1 as KeyEpoch, siteSize: SITE, gateway: false, hash: provider });
    expect([1, 2, 3, 4, 5, 10].map((p) => sensor.hasPair(p))).toEqual([true, true, true, true, false, false]);
    expect(pair(sensor, 1)).toEqual(Array.from(first));
    expect(pair(sensor, 4)).toEqual(Array.from(base.pairSecrets[3] ?? []));
    const out = new Uint8Array(36).fill(0xee);
    expect(sensor.floodSecretInto(out, 0)).toBe(ErrorCode.Ok);
    expect(Array.from(out.subarray(0, 32))).toEqual(Array.from(flood));
    expect(Array.from(out.subarray(32))).toEqual([0xee, 0xee, 0xee, 0xee]);
    out.fill(0xee);
    expect(sensor.pairSecretInto(3, out, 0)).toBe(ErrorCode.Ok);
    expect(Array.from(out.subarray(32))).toEqual([0xee, 0xee, 0xee, 0xee]);
  });

  it("a gateway has no pair with itself; a sensor whose record is gone has no pair at all", () => {
    const gateway = keyring(4);
    const out = new Uint8Array(32).fill(0xee);
    expect(gateway.pairSecretInto(4, out, 0)).toBe(ErrorCode.InvalidArgument);
    expect(out.every((b) => b === 0xee)).toBe(true);
    const sensor = keyring(7, false);
    expect(GATEWAYS.map((g) => sensor.hasPair(g))).toEqual([false, false]);
    expect(sensor.pairSecretInto(1, out, 0)).toBe(ErrorCode.InvalidArgument);
    expect(out.every((b) => b === 0xee)).toBe(true);
  });
});
