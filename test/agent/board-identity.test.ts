/**
 * One firmware per site: boot (agent/boot.ts) reads the board's node id,
 * role and gateway preference from the provisioning record in its store
 * (agent/board-identity.ts), checks the record against the compiled site
 * configuration, and refuses (fail closed) with a specific code and the
 * field at fault when the record is missing, of another version, malformed
 * or for another site. And the refusal line and retry backoff a board
 * prints (agent/boot-report.ts).
 */
import { describe, expect, it } from "vitest";
import { bootAgent, type BootOutcome, type BootPlatform } from "../../agent/boot";
import { BOOT_ATTEMPTS_MAX, BOOT_RETRY_CAP_MS, BOOT_RETRY_FIRST_MS, bootRefusalLine, bootRetryDelayMs } from "../../agent/boot-report";
import { RADIO_DEFAULTS } from "../../agent/config";
import { AgentStore } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { hexInto, RecordRole, type ProvisioningFields } from "../../agent/provisioning";
import { openSimSensor } from "../../agent/sim-sensors";
import { ErrorCode } from "../../core/runtime/errors";
import type { SimFlash } from "../../hal/sim/flash";
import { ManualClock } from "../../hal/sim/manual-clock";
import { newFlash, RecordingTransport, testConfigJson } from "./helpers";
import { keyed } from "./record-keys";

const COMMITMENT_HEX = "3d".repeat(32);
const ALERT_SLOTS = 4; // testConfigJson's uplink.alertPendingCapacity
const SHAPE = { alertSlots: ALERT_SLOTS, siteSize: RADIO_DEFAULTS.siteSize };
const SITE = testConfigJson({ gateways: [1, 2], keys: { authorityCommitment: COMMITMENT_HEX, keyEpoch: 2, groupId: 7 } });

function fields(overrides: Partial<ProvisioningFields> = {}): ProvisioningFields {
  const commitment = new Uint8Array(32);
  hexInto(COMMITMENT_HEX, commitment);
  return keyed({ nodeId: 5, role: RecordRole.Sensor, generation: 0, preferredGateways: [], keyEpoch: 2, groupId: 7, senderIdMax: 8, authorityCommitment: commitment, groupSecret: new Uint8Array(32).fill(9), ...overrides });
}

function provisioned(f: ProvisioningFields = fields()): SimFlash {
  const flash = newFlash();
  expect(provisionDevice(flash, f, SHAPE)).toBe(ErrorCode.Ok);
  return flash;
}

interface Boot {
  readonly outcome: BootOutcome;
  readonly sensorsOpened: number;
  readonly transports: number;
}

/** Boot SITE as a board does (no identity given), counting what boot opened. */
function boot(flash: SimFlash | undefined, raw: unknown = SITE, extra: Partial<BootPlatform> = {}): Boot {
  let sensorsOpened = 0;
  let transports = 0;
  const outcome = bootAgent(raw, {
    clock: new ManualClock(0),
    ...(flash === undefined ? {} : { blockDevice: flash }),
    openSensor: (s, i) => {
      sensorsOpened++;
      return openSimSensor(s.part, { seed: i });
    },
    transport: (c) => {
      transports++;
      return new RecordingTransport(c.nodeId);
    },
    ...extra,
  });
  return { outcome, sensorsOpened, transports };
}

function refusal(b: Boot): Extract<BootOutcome, { ok: false }> {
  if (b.outcome.ok) throw new Error("expected a refused boot");
  return b.outcome;
}

describe("booting from the provisioning record", () => {
  it("takes node id, role and gateway preference from the record: the same site configuration boots as any board", () => {
    const sensor = boot(provisioned(fields({ nodeId: 5, preferredGateways: [2] })));
    expect(sensor.outcome.ok && [sensor.outcome.agent.status().nodeId, sensor.outcome.agent.status().role]).toEqual([5, "sensor"]);
    expect(sensor.sensorsOpened).toBe(2);
    const gateway = boot(provisioned(fields({ nodeId: 1, role: RecordRole.Gateway })));
    expect(gateway.outcome.ok && [gateway.outcome.agent.status().nodeId, gateway.outcome.agent.status().role]).toEqual([1, "gateway"]);
  });

  it("boots a relay without opening a sensor; it runs and samples nothing", () => {
    const relay = boot(provisioned(fields({ nodeId: 6, role: RecordRole.Relay })));
    expect(relay.sensorsOpened).toBe(0);
    if (!relay.outcome.ok) throw new Error(relay.outcome.problems.join("; "));
    const agent = relay.outcome.agent;
    expect(agent.status().role).toBe("relay");
    for (let i = 0; i < 10; i++) agent.runDue();
    expect(agent.status().samplesTaken).toBe(0);
    expect(agent.status().taskFaults).toBe(0);
  });

  it("refuses without a store (stage storage) and with a blank one (stage provisioning), opening nothing", () => {
    const none = boot(undefined);
    expect(refusal(none)).toMatchObject({ stage: "storage", code: ErrorCode.AgentStorageUnavailable });
    expect(refusal(none).problems[0]).toMatch(/^storage: not mounted/);
    const blank = boot(newFlash());
    expect(refusal(blank)).toEqual({ ok: false, stage: "provisioning", code: ErrorCode.AgentNotProvisioned, problems: ["provisioning: this board is not provisioned (no record in its flash store); run `picket provision`"] });
    expect([none.sensorsOpened + blank.sensorsOpened, none.transports + blank.transports]).toEqual([0, 0]);
  });

  it("refuses a version-1 record (no role) with AgentProvisioningVersion, naming the fix", () => {
    const flash = newFlash();
    const v1 = new Uint8Array(76);
    v1.set([0x50, 0x4b, 0x76, 0x31, 5, 0, 2, 0, 7, 0, 8, 0]);
    v1.fill(0x22, 12);
    expect(AgentStore.open(flash, SHAPE).saveProvisioning(v1, v1.length)).toBe(ErrorCode.Ok);
    const b = boot(flash);
    expect(refusal(b)).toEqual({
      ok: false,
      stage: "provisioning",
      code: ErrorCode.AgentProvisioningVersion,
      problems: ["provisioning: the record is layout version 1, this firmware reads version 3; run `picket provision` again"],
    });
    expect(b.sensorsOpened).toBe(0);
  });

  it("refuses a malformed record with AgentProvisioningMalformed", () => {
    const flash = newFlash();
    const junk = new Uint8Array(88).fill(0x5a);
    expect(AgentStore.open(flash, SHAPE).saveProvisioning(junk, junk.length)).toBe(ErrorCode.Ok);
    expect(refusal(boot(flash))).toEqual({ ok: false, stage: "provisioning", code: ErrorCode.AgentProvisioningMalformed, problems: ["provisioning: the record is malformed"] });
  });

  it("refuses a record for another epoch, group or authority, naming every field", () => {
    const other = new Uint8Array(32).fill(0x44);
    const b = boot(provisioned(fields({ keyEpoch: 3, groupId: 8, authorityCommitment: other })));
    expect(refusal(b)).toMatchObject({ stage: "provisioning", code: ErrorCode.AgentProvisioningMismatch });
    expect(refusal(b).problems.map((p) => p.split(":")[0])).toEqual(["keys.keyEpoch", "keys.groupId", "keys.authorityCommitment"]);
    expect(b.sensorsOpened).toBe(0);
  });

  it("refuses a board the site lists as a gateway whose record does not make it one, and a preferred gateway the site does not list", () => {
    expect(refusal(boot(provisioned(fields({ nodeId: 2, role: RecordRole.Sensor }))))).toEqual({
      ok: false,
      stage: "provisioning",
      code: ErrorCode.AgentProvisioningMismatch,
      problems: ["gateways[1]: lists this board (node 2) as a gateway, but its role is sensor"],
    });
    expect(refusal(boot(provisioned(fields({ preferredGateways: [3] }))))).toMatchObject({
      stage: "provisioning",
      code: ErrorCode.AgentProvisioningMismatch,
      problems: ["gateways: the board prefers gateway 3, which the site configuration does not list"],
    });
  });

  it("puts the preferred gateways first, then the site's others in the site's order", () => {
    let seen: readonly number[] = [];
    const b = boot(provisioned(fields({ preferredGateways: [2] })), SITE, {
      transport: (c) => {
        seen = c.gateways;
        return new RecordingTransport(c.nodeId);
      },
    });
    expect(b.outcome.ok).toBe(true);
    expect(seen).toEqual([2, 1]);
  });

  it("refuses nodeId and role in the compiled configuration before touching the store", () => {
    const b = boot(provisioned(), { ...SITE, nodeId: 5 });
    expect(refusal(b)).toMatchObject({ stage: "config", code: ErrorCode.AgentBadConfig });
    expect(refusal(b).problems[0]).toMatch(/^nodeId: is per board/);
  });
});

describe("the refusal line and the retry backoff", () => {
  it("waits 1 s, doubling to the 32 s cap, for BOOT_ATTEMPTS_MAX attempts, then gives up", () => {
    const delays = Array.from({ length: BOOT_ATTEMPTS_MAX + 1 }, (_, i) => bootRetryDelayMs(i + 1));
    expect(delays).toEqual([1000, 2000, 4000, 8000, 16000, 32000, 32000, -1, -1]);
    expect([BOOT_RETRY_FIRST_MS, BOOT_RETRY_CAP_MS, BOOT_ATTEMPTS_MAX]).toEqual([1000, 32000, 8]);
  });

  it("names the stage, the code's name and number and the first problem's field, counting the rest, on one line", () => {
    const refused = { ok: false, stage: "config", code: ErrorCode.AgentBadConfig, problems: ["nodeId: is per board", "radio.hopLimit: must be 1..32"] } as const;
    expect(bootRefusalLine(refused, 1)).toBe("picket: boot refused at stage config, code AgentBadConfig (1100): nodeId: is per board (+1 more); attempt 1 of 8, retrying in 1000 ms");
    expect(bootRefusalLine({ ...refused, problems: ["storage: not mounted"] }, 8)).toBe(
      "picket: boot refused at stage config, code AgentBadConfig (1100): storage: not mounted; attempt 8 of 8, giving up until reset",
    );
    expect(bootRefusalLine(refused, 3)).not.toContain("\n");
  });
});
