/**
 * Node entry point: run one agent on a host (a gateway PC, a Raspberry Pi
 * running Node, a test) with the host's timers passed in, so this module
 * stays platform neutral (no Node import; the lint gate checks agent/).
 *
 *     const run = startNodeAgent(json, platform, { set: (cb, ms) => setTimeout(cb, ms), clear: clearTimeout });
 *
 * Same boot path as the board (agent/boot.ts): the board's identity comes
 * from the provisioning record in `platform.blockDevice`, or from
 * `platform.identity` on a host that has none. The host timer is rearmed to
 * the agent's next deadline after every run, and `wake()` runs it at once
 * (a radio or socket callback calls it after handing data to the transport).
 */
import { bootAgent, type BootOutcome, type BootPlatform } from "../boot";
import type { Agent } from "../agent";

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

export function startNodeAgent(raw: unknown, platform: BootPlatform, timers: HostTimers): NodeAgentRun | Extract<BootOutcome, { ok: false }> {
  const booted = bootAgent(raw, platform);
  if (!booted.ok) return booted;
  const agent = booted.agent;
  let handle: unknown = undefined;
  const run = (): void => {
    if (handle !== undefined) timers.clear(handle);
    handle = undefined;
    const nextMs = agent.runDue();
    if (nextMs === Number.POSITIVE_INFINITY) return;
    const delayMs = nextMs - platform.clock.nowMs();
    handle = timers.set(run, delayMs > 0 ? delayMs : 0);
  };
  run();
  return {
    ok: true,
    agent,
    wake: run,
    stop: (): void => {
      agent.requestShutdown();
      run();
    },
  };
}
