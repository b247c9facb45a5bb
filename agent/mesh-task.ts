/**
 * The mesh task (priority RadioReceive): advance the transport's timers and
 * take what it delivered. Runs whenever the driver (driver.ts) wakes it
 * (`Agent.notifyRadio`: the radio's receive interrupt, or the transport's
 * own wake time) and every `radio.meshTickMs` as the bounded fallback.
 *
 * Dispatch by traffic class: telemetry and alerts go to the gateway role
 * (counted and dropped on a node that is not a gateway); control traffic has
 * no consumer yet (membership, consensus and admission come with their
 * issues) and is counted. Outcomes of acknowledged sends arrive from inside
 * `tick`/`poll` and go straight to the uplink. It also wakes the uplink when
 * an alert retry came due, so retries keep the mesh tick's resolution
 * without a timer of their own. Nothing is allocated per message.
 */
import type { Scheduler } from "../core/runtime/scheduler";
import { StepResult, type TaskContext } from "../core/runtime/task-context";
import type { TraceHash } from "../core/runtime/trace-hash";
import { AgentCounter, type AgentMetrics } from "./agent-metrics";
import type { GatewayRole } from "./gateway";
import { TrafficClass, type DeliverHandler, type Transport } from "./transport";
import type { Uplink } from "./uplink";

/** Messages taken from the transport per step; more wait for the next step (the task stays Ready). */
export const POLL_MESSAGES_MAX = 8;

export const MeshEvent = Object.freeze({ MessageIn: 0x31 } as const);

export class MeshTask {
  readonly #scheduler: Scheduler;
  readonly #transport: Transport;
  readonly #gateway: GatewayRole | undefined;
  readonly #uplink: Uplink;
  readonly #metrics: AgentMetrics;
  readonly #trace: TraceHash;
  /** Set by the agent after registration. */
  uplinkTask = -1;
  #nowMs = 0;

  constructor(scheduler: Scheduler, transport: Transport, gateway: GatewayRole | undefined, uplink: Uplink, metrics: AgentMetrics, trace: TraceHash) {
    this.#scheduler = scheduler;
    this.#transport = transport;
    this.#gateway = gateway;
    this.#uplink = uplink;
    this.#metrics = metrics;
    this.#trace = trace;
  }

  step(ctx: TaskContext): StepResult {
    const nowMs = ctx.nowMs;
    this.#nowMs = nowMs;
    this.#transport.tick(nowMs);
    const delivered = this.#transport.poll(POLL_MESSAGES_MAX, this.#deliver);
    ctx.spend(1 + delivered);
    if (this.uplinkTask >= 0 && this.#uplink.hasDue(nowMs)) this.#scheduler.wake(this.uplinkTask);
    return delivered >= POLL_MESSAGES_MAX ? StepResult.Ready : StepResult.Idle;
  }

  readonly #deliver: DeliverHandler = (sourceId, trafficClass, bytes, offset, length) => {
    const metrics = this.#metrics;
    metrics.inc(AgentCounter.MessagesReceived);
    this.#trace.word(MeshEvent.MessageIn);
    this.#trace.word(((sourceId & 0xffff) << 16) | (length & 0xffff));
    if (trafficClass !== TrafficClass.Alert && trafficClass !== TrafficClass.Telemetry) {
      metrics.inc(AgentCounter.MessagesIgnored);
      return;
    }
    const gateway = this.#gateway;
    if (gateway === undefined) {
      metrics.inc(AgentCounter.MessagesNotGateway);
      return;
    }
    gateway.accept(sourceId, bytes, offset, length, this.#nowMs);
  };
}
