/**
 * Provisioning fields for tests, keyed as `picket provision` keys them: the
 * record's link secrets (agent/provisioning.ts linkKeyFields) derived from
 * `groupSecret`, the site secret, for the board's id and role and the
 * site's gateways.
 */
import { linkKeyFields, RecordRole, type LinkKeyFields, type ProvisioningFields } from "../../agent/provisioning";

export type RecordBase = Omit<ProvisioningFields, keyof LinkKeyFields> & { readonly groupSecret: Uint8Array } & Partial<LinkKeyFields>;

/**
 * `base` with its link secrets; link-key fields given in `base` win (a test
 * that writes a bad one). Fields no derivation takes (a bad id, epoch or
 * group: what a refusal test hands the encoder) get fixed, labelled
 * non-secret key fields instead, so the encoder meets the bad field itself.
 */
export function keyed(base: RecordBase, gateways: readonly number[] = []): ProvisioningFields {
  const { groupSecret, ...rest } = base;
  const derived = linkKeyFields(groupSecret, base.groupId, base.keyEpoch, base.nodeId, base.role, gateways.filter((g) => g <= base.senderIdMax));
  const keys = typeof derived === "number" ? { floodSecret: new Uint8Array(32).fill(0x5a), gatewayRoot: new Uint8Array(32).fill(base.role === RecordRole.Gateway ? 0x5a : 0), keyedPeers: [], pairSecrets: [] } : derived;
  return { ...keys, ...rest };
}
