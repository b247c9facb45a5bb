/**
 * The provisioning generation (agent/provisioning.ts): byte 13 of a
 * version-2 record, 0..15, read as 0 from records written before it
 * existed, and the send-counter range it gives a board. Ranges of
 * different generations never overlap, so a board provisioned again under
 * the same key never issues a counter an earlier provisioning could have
 * issued (RFC 8613 §7.5: a sender sequence number is never reused under
 * one key).
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  COUNTER_VALUES_PER_GENERATION,
  encodeProvisioning,
  PROVISIONING_GENERATIONS,
  PROVISIONING_RECORD_BYTES,
  ProvisioningRecord,
  RecordRole,
  sendCounterRange,
  type ProvisioningFields,
} from "../../agent/provisioning";
import { COUNTER_MAX } from "../../core/mesh/link-header";
import { ErrorCode } from "../../core/runtime/errors";
import { keyed } from "./record-keys";

const GENERATION_AT = 13;

function fields(overrides: Partial<ProvisioningFields> = {}): ProvisioningFields {
  return keyed({
    nodeId: 5,
    role: RecordRole.Relay,
    generation: 0,
    preferredGateways: [2],
    keyEpoch: 4,
    groupId: 7,
    senderIdMax: 9,
    authorityCommitment: new Uint8Array(32).fill(0x7e),
    groupSecret: new Uint8Array(32).fill(0xcd),
    ...overrides,
  }, [2]);
}

/**
 * A version-3 record of generation 0 laid out by hand from the layout table
 * of agent/provisioning.ts (not its encoder), with the secrets `fields()`
 * derives: F at 56, no gateway root (a relay), gateway 2 at 120 and the pair
 * secret with it at 128.
 */
function recordWrittenBeforeGenerations(): Uint8Array {
  const f = fields();
  const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  bytes.set([0x50, 0x4b, 0x76, 0x33]); // "PKv3"
  bytes.set([5, 0, 4, 0, 7, 0, 9, 0], 4); // node 5, epoch 4, group 7, boards 1..9
  bytes[12] = RecordRole.Relay;
  bytes.set([2, 0], 16); // preferred gateway 2
  bytes.fill(0x7e, 24, 56);
  bytes.set(f.floodSecret, 56);
  bytes.set([2, 0], 120); // keyed peer: gateway 2
  bytes.set(f.pairSecrets[0] ?? new Uint8Array(32), 128);
  return bytes;
}

describe("provisioning generation in the record", () => {
  it("round-trips every generation 0..15 through byte 13, the other fields unchanged", () => {
    for (let generation = 0; generation < PROVISIONING_GENERATIONS; generation++) {
      const out = new Uint8Array(PROVISIONING_RECORD_BYTES);
      expect(encodeProvisioning(fields({ generation }), out)).toBe(PROVISIONING_RECORD_BYTES);
      expect(out[GENERATION_AT]).toBe(generation);
      expect([out[14], out[15]]).toEqual([0, 0]);
      const record = ProvisioningRecord.parse(out, PROVISIONING_RECORD_BYTES);
      if (typeof record === "number") throw new Error(`generation ${generation}: parse failed ${record}`);
      expect([record.generation, record.nodeId, record.role, record.keyEpoch, record.groupId, record.senderIdMax, record.preferredGateways]).toEqual([generation, 5, RecordRole.Relay, 4, 7, 9, [2]]);
    }
  });

  it("reads a record laid out by hand with byte 13 zero as generation 0, byte for byte what the encoder writes for 0", () => {
    const old = recordWrittenBeforeGenerations();
    const record = ProvisioningRecord.parse(old, PROVISIONING_RECORD_BYTES);
    if (typeof record === "number") throw new Error(`parse failed ${record}`);
    expect([record.generation, record.nodeId, record.keyEpoch]).toEqual([0, 5, 4]);
    const now = new Uint8Array(PROVISIONING_RECORD_BYTES);
    encodeProvisioning(fields(), now);
    expect(Array.from(now)).toEqual(Array.from(old));
  });

  it("refuses a record whose generation byte is above 15 with AgentProvisioningMalformed", () => {
    const bytes = recordWrittenBeforeGenerations();
    for (const generation of [PROVISIONING_GENERATIONS, 17, 0x80, 0xff]) {
      bytes[GENERATION_AT] = generation;
      expect(ProvisioningRecord.parse(bytes, PROVISIONING_RECORD_BYTES), `generation ${generation}`).toBe(ErrorCode.AgentProvisioningMalformed);
    }
    bytes[GENERATION_AT] = PROVISIONING_GENERATIONS - 1;
    expect(typeof ProvisioningRecord.parse(bytes, PROVISIONING_RECORD_BYTES)).toBe("object");
  });

  it("refuses a record with a non-zero reserved byte 14 or 15 (whatever its generation)", () => {
    for (const at of [14, 15]) {
      const bytes = recordWrittenBeforeGenerations();
      bytes[GENERATION_AT] = 3;
      bytes[at] = 1;
      expect(ProvisioningRecord.parse(bytes, PROVISIONING_RECORD_BYTES), `byte ${at}`).toBe(ErrorCode.AgentProvisioningMalformed);
    }
  });

  it("refuses to encode a generation outside 0..15 with AgentProvisioningMalformed and writes nothing", () => {
    for (const generation of [-1, PROVISIONING_GENERATIONS, 255, 1.5, Number.NaN]) {
      const out = new Uint8Array(PROVISIONING_RECORD_BYTES).fill(0xee);
      expect(encodeProvisioning(fields({ generation }), out), String(generation)).toBe(-ErrorCode.AgentProvisioningMalformed);
      expect(out.every((x) => x === 0xee)).toBe(true);
    }
  });
});

describe("sendCounterRange", () => {
  it("gives generation g the counters g * 2^28 .. (g + 1) * 2^28 - 1", () => {
    expect(PROVISIONING_GENERATIONS).toBe(16);
    expect(COUNTER_VALUES_PER_GENERATION).toBe(2 ** 28);
    expect(sendCounterRange(0)).toEqual({ firstValue: 0, maxValue: 2 ** 28 - 1 });
    expect(sendCounterRange(1)).toEqual({ firstValue: 2 ** 28, maxValue: 2 ** 29 - 1 });
    expect(sendCounterRange(15)).toEqual({ firstValue: 15 * 2 ** 28, maxValue: 2 ** 32 - 1 });
  });

  it("fills the 4-byte counter on the air exactly: consecutive, no gap, the last ending at COUNTER_MAX", () => {
    let next = 0;
    for (let g = 0; g < PROVISIONING_GENERATIONS; g++) {
      const range = sendCounterRange(g);
      if (range === undefined) throw new Error(`generation ${g}`);
      expect(range.firstValue, `generation ${g}`).toBe(next);
      expect(range.maxValue - range.firstValue + 1).toBe(COUNTER_VALUES_PER_GENERATION);
      next = range.maxValue + 1;
    }
    expect(next - 1).toBe(COUNTER_MAX);
  });

  it("never gives two generations a common counter (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 15 }), fc.nat(COUNTER_MAX), (a, b, counter) => {
        fc.pre(a !== b);
        const ra = sendCounterRange(a);
        const rb = sendCounterRange(b);
        if (ra === undefined || rb === undefined) return false;
        const inA = counter >= ra.firstValue && counter <= ra.maxValue;
        const inB = counter >= rb.firstValue && counter <= rb.maxValue;
        return !(inA && inB) && (ra.maxValue < rb.firstValue || rb.maxValue < ra.firstValue);
      }),
    );
  });

  it("has no range for a generation outside 0..15 (none clamped)", () => {
    for (const generation of [-1, 16, 255, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(sendCounterRange(generation), String(generation)).toBeUndefined();
  });
});
