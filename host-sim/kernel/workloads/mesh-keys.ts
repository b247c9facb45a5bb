/**
 * Group keys for a simulated mesh: one group secret, and from it every
 * sender's group traffic key (crypto issue's deriveGroupSenderKey), as a
 * real site would have after admission. Built once and shared by every node
 * of a run (and by every run of a test file): the keys depend only on the
 * seed below, so sharing changes no trace. Each node still keeps its own
 * replay windows and counters.
 *
 * The seeded entropy is NOT cryptographic; this is simulation only.
 */
import { CoseAlg, KemAlg, KeyKind, NobleCryptoProvider, TrafficKeyTable, deriveGroupSenderKey, type TrafficKey } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import { err, ok, type Result } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";

export const SIM_GROUP_ID = 1;

/**
 * The simulated site's group secret for `seed`: the first 32 bytes of the
 * seeded stream (what generateSymmetricKey drew from it before, so every
 * derived key and trace is unchanged). The site simulator writes it into
 * each board's provisioning record, as `picket provision` does for a board.
 */
export function groupSecretFor(seed: number): Uint8Array {
  const secret = new Uint8Array(32);
  new SeededEntropy(seed).fill(secret);
  return secret;
}

export class MeshKeyring {
  readonly provider: NobleCryptoProvider;
  readonly groupKeys: TrafficKeyTable;
  readonly epoch: number;
  readonly #sendKeys: readonly TrafficKey[];

  /** Keys for mesh ids 1..senderCount at `epoch`. */
  static create(senderCount: number, seed = 0x5eed, epoch = 0): Result<MeshKeyring> {
    if ((senderCount | 0) !== senderCount || senderCount < 1 || senderCount > 1000) return err(ErrorCode.InvalidArgument);
    const provider = NobleCryptoProvider.create(new SeededEntropy(seed), {
      symmetricSlots: senderCount + 2,
      signingSlots: 0,
      largestSignatureAlg: CoseAlg.MlDsa44,
      kemSlots: 0,
      largestKemAlg: KemAlg.MlKem512,
    });
    if (!provider.ok) return provider;
    const secretBytes = groupSecretFor(seed);
    const secret = provider.value.importSymmetricKey(KeyKind.Secret, secretBytes);
    secretBytes.fill(0);
    if (!secret.ok) return secret;
    const table = TrafficKeyTable.create(provider.value, senderCount);
    if (!table.ok) return table;
    const sendKeys: TrafficKey[] = [];
    for (let id = 1; id <= senderCount; id++) {
      const key = deriveGroupSenderKey(provider.value, secret.value, SIM_GROUP_ID, epoch, id);
      if (!key.ok) return key;
      if (table.value.install(id, key.value) !== ErrorCode.Ok) return err(ErrorCode.CryptoKeyStoreFull);
      sendKeys.push(key.value);
    }
    provider.value.destroyKey(secret.value);
    return ok(new MeshKeyring(provider.value, table.value, sendKeys, epoch));
  }

  private constructor(provider: NobleCryptoProvider, groupKeys: TrafficKeyTable, sendKeys: readonly TrafficKey[], epoch: number) {
    this.provider = provider;
    this.groupKeys = groupKeys;
    this.#sendKeys = sendKeys;
    this.epoch = epoch;
  }

  get senderCount(): number {
    return this.#sendKeys.length;
  }

  /** The send key of mesh id `id` (1..senderCount). */
  sendKey(id: number): TrafficKey | undefined {
    return this.#sendKeys[id - 1];
  }
}
