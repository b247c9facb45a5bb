/**
 * No silent caps: a configured value the code cannot honour is refused by
 * validation with the field named, and every value validation accepts is
 * honoured as configured (README "Site configuration").
 */
import { describe, expect, it } from "vitest";
import { ConfigProblemCode, RADIO_DEFAULTS, RX_FRAMES_MAX, validateSiteConfig, type SiteConfig } from "../../agent/config";
import { agentMeshConfig } from "../../agent/radio-mesh";
import { ErrorCode } from "../../core/runtime/errors";
import { HOP_LIMIT_MAX } from "../../core/mesh/link-header";
import { FlashFaults } from "../../hal/sim/flash-faults";
import { SimFlash } from "../../hal/sim/flash";
import { SimLimit } from "../../host-sim/kernel/scenario";
import { recordsPerMessage, WIRE_RECORDS_MAX } from "../../core/uplink/wire";
import { testConfig, testConfigJson } from "./helpers";

/** A board's configuration: the site overrides, with `nodeId`/`role` (as its record would give them) taken out. */
function validated(overrides: Record<string, unknown>): SiteConfig {
  return testConfig(overrides);
}

function refusal(overrides: Record<string, unknown>): readonly { field: string; code: number; reason: string }[] {
  const result = validateSiteConfig(testConfigJson(overrides));
  return result.ok ? [] : result.problems;
}

describe("radio.hopLimit: what the link header's 3-bit field carries", () => {
  it("is 1..7 with default 7, and every accepted value reaches the mesh unchanged", () => {
    expect(HOP_LIMIT_MAX).toBe(7);
    expect(RADIO_DEFAULTS.hopLimit).toBe(HOP_LIMIT_MAX);
    for (let hops = 1; hops <= HOP_LIMIT_MAX; hops++) {
      const config = validated({ radio: { hopLimit: hops } });
      expect(agentMeshConfig(config, 1).hopLimit).toBe(hops);
    }
    const gateway = validated({ nodeId: 1, role: "gateway", radio: { hopLimit: 5 } });
    expect(agentMeshConfig(gateway, 1).helloHopLimit).toBe(5);
  });

  it("refuses 8 and 32 (the old documented range) naming the field and the reason, instead of capping them", () => {
    for (const hops of [8, 32]) {
      expect(refusal({ radio: { hopLimit: hops } })).toEqual([
        { field: "radio.hopLimit", code: ConfigProblemCode.OutOfRange, reason: "must be an integer 1..7 (hops: the link header's 3-bit hop-limit field)" },
      ]);
    }
    expect(refusal({ radio: { hopLimit: 0 } })[0]?.field).toBe("radio.hopLimit");
  });
});

describe("capacities.rxFrames and txFrames size the board's mesh as configured", () => {
  it("refuses rxFrames above RX_FRAMES_MAX (the board's 8 KB inbox) naming the field", () => {
    expect(RX_FRAMES_MAX).toBe(128);
    expect(refusal({ capacities: { rxFrames: RX_FRAMES_MAX + 1 } })).toEqual([
      { field: "capacities.rxFrames", code: ConfigProblemCode.OutOfRange, reason: `must be an integer 2..${RX_FRAMES_MAX} (frames)` },
    ]);
  });

  it("gives the inbox rxFrames x 64 bytes for every accepted rxFrames (at least two largest messages)", () => {
    for (const rxFrames of [2, 16, 100, RX_FRAMES_MAX]) {
      const config = validated({ capacities: { rxFrames } });
      const inbox = agentMeshConfig(config, 1).inboxCapacityBytes;
      expect(inbox).toBe(Math.max(rxFrames * 64, 2 * (config.radio.maxMessageBytes + 16)));
      expect(inbox).toBeLessThanOrEqual(8192);
    }
  });

  it("keeps at most txFrames acknowledged sends, never more (alert slots + 2 when fewer can be in flight)", () => {
    for (const txFrames of [2, 3, 4, 16, 256]) {
      const config = validated({ capacities: { txFrames } });
      const slots = agentMeshConfig(config, 1).pendingAckSlots;
      expect(slots).toBeLessThanOrEqual(txFrames);
      expect(slots).toBe(Math.min(txFrames, config.uplink.alertPendingCapacity + 2));
    }
  });
});

describe("simulated flash fault plan: out-of-range options are refused, not clamped", () => {
  it("configure refuses maxFlipsPerRead outside 1..8 and bad permilles, leaving the plan unchanged", () => {
    const faults = new FlashFaults({ seed: 1, readFlipPermille: 10, maxFlipsPerRead: 2 });
    expect(faults.status).toBe(ErrorCode.Ok);
    for (const bad of [{ seed: 2, maxFlipsPerRead: 9 }, { seed: 2, maxFlipsPerRead: 0 }, { seed: 2, readFlipPermille: 1001 }, { seed: 2, powerLossPermille: -1 }, { seed: 2.5 }]) {
      expect(faults.configure(bad), JSON.stringify(bad)).toBe(ErrorCode.InvalidArgument);
      expect(faults.maxFlipsPerRead).toBe(2);
      expect(faults.readFlipPermille).toBe(10);
    }
    expect(faults.configure({ seed: 3, maxFlipsPerRead: 8 })).toBe(ErrorCode.Ok);
    expect(faults.maxFlipsPerRead).toBe(8);
  });

  it("a device is not created over a fault plan built from bad options", () => {
    const faults = new FlashFaults({ seed: 1, maxFlipsPerRead: 12 });
    expect(faults.status).toBe(ErrorCode.InvalidArgument);
    expect(faults.quiet).toBe(true);
    const device = SimFlash.create({ blockSizeBytes: 256, blockCount: 8 }, faults);
    expect(device.ok ? ErrorCode.Ok : device.code).toBe(ErrorCode.InvalidArgument);
  });
});

describe("not caps (documented where they are)", () => {
  it("a random layout's side from areaPerNodeM2 fits the coordinate limit for every accepted node count and area", () => {
    // host-sim/kernel/validate-scenario.ts: nodesMax x coordinateMMax square metres has a side below coordinateMMax.
    expect(Math.sqrt(SimLimit.nodesMax * SimLimit.coordinateMMax)).toBeLessThanOrEqual(SimLimit.coordinateMMax);
  });

  it("records per uplink message never reach the wire format's u8 count for any accepted radio.maxMessageBytes", () => {
    // core/uplink/wire.ts recordsPerMessage bounds by WIRE_RECORDS_MAX; radio.maxMessageBytes <= 1024 keeps it far below.
    expect(recordsPerMessage(1024)).toBeLessThan(WIRE_RECORDS_MAX);
    expect(refusal({ radio: { maxMessageBytes: 1025 } })[0]?.field).toBe("radio.maxMessageBytes");
  });
});
