/**
 * Board entropy: a clear refusal, for now.
 *
 * The @moddable/typings this project builds against declare no hardware
 * random number generator: no `crypto.getRandomValues` global and no typed
 * RNG module (the `crypt` module is listed as external in
 * tools/build/targets.ts but has no typings here). `Math.random` and
 * `Math.irandom` are not cryptographic. Rather than guess at an untyped
 * native API, this driver fails closed: every request returns
 * EntropyUnavailable, so a board cannot make keys, hedged signatures or KEM
 * encapsulations until a typed hardware RNG driver replaces it (for example
 * over the ESP32's esp_fill_random through a small native module with a
 * .d.ts). Verification, decryption and MAC checks need no entropy and work.
 * The board's entry (agent/moddable/main.ts) hands it to the mesh's crypto
 * provider, whose per-frame path never draws; what would draw (admission
 * with ML-KEM, hedged ML-DSA signatures) is refused on a board until then.
 */
import { ErrorCode } from "../../core/runtime/errors";
import type { Status } from "../../core/runtime/result";
import type { Entropy } from "../entropy";

export class ModdableEntropy implements Entropy {
  #refusedCount = 0;

  /** Requests refused (all of them, until a hardware RNG is wired in). */
  get refusedCount(): number {
    return this.#refusedCount;
  }

  fill(out: Uint8Array): Status {
    out.fill(0);
    this.#refusedCount++;
    return ErrorCode.EntropyUnavailable;
  }
}
