/**
 * Simulated entropy: reproducible by seed (docs/architecture.md "Rules").
 *
 * NOT cryptographic. xoshiro128** output is predictable from a few outputs;
 * it exists so the simulator and tests make the same keys on V8 and XS for
 * the same seed. Boards use hal/moddable/entropy.ts.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { Xoshiro128 } from "../../core/runtime/prng";
import type { Status } from "../../core/runtime/result";
import type { Entropy } from "../entropy";

export class SeededEntropy implements Entropy {
  readonly #prng: Xoshiro128;
  #bytesDrawn = 0;

  constructor(seed: number) {
    this.#prng = new Xoshiro128(seed);
  }

  get bytesDrawn(): number {
    return this.#bytesDrawn;
  }

  fill(out: Uint8Array): Status {
    let word = 0;
    for (let i = 0; i < out.length; i++) {
      if ((i & 3) === 0) word = this.#prng.nextU32();
      out[i] = (word >>> ((i & 3) * 8)) & 0xff;
    }
    this.#bytesDrawn += out.length;
    return ErrorCode.Ok;
  }
}

/** A source that has failed: every request is refused (tests of fail-closed paths). */
export class UnavailableEntropy implements Entropy {
  fill(_out: Uint8Array): Status {
    return ErrorCode.EntropyUnavailable;
  }
}

/** A source stuck on one byte value: "succeeds" with constant output (tests of the health check). */
export class StuckEntropy implements Entropy {
  readonly #value: number;

  constructor(value = 0) {
    this.#value = value & 0xff;
  }

  fill(out: Uint8Array): Status {
    out.fill(this.#value);
    return ErrorCode.Ok;
  }
}

/** Works for `budgetBytes` bytes, then fails (a source that dies mid-operation). */
export class FailingAfterEntropy implements Entropy {
  readonly #inner: Entropy;
  #budgetBytes: number;

  constructor(inner: Entropy, budgetBytes: number) {
    this.#inner = inner;
    this.#budgetBytes = budgetBytes;
  }

  fill(out: Uint8Array): Status {
    if (out.length > this.#budgetBytes) return ErrorCode.EntropyUnavailable;
    this.#budgetBytes -= out.length;
    return this.#inner.fill(out);
  }
}
