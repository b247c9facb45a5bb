/**
 * A gateway's delivered-alert identities survive its reboot (README "Link
 * security"): an alert delivered before the gateway lost power and sent
 * again by its source after (its acknowledgement was lost) is dropped as a
 * duplicate, through the store the board mounts at boot (persistence.ts
 * alertIdLog over the alert slots, core/storage/mirrored-ring.ts).
 */
import { describe, expect, it } from "vitest";
import { RADIO_DEFAULTS } from "../../agent/config";
import { AgentStore } from "../../agent/persistence";
import { provisionDevice } from "../../agent/provision-device";
import { RecordRole } from "../../agent/provisioning";
import { ErrorCode } from "../../core/runtime/errors";
import { RecordKind, TelemetryRecord } from "../../core/telemetry/record";
import { CountingGatewaySink } from "../../core/uplink/gateway-sink";
import { GatewayRole } from "../../core/uplink/gateway";
import { ALERT_MESSAGE_BYTES, MessageKind, writeHeader, writeRecord } from "../../core/uplink/wire";
import { newFlash } from "./helpers";
import { keyed } from "./record-keys";

const SHAPE = { alertSlots: 8, siteSize: RADIO_DEFAULTS.siteSize };

function gatewayFlash(role: RecordRole = RecordRole.Gateway): ReturnType<typeof newFlash> {
  const flash = newFlash();
  const fields = keyed({ nodeId: 1, role, generation: 0, preferredGateways: [], keyEpoch: 1, groupId: 1, senderIdMax: 8, authorityCommitment: new Uint8Array(32), groupSecret: new Uint8Array(32).fill(3) });
  expect(provisionDevice(flash, fields, SHAPE)).toBe(ErrorCode.Ok);
  return flash;
}

function alert(incarnation: number, seq: number): Uint8Array {
  const bytes = new Uint8Array(ALERT_MESSAGE_BYTES);
  const record = new TelemetryRecord();
  record.kind = RecordKind.AlertRaised;
  record.channelId = 1;
  writeHeader(bytes, 0, MessageKind.Alert, 1, 0, incarnation, seq);
  writeRecord(bytes, 0, 0, record);
  return bytes;
}

function role(flash: ReturnType<typeof newFlash>, sink = new CountingGatewaySink()): GatewayRole {
  const store = AgentStore.open(flash, SHAPE);
  expect(store.alertIdLogStatus).toBe(ErrorCode.Ok);
  const log = store.alertIdLog;
  expect(log).toBeDefined();
  const created = GatewayRole.create(sink, 64, log);
  if (!created.ok) throw new Error(`gateway ${created.code}`);
  return created.value;
}

describe("a gateway's alert identities across its reboots", () => {
  it("an alert delivered before a power loss is a duplicate after it; a new one is delivered", () => {
    const flash = gatewayFlash();
    const first = role(flash);
    for (let seq = 1; seq <= 5; seq++) expect(first.accept(7, alert(2, seq), 0, ALERT_MESSAGE_BYTES, 1000)).toBe(ErrorCode.Ok);
    // Power lost: nothing flushed; the next boot mounts the same flash.
    const sink = new CountingGatewaySink();
    const second = role(flash, sink);
    for (let seq = 1; seq <= 5; seq++) expect(second.accept(7, alert(2, seq), 0, ALERT_MESSAGE_BYTES, 2000)).toBe(ErrorCode.AgentDuplicateAlert);
    expect(second.duplicates).toBe(5);
    expect(second.alerts).toBe(0);
    expect(second.accept(7, alert(2, 6), 0, ALERT_MESSAGE_BYTES, 2000)).toBe(ErrorCode.Ok);
    // Another source's alert with the same (incarnation, seq) is its own.
    expect(second.accept(8, alert(2, 1), 0, ALERT_MESSAGE_BYTES, 2000)).toBe(ErrorCode.Ok);
    expect(second.alerts).toBe(2);
    expect(second.unlogged).toBe(0);
  });

  it("the store keeps the last 2 x 4 - 1 identities of 8 alert slots; older ones fall out (the stated bound)", () => {
    const flash = gatewayFlash();
    const first = role(flash);
    for (let seq = 1; seq <= 20; seq++) first.accept(7, alert(1, seq), 0, ALERT_MESSAGE_BYTES, 1000);
    const second = role(flash);
    for (let seq = 14; seq <= 20; seq++) expect(second.accept(7, alert(1, seq), 0, ALERT_MESSAGE_BYTES, 2000), `seq ${seq}`).toBe(ErrorCode.AgentDuplicateAlert);
    expect(second.accept(7, alert(1, 1), 0, ALERT_MESSAGE_BYTES, 2000)).toBe(ErrorCode.Ok);
  });

  it("a sensor's store has no alert log (its slots hold its own pending alerts)", () => {
    const store = AgentStore.open(gatewayFlash(RecordRole.Sensor), SHAPE);
    expect(store.alertIdLog).toBeUndefined();
    expect(store.alertIdLogStatus).toBe(ErrorCode.Ok);
  });

  it("without the log the same alert is delivered again after a reboot (the check can fail)", () => {
    const first = GatewayRole.create(new CountingGatewaySink(), 64);
    const second = GatewayRole.create(new CountingGatewaySink(), 64);
    if (!first.ok || !second.ok) throw new Error("create");
    expect(first.value.accept(7, alert(2, 1), 0, ALERT_MESSAGE_BYTES, 1000)).toBe(ErrorCode.Ok);
    expect(second.value.accept(7, alert(2, 1), 0, ALERT_MESSAGE_BYTES, 2000)).toBe(ErrorCode.Ok);
  });
});
