/**
 * validateMeshConfig's messages for the integer and per-class rules: each
 * field out of range is named with its bounds, exactly as the README and the
 * site configuration's problems state them (the messages are built from the
 * bounds; this table pins every one of them).
 */
import { describe, expect, it } from "vitest";
import { meshConfig, validateMeshConfig, type MeshConfig } from "../../../core/mesh/mesh-config";

const RULES: readonly (readonly [keyof MeshConfig, string])[] = [
  ["maxMessageBytes", "an integer 1..65535"],
  ["hopLimit", "an integer 0..7"],
  ["queueCapacityBytes", "three integers 16..16777216"],
  ["queueMaxAgeMs", "three integers 1..86400000"],
  ["relaySlots", "an integer 1..4096"],
  ["relayDelayMinMs", "an integer 0..60000"],
  ["relaySpreadSlots", "an integer 0..64"],
  ["relayJitterSlots", "an integer 1..64"],
  ["relayCancelCopies", "an integer 1..255"],
  ["relayCancelQualityPermille", "an integer 0..1000"],
  ["duplicateCacheCapacity", "an integer 1..1048576"],
  ["deliveredCacheCapacity", "an integer 1..1048576"],
  ["deliveredHoldMs", "an integer 0..86400000"],
  ["neighbourCapacity", "an integer 1..4096"],
  ["neighbourFreshMs", "an integer 1..86400000"],
  ["routeCapacity", "an integer 1..65534"],
  ["routeTtlMs", "an integer 1..86400000"],
  ["reassemblyTimeoutMs", "an integer 1..86400000"],
  ["nackDelayMs", "an integer 1..86400000"],
  ["nacksMax", "an integer 0..255"],
  ["pendingAckSlots", "an integer 1..256"],
  ["ackTimeoutMs", "an integer 1..86400000"],
  ["retriesMax", "an integer 0..250"],
  ["controlQueueBytes", "an integer 64..1048576"],
  ["dutyCyclePpm", "an integer 0..1000000"],
  ["dutyWindowMs", "an integer 1..2592000000"],
  ["dutyClassSharePermille", "three integers 0..1000"],
  ["utilisationWindowMs", "an integer 1..86400000"],
  ["utilisationGatePermille", "three integers 0..1000"],
  ["relayRefillPerSecondMilli", "three integers 1..1000000000"],
  ["relayBurstFrames", "three integers 1..1000000"],
  ["receiveRefillPerSecondMilli", "an integer 1..1000000000"],
  ["receiveBurstFrames", "an integer 1..1000000"],
  ["sendRefillPerSecondMilli", "three integers 1..1000000000"],
  ["sendBurstMessages", "three integers 1..1000000"],
  ["rateTableCapacity", "an integer 1..1048576"],
  ["rateHashSeed", "an integer 0..4294967295"],
  ["receiveFramesPerTickMax", "an integer 1..4096"],
  ["carrierSenseBackoffMs", "an integer 1..60000"],
  ["helloIntervalMs", "an integer 0..86400000"],
  ["helloJitterMs", "an integer 1..86400000"],
  ["accessDelayMaxMs", "three integers 0..600000"],
  ["hopRetriesMax", "an integer 0..15"],
  ["hopAckSlots", "an integer 1..1024"],
  ["hopAckGuardMs", "an integer 0..60000"],
  ["hopAckHistoryMs", "an integer 0..600000"],
  ["routeFailuresMax", "an integer 1..255"],
  ["helloHopLimit", "an integer 0..7"],
  ["advertLoadSlotPermille", "an integer 0..1000"],
  ["reparentMarginPermille", "an integer 0..1000"],
  ["reassemblySlots", "an integer 1..1024"],
];

describe("validateMeshConfig messages", () => {
  for (const [field, rule] of RULES) {
    it(`${field}: must be ${rule}`, () => {
      const bad = rule.startsWith("three") ? [-1, -1, -1] : -1.5;
      const problems = validateMeshConfig(meshConfig({ [field]: bad }));
      expect(problems).toContain(`${field}: must be ${rule}`);
      expect(validateMeshConfig(meshConfig({}))).toEqual([]);
    });
  }
});
