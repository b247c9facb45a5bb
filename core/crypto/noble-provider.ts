/**
 * The host's and the full image's crypto provider: the portable provider
 * (portable-provider.ts) with @noble/post-quantum's ML-DSA-44/65/87 and
 * ML-KEM-512/768 as its post-quantum suite.
 *
 * A board image that needs only the symmetric mesh path builds
 * `PortableCryptoProvider.create(entropy, keys, null)` instead and so does
 * not bundle @noble/post-quantum.
 */
import { ml_dsa44, ml_dsa65, ml_dsa87 } from "@noble/post-quantum/ml-dsa.js";
import { ml_kem512, ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import type { Result } from "../runtime/result";
import { CoseAlg, KemAlg, type SignatureAlg } from "./algorithms";
import type { EntropySource } from "./entropy";
import type { KeyStoreOptions } from "./key-store";
import type { Dsa, Kem, PostQuantumSuite } from "./post-quantum";
import { PortableCryptoProvider } from "./portable-provider";

/** noble's ML-DSA and ML-KEM (the casts narrow noble's option types to the calls the provider makes). */
export const NOBLE_POST_QUANTUM: PostQuantumSuite = Object.freeze({
  name: "noble",
  dsa(alg: SignatureAlg): Dsa | undefined {
    if (alg === CoseAlg.MlDsa44) return ml_dsa44 as unknown as Dsa;
    if (alg === CoseAlg.MlDsa65) return ml_dsa65 as unknown as Dsa;
    if (alg === CoseAlg.MlDsa87) return ml_dsa87 as unknown as Dsa;
    return undefined;
  },
  kem(alg: KemAlg): Kem | undefined {
    if (alg === KemAlg.MlKem512) return ml_kem512 as unknown as Kem;
    if (alg === KemAlg.MlKem768) return ml_kem768 as unknown as Kem;
    return undefined;
  },
});

export type NobleCryptoProvider = PortableCryptoProvider;

export const NobleCryptoProvider = Object.freeze({
  create(entropy: EntropySource, keyStore: KeyStoreOptions): Result<PortableCryptoProvider> {
    return PortableCryptoProvider.create(entropy, keyStore, NOBLE_POST_QUANTUM);
  },
});
