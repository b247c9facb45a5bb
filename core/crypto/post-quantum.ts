/**
 * The post-quantum algorithms a CryptoProvider may carry, as a suite that
 * is injected rather than imported (portable-provider.ts): ML-DSA
 * (FIPS 204) for identities and ML-KEM (FIPS 203) for key establishment.
 * The shapes are the calls the provider makes, with every random input
 * passed explicitly (keygen seeds, signing `extraEntropy`, the
 * encapsulation message m), so no implementation reads a global RNG.
 */
import type { KemAlg, SignatureAlg } from "./algorithms";

export interface Dsa {
  keygen(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  sign(message: Uint8Array, secretKey: Uint8Array, opts: { extraEntropy: Uint8Array | false }): Uint8Array;
  verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

export interface Kem {
  keygen(seed: Uint8Array): { secretKey: Uint8Array; publicKey: Uint8Array };
  encapsulate(publicKey: Uint8Array, message: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

export interface PostQuantumSuite {
  /** Provider name reported with this suite (e.g. "noble"). */
  readonly name: string;
  /** The implementation of `alg`, or undefined when the suite lacks it. */
  dsa(alg: SignatureAlg): Dsa | undefined;
  kem(alg: KemAlg): Kem | undefined;
}
