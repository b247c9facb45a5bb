/**
 * The one driver loop (agent/driver.ts; docs/architecture.md "Rules"):
 * it sleeps until the earliest of the agent's next deadline and the
 * transport's wake time, a radio interrupt wakes it early, an interrupt
 * raised while the agent runs is served without re-entering, and a stopped
 * agent leaves no timer armed. Then: the board entry, the Node entry and the
 * simulator all drive agents with this driver, and nothing else calls
 * `agent.runDue()`.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentCounter } from "../../core/telemetry/agent-metrics";
import { AgentDriver, DRIVER_PASSES_MAX } from "../../agent/driver";
import { TrafficClass } from "../../core/mesh/transport-port";
import { ErrorCode } from "../../core/runtime/errors";
import type { WakeTimer } from "../../hal/timer";
import { RecordingTransport, rig, testConfig } from "./helpers";

/** A wake timer that records what the driver asked for; the test fires it. */
class RecordingTimer implements WakeTimer {
  readonly delays: number[] = [];
  clears = 0;
  armed = false;
  schedule(delayMs: number): void {
    this.delays.push(delayMs);
    this.armed = true;
  }
  clear(): void {
    this.clears++;
    this.armed = false;
  }
  get lastDelayMs(): number {
    return this.delays[this.delays.length - 1] ?? -1;
  }
}

/** Mesh task period 100 ms (testConfig): the agent's own next deadline is never more than 100 ms away. */
function driven(transport = new RecordingTransport(1)): { r: ReturnType<typeof rig>; driver: AgentDriver; timer: RecordingTimer; transport: RecordingTransport } {
  const r = rig({ config: testConfig(), transport });
  const driver = new AgentDriver(r.clock);
  const timer = new RecordingTimer();
  expect(driver.start(r.agent, timer)).toBe(ErrorCode.Ok);
  return { r, driver, timer, transport };
}

describe("the driver loop", () => {
  it("sleeps until the agent's next deadline when the transport has no wake time of its own", () => {
    const { r, driver, timer } = driven();
    expect(timer.armed).toBe(true);
    expect(driver.sleepUntilMs).toBe(r.agent.nextDeadlineMs);
    expect(timer.lastDelayMs).toBe(r.agent.nextDeadlineMs - r.clock.nowMs());
  });

  it("sleeps until the transport's wake time when that comes first, and then runs the mesh task", () => {
    const { r, driver, timer, transport } = driven();
    const agentDeadlineMs = r.agent.nextDeadlineMs;
    transport.wakeAtMs = r.clock.nowMs() + 1;
    expect(transport.wakeAtMs).toBeLessThan(agentDeadlineMs);
    driver.runNow();
    expect(driver.sleepUntilMs).toBe(transport.wakeAtMs);
    expect(timer.lastDelayMs).toBe(1);
    const ticks = transport.ticks;
    r.clock.advance(1);
    // The transport's wake time has come (the mesh task's own period is 100 ms): the driver wakes the mesh task for it.
    driver.onTimer();
    expect(transport.ticks).toBe(ticks + 1);
    expect(driver.timerWakes).toBe(1);
  });

  it("never sleeps past the agent's deadline for a later transport wake time", () => {
    const { r, driver, transport } = driven();
    transport.wakeAtMs = r.agent.nextDeadlineMs + 1_000;
    driver.runNow();
    expect(driver.sleepUntilMs).toBe(r.agent.nextDeadlineMs);
  });

  it("a radio interrupt wakes it early: the mesh task runs at once and takes the message", () => {
    const { r, driver, timer, transport } = driven();
    const sleepUntilMs = driver.sleepUntilMs;
    r.clock.advance(40);
    expect(r.clock.nowMs()).toBeLessThan(sleepUntilMs);
    const ticks = transport.ticks;
    transport.inject(7, TrafficClass.Telemetry, new Uint8Array(12));
    // Without the interrupt nothing runs before the timer: the message waits.
    expect(transport.ticks).toBe(ticks);
    expect(r.agent.metrics.value(AgentCounter.MessagesReceived)).toBe(0);
    transport.interrupt();
    expect(driver.radioWakes).toBe(1);
    expect(transport.ticks).toBe(ticks + 1);
    expect(r.agent.metrics.value(AgentCounter.MessagesReceived)).toBe(1);
    // Then it sleeps again until the agent's next deadline.
    expect(driver.sleepUntilMs).toBe(r.agent.nextDeadlineMs);
    expect(timer.lastDelayMs).toBe(r.agent.nextDeadlineMs - r.clock.nowMs());
  });

  it("serves an interrupt raised while the agent runs with another pass, never re-entering", () => {
    class InterruptingTransport extends RecordingTransport {
      depth = 0;
      depthMax = 0;
      interruptsLeft = 1;
      override tick(nowMs: number): void {
        this.depth++;
        this.depthMax = Math.max(this.depthMax, this.depth);
        super.tick(nowMs);
        if (this.interruptsLeft > 0) {
          this.interruptsLeft--;
          this.interrupt();
        }
        this.depth--;
      }
    }
    const transport = new InterruptingTransport(1);
    const { driver } = driven(transport);
    const runs = driver.runs;
    // The interrupt's pass ticks the mesh; the interrupt raised from inside that tick asks for a second pass.
    transport.interrupt();
    expect(transport.depthMax).toBe(1);
    expect(driver.runs).toBe(runs + 2);
    expect(transport.ticks).toBe(2);
  });

  it("gives up after DRIVER_PASSES_MAX passes and comes back at once (no spin inside one wake-up)", () => {
    class AlwaysInterrupting extends RecordingTransport {
      override tick(nowMs: number): void {
        super.tick(nowMs);
        this.interrupt();
      }
    }
    const transport = new AlwaysInterrupting(1);
    const { driver, timer } = driven(transport);
    const runs = driver.runs;
    transport.interrupt();
    expect(driver.runs).toBe(runs + DRIVER_PASSES_MAX);
    expect(timer.lastDelayMs).toBe(0);
  });

  it("once the agent has stopped: the timer is cleared, onStopped runs once, interrupts do nothing", () => {
    const r = rig({ config: testConfig() });
    const driver = new AgentDriver(r.clock);
    const timer = new RecordingTimer();
    let stops = 0;
    driver.start(r.agent, timer, () => {
      stops++;
    });
    r.agent.requestShutdown();
    r.agent.requestShutdown(); // forced: stops at the next run
    driver.runNow();
    expect(r.agent.stopped).toBe(true);
    expect(driver.stopped).toBe(true);
    expect(timer.armed).toBe(false);
    expect(stops).toBe(1);
    const runs = driver.runs;
    r.transport.interrupt();
    driver.onTimer();
    expect(driver.runs).toBe(runs);
    expect(stops).toBe(1);
  });

  it("drives one agent only", () => {
    const { r, driver, timer } = driven();
    expect(driver.start(r.agent, timer)).toBe(ErrorCode.WrongState);
  });
});

const ROOT = join(__dirname, "..", "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

describe("one driver for the board and the simulator", () => {
  const files = ["agent", "hal", "core", "host-sim", "tools"].flatMap(sourceFiles);
  const text = (path: string): string => readFileSync(join(ROOT, path), "utf8");

  it("nothing but agent/driver.ts calls agent.runDue() or agent.notifyRadio()", () => {
    const callers = files.filter((f) => /\.(runDue|notifyRadio)\(/.test(text(f))).map((f) => relative(".", f));
    expect(callers).toEqual([join("agent", "driver.ts")]);
  });

  it("the board entry, the Node entry and the site simulator each start an AgentDriver", () => {
    for (const entry of [join("agent", "moddable", "main.ts"), join("agent", "node", "main.ts"), join("host-sim", "site", "site-node.ts")]) {
      const source = text(entry);
      expect(source, entry).toMatch(/import \{ AgentDriver \} from "(\.\.\/)+(agent\/)?driver"/);
      expect(source, entry).toMatch(/new AgentDriver\(/);
      expect(source, entry).toMatch(/\.start\([^)]*\)/);
    }
  });

  it("the simulator wraps no core object: the agent gets the MeshTransport buildRadioMesh made", () => {
    const link = text(join("host-sim", "site", "mesh-site-transport.ts"));
    expect(link).toMatch(/radio: radio\.value,/);
    expect(link).not.toMatch(/implements MeshRadio|implements Transport/);
  });
});
