/**
 * The transport's persist phase: counter values are reserved at the start of
 * a tick (CounterSource.prepare), never inside a seal, so no flash write
 * (and no log clean) sits under the seal path (etcd-raft's Ready order:
 * persist, then send). A seal that finds nothing reserved leaves its message
 * for the next tick; nothing is lost or sealed twice.
 */
import { describe, expect, it } from "vitest";
import type { CounterSource } from "../../../core/crypto/counter-source";
import { MeshCounter } from "../../../core/mesh/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Outcome, Status } from "../../../core/runtime/result";
import { carry, makeNode, payload, step } from "./fixtures";
import type { Counter } from "../../../core/runtime/ids";

/** A counter source whose persist phase grants a scripted number of values per tick (then none). */
class ScriptedReservation implements CounterSource {
  next_ = 1;
  ceiling = 1;
  prepares = 0;
  refusals = 0;
  readonly issued: number[] = [];
  constructor(private readonly grants: number[]) {}

  skip(): Status {
    return ErrorCode.Ok;
  }

  prepare(): Status {
    this.prepares++;
    this.ceiling += this.grants.shift() ?? 0;
    return ErrorCode.Ok;
  }

  next(out: Outcome<Counter>): Status {
    if (this.next_ >= this.ceiling) {
      this.refusals++;
      return ErrorCode.CounterNotReserved;
    }
    this.issued.push(this.next_);
    return out.succeed(this.next_++ as Counter);
  }
}

describe("the mesh transport's persist phase", () => {
  it("reserves at the start of every tick, before it receives or sends", () => {
    const counter = new ScriptedReservation([]);
    const a = makeNode(1, { extra: { counterSource: counter } });
    for (let t = 0; t < 5; t++) step(a, t);
    expect(counter.prepares).toBe(5);
  });

  it("refuses a send before anything is reserved, queueing nothing", () => {
    const counter = new ScriptedReservation([]);
    const a = makeNode(1, { extra: { counterSource: counter } });
    // An acknowledged send takes a message id from the counter source.
    expect(a.transport.send(2, 1, payload(10), 0, 10, true, 7)).toBe(ErrorCode.SendCounterUnavailable);
    for (let t = 0; t < 50; t++) step(a, t);
    expect(a.radio.sent).toHaveLength(0);
    expect(counter.issued).toEqual([]);
  });

  it("a seal with nothing reserved waits for the next tick's reservation: the message goes out once, with a fresh counter, and is delivered once", () => {
    // Tick 0 reserves one value (the message id); ticks 1..9 reserve none; tick 10 reserves more.
    const counter = new ScriptedReservation([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 8]);
    const a = makeNode(1, { extra: { counterSource: counter } });
    const b = makeNode(2);
    step(a, 0);
    expect(a.transport.send(2, 1, payload(10), 0, 10, true, 7)).toBe(ErrorCode.Ok);
    for (let t = 1; t < 10; t++) step(a, t);
    // The seal was tried and refused; the frame did not go out, and the message was not dropped.
    expect(a.radio.sent).toHaveLength(0);
    expect(counter.refusals).toBeGreaterThan(0);
    expect(a.transport.counters.get(MeshCounter.sealFailures)).toBe(counter.refusals);
    expect(a.outcomes).toEqual([]);
    for (let t = 10; t < 2000; t++) {
      step(a, t);
      carry(a, [b]);
      step(b, t);
      carry(b, [a]);
    }
    expect(counter.issued.slice(0, 2)).toEqual([1, 2]); // the message id, then the seal that went out at tick 10
    expect(new Set(counter.issued).size).toBe(counter.issued.length); // no value issued twice
    expect(b.delivered).toHaveLength(1);
    expect(b.delivered[0]?.bytes).toEqual(payload(10));
    expect(a.outcomes).toEqual([{ destination: 2, messageId: 7, status: ErrorCode.Ok }]);
  });
});
