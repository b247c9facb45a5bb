/**
 * The board's radio path (agent/radio-mesh.ts, provisioning.ts,
 * provision-device.ts): a provisioned store keys the mesh, every way a
 * record can be missing, malformed or for someone else is refused with its
 * own code and a problem naming the field (and leaves the store as it
 * was), two provisioned boards talk, a board keyed for another site hears
 * nothing, and the send counter never repeats across reboots.
 */
import { describe, expect, it } from "vitest";
import { bootAgent } from "../../agent/boot";
import { RADIO_DEFAULTS, type SiteConfig } from "../../agent/config";
import { AgentStore, sendCounterMirrorKey, storeShapeOf, StoreKey } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { encodeProvisioning, hexInto, KEYED_PEERS_AT, PAIR_SECRETS_AT, PROVISIONING_RECORD_BYTES, ProvisioningRecord, RecordRole, type ProvisioningFields } from "../../agent/provisioning";
import { agentMeshConfig, buildRadioMesh, SEND_COUNTER_STEP, type RadioMeshOutcome } from "../../agent/radio-mesh";
import { openSimSensor } from "../../agent/sim-sensors";
import { BROADCAST_ID, TrafficClass } from "../../core/mesh/transport-port";
import { CoseAlg, KemAlg, PortableCryptoProvider } from "../../core/crypto/index";
import { ErrorCode } from "../../core/runtime/errors";
import { MeshCounter } from "../../core/mesh/mesh-counters";
import type { MeshObserver } from "../../core/mesh/transport";
import type { SimFlash } from "../../hal/sim/flash";
import { ManualClock } from "../../hal/sim/manual-clock";
import { LoopbackRadio } from "../core/mesh/fixtures";
import { newFlash, testConfig, testConfigJson, unwrap } from "./helpers";
import { keyed, type RecordBase } from "./record-keys";
import { takeDeliveries } from "../support/deliveries";

const COMMITMENT_HEX = "a1".repeat(32);
/** The loopback radio of every transport build() made, so a test can move frames between them. */
const radios = new WeakMap<object, LoopbackRadio>();
const ALERT_SLOTS = 4; // testConfigJson's uplink.alertPendingCapacity
const SHAPE = { alertSlots: ALERT_SLOTS, siteSize: RADIO_DEFAULTS.siteSize };

function fields(overrides: Partial<RecordBase> = {}): ProvisioningFields {
  const secret = new Uint8Array(32);
  for (let i = 0; i < 32; i++) secret[i] = (i * 7 + 3) & 0xff;
  const commitment = new Uint8Array(32);
  hexInto(COMMITMENT_HEX, commitment);
  return keyed({ nodeId: 5, role: RecordRole.Sensor, generation: 0, preferredGateways: [], keyEpoch: 3, groupId: 1, senderIdMax: 8, authorityCommitment: commitment, groupSecret: secret, ...overrides }, [1, 2]);
}

function config(nodeId = 5, keys: unknown = { authorityCommitment: COMMITMENT_HEX, keyEpoch: 3 }): SiteConfig {
  return testConfig({ nodeId, keys, gateways: [1, 2] });
}

function provisioned(f: ProvisioningFields = fields()): SimFlash {
  const flash = newFlash();
  expect(provisionDevice(flash, f, SHAPE)).toBe(ErrorCode.Ok);
  return flash;
}

function build(flash: SimFlash | undefined, site: SiteConfig, radio = new LoopbackRadio(site.nodeId), observer?: MeshObserver): RadioMeshOutcome {
  const store = AgentStore.open(flash, storeShapeOf(site));
  const built = buildRadioMesh({ config: site, store, radio, randomSeed: site.nodeId, ...(observer === undefined ? {} : { observer }) });
  if (built.ok) radios.set(built.transport, radio);
  return built;
}

function storedRecord(flash: SimFlash): Uint8Array {
  const store = AgentStore.open(flash, SHAPE);
  const out = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const length = store.loadProvisioning(out, 0);
  return out.subarray(0, Math.max(0, length));
}

function refusal(outcome: RadioMeshOutcome): { code: number; problems: readonly string[] } {
  if (outcome.ok) throw new Error("expected a refusal");
  return { code: outcome.code, problems: outcome.problems };
}

describe("provisioning record", () => {
  it("round-trips every field", () => {
    const out = new Uint8Array(PROVISIONING_RECORD_BYTES);
    expect(encodeProvisioning(fields(), out)).toBe(PROVISIONING_RECORD_BYTES);
    const record = ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES);
    if (typeof record === "number") throw new Error(`parse failed ${record}`);
    expect([record.nodeId, record.role, record.keyEpoch, record.groupId, record.senderIdMax]).toEqual([5, RecordRole.Sensor, 3, 1, 8]);
    expect(record.preferredGateways).toEqual([]);
    expect(Array.from(record.floodSecret)).toEqual(Array.from(fields().floodSecret));
    // A sensor holds a pair secret with each gateway of its site (1 and 2) and no gateway root.
    expect(record.keyedPeers).toEqual([1, 2]);
    expect(record.pairSecrets.map((p) => Array.from(p))).toEqual(fields().pairSecrets.map((p) => Array.from(p)));
    expect(record.gatewayRoot.every((b) => b === 0)).toBe(true);
    expect(encodeProvisioning(fields({ role: RecordRole.Gateway, preferredGateways: [36, 1, 700, 65534] }), out)).toBe(PROVISIONING_RECORD_BYTES);
    const gateway = ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES);
    expect(typeof gateway === "number" ? gateway : [gateway.role, gateway.preferredGateways]).toEqual([RecordRole.Gateway, [36, 1, 700, 65534]]);
    expect(Array.from(record.authorityCommitment)).toEqual(Array.from(fields().authorityCommitment));
  });

  it("refuses to encode bad fields with AgentProvisioningMalformed and writes nothing", () => {
    const pair = new Uint8Array(32).fill(4);
    const bad: Partial<RecordBase>[] = [
      { nodeId: 0 },
      { nodeId: 9 }, // above senderIdMax
      { senderIdMax: 0 },
      { senderIdMax: 5000 },
      { keyEpoch: 0x10000 },
      { floodSecret: new Uint8Array(32) }, // all zero
      { floodSecret: new Uint8Array(16).fill(1) },
      { gatewayRoot: new Uint8Array(32).fill(1) }, // a sensor with a gateway root
      { role: RecordRole.Gateway, gatewayRoot: new Uint8Array(32) }, // a gateway without one
      { keyedPeers: [1], pairSecrets: [] },
      { keyedPeers: [1], pairSecrets: [new Uint8Array(32)] }, // all zero
      { keyedPeers: [5], pairSecrets: [pair] }, // itself
      { keyedPeers: [9], pairSecrets: [pair] }, // above senderIdMax
      { keyedPeers: [1, 1], pairSecrets: [pair, pair] },
      { keyedPeers: [1, 2, 3, 4, 6], pairSecrets: [pair, pair, pair, pair, pair] },
      { authorityCommitment: new Uint8Array(31) },
      { role: 0 },
      { role: 5 },
      { preferredGateways: [0] },
      { preferredGateways: [0xffff] },
      { preferredGateways: [2, 2] },
      { preferredGateways: [1, 2, 3, 4, 5] },
    ];
    for (const b of bad) {
      const out = new Uint8Array(PROVISIONING_RECORD_BYTES).fill(0xee);
      expect(encodeProvisioning(fields(b), out), JSON.stringify(Object.keys(b))).toBe(-ErrorCode.AgentProvisioningMalformed);
      expect(out.every((x) => x === 0xee)).toBe(true);
    }
  });

  it("parses only a version-3 record of the exact length with the magic, zero reserved bytes, packed peers and zero unused secret slots", () => {
    const out = new Uint8Array(PROVISIONING_RECORD_BYTES + 4);
    encodeProvisioning(fields(), out);
    expect(Array.from(out.subarray(0, 4))).toEqual([0x50, 0x4b, 0x76, 0x33]); // "PKv3"
    // Slot 2 is unused: a nonzero byte in its secret, or a peer after a zero, is malformed.
    out[PAIR_SECRETS_AT + 2 * 32 + 5] = 1;
    expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES)).toBe(ErrorCode.AgentProvisioningMalformed);
    out[PAIR_SECRETS_AT + 2 * 32 + 5] = 0;
    out[KEYED_PEERS_AT + 6] = 3;
    expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES)).toBe(ErrorCode.AgentProvisioningMalformed);
    out[KEYED_PEERS_AT + 6] = 0;
    expect(typeof ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES)).toBe("object");
    expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES - 1)).toBe(ErrorCode.AgentProvisioningMalformed);
    expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES + 1)).toBe(ErrorCode.AgentProvisioningMalformed);
    for (const reserved of [14, 15]) {
      out[reserved] = 1;
      expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES), `byte ${reserved}`).toBe(ErrorCode.AgentProvisioningMalformed);
      out[reserved] = 0;
    }
    out[18] = 7; // a preferred gateway after an empty one: not packed
    expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES)).toBe(ErrorCode.AgentProvisioningMalformed);
    out[18] = 0;
    expect(typeof ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES)).toBe("object");
    out[0] = 0x51;
    expect(ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES)).toBe(ErrorCode.AgentProvisioningMalformed);
  });

  it("refuses a record of another layout version (PKv1 without a role, PKv2 with the group secret every board held, a future PKv4) with AgentProvisioningVersion", () => {
    const v1 = new Uint8Array(76);
    v1.set([0x50, 0x4b, 0x76, 0x31, 5, 0, 3, 0, 1, 0, 8, 0]);
    v1.fill(0x11, 12);
    expect(ProvisioningRecord.parse(v1, 76)).toBe(ErrorCode.AgentProvisioningVersion);
    const v2 = new Uint8Array(88);
    v2.set([0x50, 0x4b, 0x76, 0x32, 5, 0, 3, 0, 1, 0, 8, 0, 1]);
    v2.fill(0x11, 56);
    expect(ProvisioningRecord.parse(v2, 88)).toBe(ErrorCode.AgentProvisioningVersion);
    const v4 = new Uint8Array(PROVISIONING_RECORD_BYTES);
    encodeProvisioning(fields(), v4);
    v4[3] = 0x34;
    expect(ProvisioningRecord.parse(v4, PROVISIONING_RECORD_BYTES)).toBe(ErrorCode.AgentProvisioningVersion);
  });
});

describe("buildRadioMesh refusals", () => {
  it("without a mounted store: AgentStorageUnavailable, the radio needs flash for its counter", () => {
    const r = refusal(build(undefined, config()));
    expect(r.code).toBe(ErrorCode.AgentStorageUnavailable);
    expect(r.problems[0]).toMatch(/^storage: not mounted/);
  });

  it("on a blank store: AgentNotProvisioned, naming the tool", () => {
    const r = refusal(build(newFlash(), config()));
    expect(r.code).toBe(ErrorCode.AgentNotProvisioned);
    expect(r.problems[0]).toMatch(/picket provision/);
  });

  it("a record for another node, role, authority, epoch or group: AgentProvisioningMismatch naming each field; the record is kept", () => {
    const flash = provisioned(fields({ nodeId: 6, role: RecordRole.Relay, groupId: 2 }));
    const before = storedRecord(flash).slice();
    const r = refusal(build(flash, config(5, { authorityCommitment: "b2".repeat(32), keyEpoch: 4 })));
    expect(r.code).toBe(ErrorCode.AgentProvisioningMismatch);
    expect(r.problems.map((p) => p.split(":")[0])).toEqual(["nodeId", "role", "keys.keyEpoch", "keys.groupId", "keys.authorityCommitment"]);
    expect(Array.from(storedRecord(flash))).toEqual(Array.from(before));
  });

  it("a gateway above the provisioned sender range is named", () => {
    const flash = provisioned(fields({ senderIdMax: 6 }));
    const r = refusal(build(flash, testConfig({ nodeId: 5, gateways: [1, 7] })));
    expect(r.code).toBe(ErrorCode.AgentProvisioningMismatch);
    expect(r.problems).toEqual(["gateways[1]: node 7 is above the highest provisioned sender id 6"]);
  });

  it("garbage under the record's key: AgentProvisioningMalformed, and the garbage is left for inspection", () => {
    const flash = newFlash();
    const store = AgentStore.open(flash, SHAPE);
    const junk = new Uint8Array(PROVISIONING_RECORD_BYTES).fill(0x5a);
    expect(store.saveProvisioning(junk, junk.length)).toBe(ErrorCode.Ok);
    const r = refusal(build(flash, config()));
    expect(r.code).toBe(ErrorCode.AgentProvisioningMalformed);
    expect(Array.from(storedRecord(flash))).toEqual(Array.from(junk));
  });

  it("boot refuses a blank store at stage provisioning, before any sensor or the transport is opened", () => {
    let opened = 0;
    let transports = 0;
    const outcome = bootAgent(testConfigJson({ keys: { authorityCommitment: COMMITMENT_HEX, keyEpoch: 3 } }), {
      clock: new ManualClock(0),
      blockDevice: newFlash(),
      openSensor: (s, i) => {
        opened++;
        return openSimSensor(s.part, { seed: i });
      },
      transport: () => {
        transports++;
        return { refused: ErrorCode.MeshRadioFault, problems: ["radio: unreachable"] };
      },
    });
    expect(outcome).toEqual({ ok: false, stage: "provisioning", code: ErrorCode.AgentNotProvisioned, problems: ["provisioning: this board is not provisioned (no record in its flash store); run `picket provision`"] });
    expect([opened, transports]).toEqual([0, 0]);
  });

  it("boot refuses at stage transport with the builder's problems, sensors closed", () => {
    let closed = 0;
    const outcome = bootAgent(
      testConfigJson({ keys: { authorityCommitment: COMMITMENT_HEX, keyEpoch: 3 } }),
      {
        clock: new ManualClock(0),
        blockDevice: provisioned(),
        openSensor: (s, i, c) => {
          const opened = openSimSensor(s.part, { seed: i + c.nodeId });
          if (opened.ok) {
            const close = opened.value.close.bind(opened.value);
            opened.value.close = (): void => {
              closed++;
              close();
            };
          }
          return opened;
        },
        transport: (c, store) => {
          // Mesh parameters the builder refuses (no relay slot).
          const built = buildRadioMesh({ config: c, store, radio: new LoopbackRadio(c.nodeId), randomSeed: 1, meshConfig: { ...agentMeshConfig(c, 1), relaySlots: 0 } });
          return built.ok ? built.transport : { refused: built.code, problems: built.problems };
        },
      },
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.stage).toBe("transport");
    expect(outcome.code).toBe(ErrorCode.AgentBadConfig);
    expect(outcome.problems).toEqual(["radio: relaySlots: must be an integer 1..4096"]);
    expect(closed).toBe(2);
  });
});

describe("provisioned boards", () => {
  it("two boards with the same group secret exchange a message; a board of another site drops it as unauthenticated", () => {
    const a = build(provisioned(fields({ nodeId: 5 })), config(5), new LoopbackRadio(5));
    const b = build(provisioned(fields({ nodeId: 6 })), config(6), new LoopbackRadio(6));
    const otherSecret = new Uint8Array(32).fill(9);
    const c = build(provisioned(fields({ nodeId: 7, groupSecret: otherSecret })), config(7), new LoopbackRadio(7));
    if (!a.ok || !b.ok || !c.ok) throw new Error("build failed");
    const message = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(a.transport.send(BROADCAST_ID, TrafficClass.Telemetry, message, 0, message.length, false, 1)).toBe(ErrorCode.Ok);
    // Everything A puts on the air in 30 s (beacons and the message, after its random access delay).
    for (let t = 0; t < 30_000; t += 50) a.transport.tick(t);
    const frames = sentFrames(a);
    expect(frames.length).toBeGreaterThan(0);
    const got: number[][] = [];
    for (const f of frames) {
      radioOf(b).hear(f);
      radioOf(c).hear(f);
    }
    b.transport.tick(30_000);
    c.transport.tick(30_000);
    takeDeliveries(b.transport, 8, (source, _cls, bytes, offset, length) => got.push([source, ...bytes.subarray(offset, offset + length)]));
    const cGot: number[] = [];
    takeDeliveries(c.transport, 8, (source) => cGot.push(source));
    expect(got).toEqual([[5, ...message]]);
    expect(cGot).toEqual([]);
    expect(c.transport.counters.values.some((v) => v > 0)).toBe(true);
  });

  it("the send counter resumes above everything issued before a reboot (no nonce reuse)", () => {
    const flash = provisioned();
    const site = config();
    const counters: number[] = [];
    const observer: MeshObserver = {
      sealed: (_source, counter) => counters.push(counter),
      accepted: () => undefined,
      transmitted: () => undefined,
    };
    const message = Uint8Array.from([7, 7, 7]);
    let maxBefore = -1;
    for (let boot = 0; boot < 3; boot++) {
      const built = build(flash, site, new LoopbackRadio(5), observer);
      if (!built.ok) throw new Error(`boot ${boot}: ${built.problems.join("; ")}`);
      const first = counters.length;
      for (let t = 0, sent = 0; t < 600_000 && sent < 5; t += 1000) {
        if (built.transport.send(BROADCAST_ID, TrafficClass.Telemetry, message, 0, message.length, false, sent) === ErrorCode.Ok) sent++;
        built.transport.tick(t);
      }
      for (let t = 600_000; t < 700_000; t += 1000) built.transport.tick(t);
      const issued = counters.slice(first);
      expect(issued.length).toBeGreaterThan(0);
      expect(Math.min(...issued)).toBeGreaterThan(maxBefore);
      expect(Math.min(...issued)).toBeGreaterThanOrEqual(boot * SEND_COUNTER_STEP);
      maxBefore = Math.max(...issued);
      expect(built.counter.ceiling).toBe((boot + 1) * SEND_COUNTER_STEP);
    }
    expect(new Set(counters).size).toBe(counters.length);
    const store = AgentStore.open(flash, SHAPE);
    expect(store.store?.has(StoreKey.SendCounter)).toBe(true);
    expect(store.store?.has(sendCounterMirrorKey(ALERT_SLOTS))).toBe(true);
  });

  it("a board provisioned again (generation 1) sends only in its new range, above 2^28, even over a fresh image", () => {
    const site = config();
    const sealedFirst: number[] = [];
    const observer = (into: number[]): MeshObserver => ({ sealed: (_s, counter) => into.push(counter), accepted: () => undefined, transmitted: () => undefined });
    const message = Uint8Array.from([1]);
    const run = (flash: SimFlash, into: number[]): void => {
      const built = build(flash, site, new LoopbackRadio(5), observer(into));
      if (!built.ok) throw new Error(built.problems.join("; "));
      for (let t = 0, sent = 0; t < 60_000 && sent < 3; t += 1000) {
        if (built.transport.send(BROADCAST_ID, TrafficClass.Telemetry, message, 0, 1, false, sent) === ErrorCode.Ok) sent++;
        built.transport.tick(t);
      }
    };
    run(provisioned(fields({ generation: 0 })), sealedFirst);
    const sealedAgain: number[] = [];
    run(provisioned(fields({ generation: 1 })), sealedAgain);
    expect(sealedFirst.length).toBeGreaterThan(0);
    expect(sealedAgain.length).toBeGreaterThan(0);
    expect(Math.max(...sealedFirst)).toBeLessThan(0x1000_0000);
    expect(Math.min(...sealedAgain)).toBeGreaterThanOrEqual(0x1000_0000);
    expect(Math.max(...sealedAgain)).toBeLessThan(0x2000_0000);
  });

  it("when mount cannot prove the highest counter used, the radio stays off (CounterUnprovable), the store is frozen, and every later boot refuses too", () => {
    const flash = provisioned();
    const site = config();
    const first = build(flash, site);
    if (!first.ok) throw new Error(first.problems.join("; "));
    for (let t = 0; t < 5_000; t += 1000) first.transport.tick(t); // the first persist phase writes both ceiling copies
    // Damage the newest record of each ceiling copy: one byte of each header's length field. A record header starts
    // with its payload length (u16), its complement, the record type (1: KV put) and the key.
    const image = new Uint8Array(flash.blockSizeBytes * flash.blockCount);
    flash.copyTo(image);
    const lastRecordOf = (key: number): number => {
      let at = -1;
      for (let i = 0; i + 6 <= image.length; i += 4) {
        if (image[i] === 8 && image[i + 1] === 0 && image[i + 2] === 0xf7 && image[i + 3] === 0xff && image[i + 4] === 1 && image[i + 5] === key) at = i;
      }
      return at;
    };
    const ceilingAt = lastRecordOf(StoreKey.SendCounter);
    const mirrorAt = lastRecordOf(sendCounterMirrorKey(ALERT_SLOTS));
    expect(ceilingAt).toBeGreaterThan(0);
    expect(mirrorAt).toBeGreaterThan(ceilingAt);
    image[mirrorAt + 1] = 0x5a;
    image[ceilingAt + 1] = 0x5a;
    flash.load(image);
    for (let boot = 0; boot < 2; boot++) {
      const store = AgentStore.open(flash, SHAPE);
      expect(store.sendCounterStatus).toBe(ErrorCode.CounterUnprovable);
      expect(store.frozen).toBe(true);
      expect(store.recordBoot()).toBe(ErrorCode.StoreFrozen);
      const built = buildRadioMesh({ config: site, store, radio: new LoopbackRadio(5), randomSeed: 5 });
      const refused = refusal(built);
      expect(refused.code).toBe(ErrorCode.CounterUnprovable);
      expect(refused.problems.join(" ")).toContain("cannot be proven");
      expect(refused.problems.join(" ")).toContain("new key epoch");
      const after = new Uint8Array(image.length);
      flash.copyTo(after);
      expect(after).toEqual(image); // frozen: the evidence is still there for the next boot
    }
  });
});

describe("portable provider without a post-quantum suite", () => {
  it("refuses signing and KEM keys with Unsupported", () => {
    const provider = unwrap(
      PortableCryptoProvider.create(
        { fill: (out: Uint8Array) => (out.fill(0x42), ErrorCode.Ok) },
        { symmetricSlots: 2, signingSlots: 1, largestSignatureAlg: CoseAlg.MlDsa44, kemSlots: 1, largestKemAlg: KemAlg.MlKem512 },
        null,
      ),
    );
    expect(provider.postQuantum).toBe(false);
    const signing = provider.importSigningSeed(CoseAlg.MlDsa44, new Uint8Array(32).fill(1));
    expect(signing.ok ? 0 : signing.code).toBe(ErrorCode.Unsupported);
    const kem = provider.importKemSeed(KemAlg.MlKem512, new Uint8Array(64).fill(1));
    expect(kem.ok ? 0 : kem.code).toBe(ErrorCode.Unsupported);
    expect(provider.verify(CoseAlg.MlDsa44, new Uint8Array(1312), new Uint8Array(1), new Uint8Array(2420))).toBe(ErrorCode.Unsupported);
  });
});

function radioOf(outcome: RadioMeshOutcome): LoopbackRadio {
  if (!outcome.ok) throw new Error("not built");
  const radio = radios.get(outcome.transport);
  if (radio === undefined) throw new Error("radio not recorded");
  return radio;
}
function sentFrames(outcome: RadioMeshOutcome): Uint8Array[] {
  return radioOf(outcome).sent.map((f) => f.bytes);
}
