/**
 * The mesh task (priority RadioReceive): advance the transport's timers and
 * take what it delivered. Runs whenever the driver (driver.ts) wakes it
 * (`Agent.notifyRadio`: the radio's receive interrupt, or the transport's
 * own wake time) and every `radio.meshTickMs` as the bounded fallback.
 *
 * Dispatch by traffic class: telemetry and alerts go to the gateway role
 * (counted and dropped on a node that is not a gateway); control traffic has
 * no consumer yet (membership, consensus and admission are still to come)
 * and is counted. In the order of docs/architecture.md "Rules": the
 * transport's tick persists and sends, `poll` delivers, and then the
 * outcomes of acknowledged sends (the transport's outcome batch) go to the
 * uplink, which is woken when one arrived or an alert retry came due, so
 * retries keep the mesh tick's resolution without a timer of their own.
 * Nothing is allocated per message.
 */
import type { Scheduler } from "../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../core/runtime/task-context";
import type { TraceHash } from "../core/runtime/trace-hash";
import { AgentCounter, type AgentMetrics } from "../core/telemetry/agent-metrics";
import type { GatewayRole } from "../core/uplink/gateway";
import { emptyDelivery, TrafficClass, type Delivery, type Transport } from "../core/mesh/transport-port";
import type { Uplink } from "../core/uplink/uplink";

/** Messages taken from the transport per step; more wait for the next step (the task stays Ready). */
export const POLL_MESSAGES_MAX = 8;

export const MeshEvent = Object.freeze({ MessageIn: 0x31 } as const);

/** What the mesh task works with: the agent's parts (the agent itself, so the task keeps one reference, not six). */
export interface MeshTaskHost {
  readonly scheduler: Scheduler;
  readonly transport: Transport;
  /** The gateway role on a gateway node, else undefined. */
  readonly gateway: GatewayRole | undefined;
  readonly uplink: Uplink;
  readonly metrics: AgentMetrics;
  readonly trace: TraceHash;
  /** Woken when an alert retry or the routine moment came (-1 = none). */
  readonly uplinkTask: number;
}

export class MeshTask {
  private readonly host_: MeshTaskHost;
  /** The record `takeDelivery` fills, reused for every message. */
  private readonly delivery_: Delivery = emptyDelivery();

  constructor(host: MeshTaskHost) {
    this.host_ = host;
  }

  step(ctx: TaskContext): StepResult {
    // Few locals: this frame is under the whole receive path (the deepest stack the agent reaches).
    const nowMs = ctx.nowMs;
    this.host_.transport.tick(nowMs);
    const delivered = this.takeDeliveries_(nowMs);
    ctx.spend(1 + delivered);
    // The outcomes are always taken (no local for the count: this frame's slots are on the deepest stack).
    if ((this.host_.uplink.takeOutcomes(nowMs) > 0 || this.host_.uplink.hasDue(nowMs)) && this.host_.uplinkTask >= 0) this.host_.scheduler.wake(this.host_.uplinkTask);
    return delivered >= POLL_MESSAGES_MAX ? StepResult.Ready : StepResult.Idle;
  }

  /** Take and dispatch up to POLL_MESSAGES_MAX delivered messages (a frame of its own: step's is on the deepest stack). */
  private takeDeliveries_(nowMs: number): number {
    let delivered = 0;
    while (delivered < POLL_MESSAGES_MAX && this.host_.transport.takeDelivery(this.delivery_)) {
      delivered++;
      this.dispatch_(nowMs);
    }
    return delivered;
  }

  /** The message in delivery_, by traffic class. */
  private dispatch_(nowMs: number): void {
    const { sourceId, trafficClass, bytes, offset, length } = this.delivery_;
    const host = this.host_;
    const metrics = host.metrics;
    metrics.inc(AgentCounter.MessagesReceived);
    const trace = host.trace;
    trace.word(MeshEvent.MessageIn);
    trace.word(((sourceId & 0xffff) << 16) | (length & 0xffff));
    if (trafficClass !== TrafficClass.Alert && trafficClass !== TrafficClass.Telemetry) {
      metrics.inc(AgentCounter.MessagesIgnored);
      return;
    }
    const gateway = host.gateway;
    if (gateway === undefined) {
      metrics.inc(AgentCounter.MessagesNotGateway);
      return;
    }
    gateway.accept(sourceId, bytes, offset, length, nowMs);
  }
}
