/**
 * Independent PRNG streams derived from one run seed.
 *
 * Each purpose (topology, faults, network per sender, node-local per node)
 * gets its own Xoshiro128 seeded from (seed, purpose, index) through an
 * integer mixer, so a change in how one stream is consumed (say, a node
 * draws one more number) never shifts the draws of any other stream.
 * The seed is the only randomness in a run.
 */
import { Xoshiro128 } from "../../core/runtime/prng";

export const StreamPurpose = Object.freeze({
  Topology: 1,
  Faults: 2,
  Network: 3,
  Node: 4,
  Clock: 5,
  Start: 6,
} as const);

export type StreamPurpose = (typeof StreamPurpose)[keyof typeof StreamPurpose];

/** MurmurHash3 fmix32: a bijective avalanche on 32-bit words. */
function fmix32(h0: number): number {
  let h = h0 >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The 32-bit seed of stream (purpose, index) of run `seed`. */
export function streamSeed(seed: number, purpose: StreamPurpose, index: number): number {
  let h = fmix32((seed >>> 0) ^ 0x5bd1e995);
  h = fmix32(h ^ Math.imul(purpose, 0x9e3779b1));
  return fmix32(h ^ Math.imul((index >>> 0) + 1, 0x27d4eb2f));
}

export function createStream(seed: number, purpose: StreamPurpose, index: number): Xoshiro128 {
  return new Xoshiro128(streamSeed(seed, purpose, index));
}
