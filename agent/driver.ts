/**
 * The one driver loop (docs/architecture.md "Rules"): what runs an
 * agent, unchanged, on a board (moddable/main.ts), on a host (node/main.ts)
 * and in the site simulator (host-sim/site/site-node.ts). Only the wake
 * timer it is given differs (hal/timer.ts): Moddable's `timer` on a board,
 * the kernel's virtual timer in the simulator.
 *
 * One wake-up (the timer fired, or the radio interrupted):
 *  1. a radio interrupt since the last run, or a transport whose own wake
 *     time (`Transport.nextWakeMs`: a relay slot, a hop acknowledgement, a
 *     retransmission, a beacon) has come, wakes the agent's mesh task;
 *  2. `agent.runDue()` runs every turn that is due;
 *  3. the timer is armed for the earliest of the agent's next deadline and
 *     the transport's next wake time, and the driver sleeps. The radio's
 *     receive interrupt (`Transport.onReadable`: the SX127x or UDP driver's
 *     onReadable, the simulated radio's end of reception) wakes it early.
 * The agent's periodic mesh task (`radio.meshTickMs`) remains the bounded
 * fallback: it catches a lost interrupt and times alert retries (agent.ts).
 *
 * An interrupt that arrives while the agent runs (possible only where the
 * radio reports from inside a transport call, as the simulated radio can)
 * is remembered and served by another pass of the same wake-up, at most
 * DRIVER_PASSES_MAX; never re-entered. Nothing is allocated per wake-up;
 * the order of everything depends only on the clock and the inputs.
 */
import { ErrorCode } from "../core/runtime/errors";
import type { Status } from "../core/runtime/result";
import type { Clock } from "../hal/clock";
import type { WakeTimer } from "../hal/timer";
import type { Agent } from "./agent";

/** Runs of the agent one wake-up makes at most; an interrupt left after them re-arms the timer at once. */
export const DRIVER_PASSES_MAX = 4;

export class AgentDriver {
  private readonly clock_: Clock;
  private agent_: Agent | undefined = undefined;
  private timer_: WakeTimer | undefined = undefined;
  private onStopped_: (() => void) | undefined = undefined;
  private running_ = false;
  private radioPending_ = false;
  private stopped_ = false;
  private timerWakes_ = 0;
  private radioWakes_ = 0;
  private runs_ = 0;
  private sleepUntilMs_ = -1;

  constructor(clock: Clock) {
    this.clock_ = clock;
  }

  /** The wake timer's handler: its armed time came. */
  readonly onTimer = (): void => {
    this.timerWakes_++;
    this.sleepUntilMs_ = -1;
    return this.wake_(); // a tail call: XS reuses this frame (the agent's deepest JS stack starts here)
  };

  /** The radio's receive interrupt (registered with `Transport.onReadable` by `start`). */
  readonly onReadable = (): void => {
    this.radioWakes_++;
    this.radioPending_ = true;
    if (this.running_) return;
    return this.wake_(); // a tail call, as in onTimer
  };

  /**
   * Drive `agent` (already started) with `timer`, whose handler must be
   * `onTimer`: take the radio's interrupt, run what is due and arm the
   * timer. `onStopped` is called once, when the agent has stopped.
   * WrongState if this driver already drives an agent.
   */
  start(agent: Agent, timer: WakeTimer, onStopped?: () => void): Status {
    if (this.agent_ !== undefined) return ErrorCode.WrongState;
    this.agent_ = agent;
    this.timer_ = timer;
    this.onStopped_ = onStopped;
    // Boot opened the radio and attaches the driver in the same run of the event loop, so no interrupt came before this.
    agent.transport.onReadable(this.onReadable);
    this.wake_();
    return ErrorCode.Ok;
  }

  /** Run at once (after a shutdown request, or when the host knows there is work). */
  runNow(): void {
    if (!this.running_) this.wake_();
  }

  /** Wake-ups by the timer. */
  get timerWakes(): number {
    return this.timerWakes_;
  }
  /** Radio interrupts taken. */
  get radioWakes(): number {
    return this.radioWakes_;
  }
  /** Calls of `agent.runDue()`. */
  get runs(): number {
    return this.runs_;
  }
  /** When the timer is armed for (clock ms), or -1 while it is not armed. */
  get sleepUntilMs(): number {
    return this.sleepUntilMs_;
  }
  get stopped(): boolean {
    return this.stopped_;
  }

  private wake_(): void {
    const agent = this.agent_;
    const timer = this.timer_;
    if (agent === undefined || timer === undefined || this.stopped_) return;
    const transport = agent.transport;
    this.running_ = true;
    let nextMs = Number.POSITIVE_INFINITY;
    for (let pass = 0; pass < DRIVER_PASSES_MAX; pass++) {
      if (this.radioPending_) {
        this.radioPending_ = false;
        agent.notifyRadio();
      }
      const wakeMs = transport.nextWakeMs();
      if (wakeMs >= 0 && wakeMs <= this.clock_.nowMs()) agent.notifyRadio();
      nextMs = agent.runDue();
      this.runs_++;
      if (!this.radioPending_ || agent.stopped) break;
    }
    this.running_ = false;
    if (agent.stopped) {
      this.stopped_ = true;
      this.sleepUntilMs_ = -1;
      timer.clear();
      this.onStopped_?.();
      return;
    }
    this.sleep_(nextMs, transport.nextWakeMs(), timer);
  }

  /** Arm the timer for the earliest of the agent's deadline and the transport's wake time. */
  private sleep_(agentMs: number, transportMs: number, timer: WakeTimer): void {
    const nowMs = this.clock_.nowMs();
    let atMs = this.radioPending_ ? nowMs : agentMs;
    // The transport's wake time is always after its last tick; a time not after now would spin, so it waits 1 ms.
    if (transportMs >= 0 && transportMs < atMs) atMs = transportMs > nowMs ? transportMs : nowMs + 1;
    if (atMs === Number.POSITIVE_INFINITY) {
      // Nothing timed: sleep until the radio interrupts.
      this.sleepUntilMs_ = -1;
      timer.clear();
      return;
    }
    if (atMs < nowMs) atMs = nowMs;
    this.sleepUntilMs_ = atMs;
    timer.schedule(atMs - nowMs);
  }
}
