/**
 * Node entry point: run one agent on a host (a gateway PC, a Raspberry Pi
 * running Node, a test) with the host's timers passed in, so this module
 * stays platform neutral (no Node import; the lint gate checks agent/).
 *
 *     const run = startNodeAgent(json, platform, { set: (cb, ms) => setTimeout(cb, ms), clear: clearTimeout });
 *
 * Same boot path as the board (agent/boot.ts): the board's identity comes
 * from the provisioning record in `platform.blockDevice`, or from
 * `platform.identity` on a host that has none. The same driver loop
 * (agent/driver.ts) runs it on the host's timer; `wake()` is the radio
 * interrupt (a socket callback calls it after handing data to the transport).
 */
import type { WakeTimer } from "../../hal/timer";
import { bootAgent, type BootOutcome, type BootPlatform } from "../boot";
import type { Agent } from "../agent";
import { AgentDriver } from "../driver";

export interface HostTimers {
  /** Call `callback` once after `delayMs`; returns a handle for `clear`. */
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface NodeAgentRun {
  readonly ok: true;
  readonly agent: Agent;
  /** Run the agent now (new data from the radio), then rearm. */
  wake(): void;
  /** Graceful shutdown (a second call forces it); the run ends once the agent stopped. */
  stop(): void;
}

/** The driver's wake timer over the host's one-shot timers (a host allocates a handle per wake-up; a board does not). */
class HostWakeTimer implements WakeTimer {
  private readonly timers_: HostTimers;
  private readonly fire_: () => void;
  private handle_: unknown = undefined;

  constructor(timers: HostTimers, fire: () => void) {
    this.timers_ = timers;
    this.fire_ = fire;
  }

  schedule(delayMs: number): void {
    this.clear();
    this.handle_ = this.timers_.set(this.fired_, delayMs);
  }

  clear(): void {
    if (this.handle_ !== undefined) this.timers_.clear(this.handle_);
    this.handle_ = undefined;
  }

  private readonly fired_ = (): void => {
    this.handle_ = undefined;
    this.fire_();
  };
}

export function startNodeAgent(raw: unknown, platform: BootPlatform, timers: HostTimers): NodeAgentRun | Extract<BootOutcome, { ok: false }> {
  const booted = bootAgent(raw, platform);
  if (!booted.ok) return booted;
  const agent = booted.agent;
  const driver = new AgentDriver(platform.clock);
  driver.start(agent, new HostWakeTimer(timers, driver.onTimer));
  return {
    ok: true,
    agent,
    wake: driver.onReadable,
    stop: (): void => {
      agent.requestShutdown();
      driver.runNow();
    },
  };
}
