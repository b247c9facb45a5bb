/**
 * Who this board is, read at boot from the provisioning record in its flash
 * store (agent/provisioning.ts, written by `picket provision`), never from
 * the compiled site configuration: one firmware image per site and board
 * type boots as any board of the site (README "Building for a board").
 *
 * The record is checked against the compiled site configuration before
 * anything else is built: its layout version, and, when the configuration
 * names keys, the key epoch, the group and the authority's commitment; the
 * site's gateways must be within the record's sender range. A store that
 * does not mount, a missing record, a record of another version and a
 * malformed one are refused with their own codes (fail closed: a board
 * without a proven identity does not join the mesh).
 */
import { constantTimeEqual } from "../core/crypto/ct";
import { ErrorCode, type FailureCode } from "../core/runtime/errors";
import { ROLE_NAMES, type BoardIdentity, type CompiledSiteConfig } from "./config";
import type { AgentStore } from "./persistence";
import { AUTHORITY_COMMITMENT_BYTES, hexInto, PROVISIONING_RECORD_BYTES, PROVISIONING_VERSION, ProvisioningRecord } from "./provisioning";

export type IdentityOutcome =
  | { readonly ok: true; readonly identity: BoardIdentity; readonly senderIdMax: number }
  | { readonly ok: false; readonly code: FailureCode; readonly problems: readonly string[] };

function refuse(code: FailureCode, problem: string): IdentityOutcome {
  return { ok: false, code, problems: [problem] };
}

/** The record's identity, or why the board must not boot. The record's bytes are zeroed before returning. */
export function readBoardIdentity(store: AgentStore, site: CompiledSiteConfig): IdentityOutcome {
  if (!store.mounted) return refuse(ErrorCode.AgentStorageUnavailable, `storage: not mounted (code ${store.mountStatus}); the board's identity and keys are in its provisioning record there`);
  const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const length = store.loadProvisioning(bytes, 0);
  if (length === -ErrorCode.NotFound) return refuse(ErrorCode.AgentNotProvisioned, "provisioning: this board is not provisioned (no record in its flash store); run `picket provision`");
  if (length < 0) return refuse(ErrorCode.AgentProvisioningMalformed, `provisioning: the record could not be read (code ${-length})`);
  const record = ProvisioningRecord.parse(bytes, length);
  if (typeof record === "number") {
    const version = (bytes[3] ?? 0) - 0x30;
    bytes.fill(0);
    if (record === ErrorCode.AgentProvisioningVersion) {
      return refuse(record, `provisioning: the record is layout version ${version}, this firmware reads version ${PROVISIONING_VERSION}; run \`picket provision\` again`);
    }
    return refuse(record, "provisioning: the record is malformed");
  }
  const problems = recordSiteProblems(record, site);
  const identity: BoardIdentity = { nodeId: record.nodeId, role: ROLE_NAMES[record.role - 1] ?? ROLE_NAMES[0] ?? "sensor", preferredGateways: record.preferredGateways };
  const senderIdMax = record.senderIdMax;
  bytes.fill(0);
  if (problems.length > 0) return { ok: false, code: ErrorCode.AgentProvisioningMismatch, problems };
  return { ok: true, identity, senderIdMax };
}

/** Every way the record contradicts the compiled site configuration (field paths as in validateSiteConfig). */
export function recordSiteProblems(record: ProvisioningRecord, site: CompiledSiteConfig): string[] {
  const problems: string[] = [];
  const keys = site.keys;
  if (keys !== undefined) {
    if (keys.keyEpoch !== record.keyEpoch) problems.push(`keys.keyEpoch: the board holds keys for epoch ${record.keyEpoch}, the configuration says ${keys.keyEpoch}`);
    if (keys.groupId !== record.groupId) problems.push(`keys.groupId: the board was provisioned into group ${record.groupId}, the configuration says ${keys.groupId}`);
    const commitment = new Uint8Array(AUTHORITY_COMMITMENT_BYTES);
    if (!hexInto(keys.authorityCommitment, commitment) || !constantTimeEqual(commitment, record.authorityCommitment)) {
      problems.push("keys.authorityCommitment: the board was provisioned by another site authority");
    }
  }
  for (let i = 0; i < site.gateways.length; i++) {
    const id = site.gateways[i] ?? 0;
    if (id > record.senderIdMax) problems.push(`gateways[${i}]: node ${id} is above the highest provisioned sender id ${record.senderIdMax}`);
  }
  return problems;
}
