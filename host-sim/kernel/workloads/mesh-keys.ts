/**
 * Link secrets for a simulated mesh, as `picket provision` gives a real site
 * (core/crypto/site-keys.ts, README "Link security"): from one authority
 * secret, the flood secret F and the pairwise secret P(a, b) of every two
 * boards, at one key epoch. Built once and shared by every node of a run
 * (and by every run of a test file): the secrets depend only on the seed,
 * so sharing changes no trace. Each node gets a keyring holding only F and
 * its own row of P (`keysFor`), so a simulated board knows exactly what a
 * provisioned one does; each still keeps its own replay windows and counters.
 *
 * The seeded entropy is NOT cryptographic; this is simulation only.
 */
import { CoseAlg, KemAlg, NobleCryptoProvider } from "../../../core/crypto/index";
import { SITE_SECRET_BYTES, SiteKeyDeriver } from "../../../core/crypto/site-keys";
import { LINK_SITE_SIZE_MAX, SecretTableKeyring } from "../../../core/mesh/link-keys";
import { ErrorCode } from "../../../core/runtime/errors";
import { err, ok, type Result } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";

export const SIM_GROUP_ID = 1;

/**
 * The simulated site's authority secret for `seed`: the first 32 bytes of
 * the seeded stream. The site simulator writes what `picket provision`
 * derives from it into each board's provisioning record.
 */
export function groupSecretFor(seed: number): Uint8Array {
  const secret = new Uint8Array(32);
  new SeededEntropy(seed).fill(secret);
  return secret;
}

export class MeshKeyring {
  readonly provider: NobleCryptoProvider;
  readonly epoch: number;
  readonly siteSize: number;
  readonly #flood: Uint8Array;
  /** P(a, b) at ((a - 1) * siteSize + (b - 1)) * 32, both orders. */
  readonly #pairs: Uint8Array;
  readonly #rings: (SecretTableKeyring | undefined)[] = [];

  /** Secrets for boards 1..siteSize (1..255) at `epoch`, from the authority secret of `seed`. */
  static create(siteSize: number, seed = 0x5eed, epoch = 0): Result<MeshKeyring> {
    if ((siteSize | 0) !== siteSize || siteSize < 1 || siteSize > LINK_SITE_SIZE_MAX) return err(ErrorCode.InvalidArgument);
    const provider = NobleCryptoProvider.create(new SeededEntropy(seed), {
      symmetricSlots: 2,
      signingSlots: 0,
      largestSignatureAlg: CoseAlg.MlDsa44,
      kemSlots: 0,
      largestKemAlg: KemAlg.MlKem512,
    });
    if (!provider.ok) return provider;
    const authority = groupSecretFor(seed);
    const deriver = new SiteKeyDeriver();
    const flood = new Uint8Array(SITE_SECRET_BYTES);
    const pair = new Uint8Array(SITE_SECRET_BYTES);
    const pairs = new Uint8Array(siteSize * siteSize * SITE_SECRET_BYTES);
    let status = deriver.floodSecret(authority, SIM_GROUP_ID, epoch, flood);
    // Every two boards share a pair secret here, as if each were a gateway (the lower id's root): the transport-level
    // workload sends unicast between any two; a site's boards get the agent's records (agent/link-keyring.ts).
    for (let a = 1; a <= siteSize && status === ErrorCode.Ok; a++) {
      for (let b = a + 1; b <= siteSize && status === ErrorCode.Ok; b++) {
        status = deriver.pairSecret(authority, SIM_GROUP_ID, epoch, a, b, pair);
        pairs.set(pair, ((a - 1) * siteSize + (b - 1)) * SITE_SECRET_BYTES);
        pairs.set(pair, ((b - 1) * siteSize + (a - 1)) * SITE_SECRET_BYTES);
      }
    }
    authority.fill(0);
    if (status !== ErrorCode.Ok) return err(status);
    return ok(new MeshKeyring(provider.value, epoch, siteSize, flood, pairs));
  }

  private constructor(provider: NobleCryptoProvider, epoch: number, siteSize: number, flood: Uint8Array, pairs: Uint8Array) {
    this.provider = provider;
    this.epoch = epoch;
    this.siteSize = siteSize;
    this.#flood = flood;
    this.#pairs = pairs;
  }

  get senderCount(): number {
    return this.siteSize;
  }

  /** Board `id`'s keyring (1..siteSize): F and its own row of pairwise secrets, nothing else. */
  keysFor(id: number): SecretTableKeyring | undefined {
    if ((id | 0) !== id || id < 1 || id > this.siteSize) return undefined;
    const cached = this.#rings[id - 1];
    if (cached !== undefined) return cached;
    const rowBytes = this.siteSize * SITE_SECRET_BYTES;
    const row = this.#pairs.slice((id - 1) * rowBytes, id * rowBytes);
    const ring = SecretTableKeyring.create(id, this.epoch, this.#flood.slice(), row);
    if (!ring.ok) return undefined;
    this.#rings[id - 1] = ring.value;
    return ring.value;
  }

  /** F, for tests that play a captured board (every board holds it). */
  floodSecret(): Uint8Array {
    return this.#flood.slice();
  }

  /** P(a, b), for tests that play a captured board a (it holds its own row only). */
  pairSecret(a: number, b: number): Uint8Array | undefined {
    if (a < 1 || b < 1 || a > this.siteSize || b > this.siteSize || a === b) return undefined;
    const at = ((a - 1) * this.siteSize + (b - 1)) * SITE_SECRET_BYTES;
    return this.#pairs.slice(at, at + SITE_SECRET_BYTES);
  }
}
