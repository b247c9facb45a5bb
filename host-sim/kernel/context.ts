/**
 * One SimContext per node, made at kernel creation: a thin handle that
 * forwards to the kernel with the node's id, so a callback's calls need no
 * allocation and cannot act as another node.
 */
import type { Xoshiro128 } from "../../core/runtime/prng";
import type { Status } from "../../core/runtime/result";
import type { SimContext } from "./node";

/** The kernel side of a context (implemented by SimKernel). */
export interface KernelPorts {
  portNowMs(node: number): number;
  portSend(node: number, toId: number, bytes: Uint8Array, lengthBytes: number): Status;
  portBroadcast(node: number, bytes: Uint8Array, lengthBytes: number): Status;
  portSetTimer(node: number, timerId: number, delayMs: number): Status;
  portCancelTimer(node: number, timerId: number): Status;
  portNeighbourCount(node: number): number;
  portNeighbourAt(node: number, index: number): number;
  portCount(node: number, counterId: number, by: number): Status;
}

export class NodeContext implements SimContext {
  readonly nodeId: number;
  readonly random: Xoshiro128;
  readonly #ports: KernelPorts;

  constructor(nodeId: number, random: Xoshiro128, ports: KernelPorts) {
    this.nodeId = nodeId;
    this.random = random;
    this.#ports = ports;
  }

  nowMs(): number {
    return this.#ports.portNowMs(this.nodeId);
  }

  send(toId: number, bytes: Uint8Array, lengthBytes: number): Status {
    return this.#ports.portSend(this.nodeId, toId, bytes, lengthBytes);
  }

  broadcast(bytes: Uint8Array, lengthBytes: number): Status {
    return this.#ports.portBroadcast(this.nodeId, bytes, lengthBytes);
  }

  setTimer(timerId: number, delayMs: number): Status {
    return this.#ports.portSetTimer(this.nodeId, timerId, delayMs);
  }

  cancelTimer(timerId: number): Status {
    return this.#ports.portCancelTimer(this.nodeId, timerId);
  }

  neighbourCount(): number {
    return this.#ports.portNeighbourCount(this.nodeId);
  }

  neighbourAt(index: number): number {
    return this.#ports.portNeighbourAt(this.nodeId, index);
  }

  count(counterId: number, by: number): Status {
    return this.#ports.portCount(this.nodeId, counterId, by);
  }
}
