/**
 * Write a provisioning record (provisioning.ts) into a board's storage
 * partition: mount the agent's store over `device` with the geometry the
 * agent uses (formatting a blank partition), store the record, verify it
 * reads back. Used by `picket provision` (over an in-memory partition that
 * becomes a flash image), by the site simulator before a board's first
 * boot, and by tests. The encoded record is zeroed before returning.
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";
import type { BlockDevice } from "../core/storage/block-device";
import { AgentStore, type StoreShape } from "./persistence";
import { encodeProvisioning, PROVISIONING_RECORD_BYTES, type ProvisioningFields } from "./provisioning";

/** `shape` must be the site configuration's (persistence.ts storeShapeOf: it sizes the store's key table). */
export function provisionDevice(device: BlockDevice, fields: ProvisioningFields, shape: StoreShape): Status {
  const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const length = encodeProvisioning(fields, bytes);
  if (length < 0) return -length as Status;
  const store = AgentStore.open(device, shape);
  if (!store.mounted) {
    bytes.fill(0);
    return store.mountStatus;
  }
  const saved = store.saveProvisioning(bytes, length);
  const check = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const read = saved === ErrorCode.Ok ? store.loadProvisioning(check, 0) : -saved;
  let same = read === length;
  for (let i = 0; same && i < length; i++) same = check[i] === bytes[i];
  bytes.fill(0);
  check.fill(0);
  if (saved !== ErrorCode.Ok) return saved;
  return same ? ErrorCode.Ok : ErrorCode.Corrupt;
}
