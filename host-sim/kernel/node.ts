/**
 * The sans-IO component interface the kernel drives (docs/architecture.md
 * "Rules"): a simulated node never reads a clock, never draws
 * randomness of its own and never does I/O; everything comes in through the
 * callbacks and goes out through its `SimContext`.
 *
 * A context is valid only inside that node's own callbacks: a call made at
 * any other time is refused with `SimNotInCallback` and counted, so a
 * component cannot act "between" events.
 */
import type { Xoshiro128 } from "../../core/runtime/prng";
import type { Status } from "../../core/runtime/result";

export interface SimContext {
  readonly nodeId: number;
  /** This node's own PRNG stream (derived from the run seed and the node id). */
  readonly random: Xoshiro128;
  /** This node's clock: virtual time with its drift and offset applied. */
  nowMs(): number;
  /**
   * Unicast `bytes[0..lengthBytes)` to a linked node. The bytes are copied;
   * the caller may reuse its buffer at once. `Ok` once handed to the network
   * (which may still lose it), `SimNoLink`, `TooLarge`, `InvalidArgument`,
   * `SimNotInCallback`. A full event queue is counted by the kernel and
   * reported as a failed run, not returned: a real radio would not know.
   */
  send(toId: number, bytes: Uint8Array, lengthBytes: number): Status;
  /** Send one copy to every linked neighbour. Same codes as `send`. */
  broadcast(bytes: Uint8Array, lengthBytes: number): Status;
  /**
   * Arm timer `timerId` (0..timersPerNode-1) to fire after `delayMs` of this
   * node's time; re-arming replaces the pending one. `Ok`, `OutOfRange`,
   * `InvalidArgument`, `Full` (event queue full, counted), `SimNotInCallback`.
   */
  setTimer(timerId: number, delayMs: number): Status;
  /** `Ok` or `NotFound` (not armed), `OutOfRange`, `SimNotInCallback`. */
  cancelTimer(timerId: number): Status;
  /** Linked neighbours (radio range or link graph), ascending ids. */
  neighbourCount(): number;
  /** Neighbour `index` (0..neighbourCount-1), or `-OutOfRange`. */
  neighbourAt(index: number): number;
  /** Add `by` to this node's workload counter `counterId` (see SimWorkload.counterNames). */
  count(counterId: number, by: number): Status;
}

export interface SimNode {
  /** First boot. */
  onStart(ctx: SimContext): void;
  /**
   * A message arrived. `bytes` is a kernel buffer valid only during this
   * call; copy what must be kept.
   */
  onMessage(ctx: SimContext, fromId: number, bytes: Uint8Array, lengthBytes: number): void;
  onTimer(ctx: SimContext, timerId: number): void;
  /** Power lost: volatile state is gone, pending timers are cancelled. */
  onCrash(): void;
  /** Boot after a crash. */
  onRestart(ctx: SimContext): void;
}

/** A family of nodes plus its own counters and invariants. */
export interface SimWorkload {
  readonly name: string;
  /** Per-node counters, summed in the run summary. */
  readonly counterNames: readonly string[];
  /** Called once per node at kernel creation. */
  createNode(nodeId: number): SimNode;
}
