/**
 * Alerts pre-empt at every hop (core/mesh transport-hop.ts, transport-relay.ts,
 * mesh-config.ts alertRelayJitterSlots, alertHopGuardMs, alertFloodAfterSends):
 * a routed alert's hop retransmission waits one short base wait (only its
 * random slot window doubles, not the wait routine frames double), and an alert its next hop never takes goes on
 * as a flood from that hop instead of being given up, with the route charged.
 * On the loopback air of test/core/mesh/fixtures.ts: every loss is chosen.
 */
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../../core/runtime/errors";
import type { LinkHeader } from "../../../core/mesh/index";
import { LinkClass, MeshCounter, parseLinkHeader, validateMeshConfig, meshConfig } from "../../../core/mesh/index";
import type { MeshConfig } from "../../../core/mesh/mesh-config";
import { ADVERTISER, HOP, count, header, lineToAdvertiser } from "./routing-helpers";
import { line, makeNode, payload, settle, step, type Node } from "./fixtures";


/** Every frame `node` sends from `from` while its next hop hears none of them, until `done` or `until`: the frames and their times. */
function sendsLost(node: Node, from: number, until: number, done: () => boolean): { atMs: number; h: LinkHeader }[] {
  const out: { atMs: number; h: LinkHeader }[] = [];
  for (let t = from; t < until && !done(); t++) {
    step(node, t);
    for (const sent of node.radio.sent.splice(0)) out.push({ atMs: t, h: header(sent.bytes) });
  }
  return out;
}

describe("alerts on a route whose next hop takes nothing", () => {
  it("resend after one short base wait each (only the random slot window doubles), then go on flooded from this hop; the watch is freed", () => {
    const [a] = lineToAdvertiser({ alertFloodAfterSends: 3 });
    expect(a.transport.send(3, LinkClass.Alert, payload(20), 0, 20, false, 0)).toBe(ErrorCode.Ok);
    const sent = sendsLost(a, 2001, 60_000, () => count(a, MeshCounter.alertsFloodedAfterHop) > 0);
    expect(sent.map((s) => s.h.routed)).toEqual([true, true, true, false]);
    // The same frame every time (origin, counter), flooded from here with the hops it had: a retransmission, not a new frame.
    expect(new Set(sent.map((s) => `${s.h.source}:${s.h.counter}:${s.h.hopsTaken}`)).size).toBe(1);
    expect(sent[3]?.h.linkHint).toBe(1);
    const waits = sent.slice(1).map((s, i) => s.atMs - (sent[i]?.atMs ?? 0));
    // One base wait plus a random slot each (the wait itself does not double): the second wait is not twice the first.
    for (const w of waits.slice(0, 2)) expect(w).toBeLessThan(1_000);
    expect(Math.abs((waits[1] ?? 0) - (waits[0] ?? 0))).toBeLessThan(500);
    expect(count(a, MeshCounter.alertsFloodedAfterHop)).toBe(1);
    expect(count(a, MeshCounter.hopGivenUp)).toBe(0);
    expect(a.transport.hopAcksWaiting).toBe(0);
    // Nothing more goes for it: a flood is not watched.
    expect(sendsLost(a, (sent[3]?.atMs ?? 0) + 1, 120_000, () => false)).toEqual([]);
  });

  it("routine telemetry on the same route backs off and is given up, never flooded", () => {
    const [a] = lineToAdvertiser({ alertFloodAfterSends: 3 });
    a.transport.send(3, LinkClass.Telemetry, payload(20), 0, 20, false, 0);
    const sent = sendsLost(a, 2001, 200_000, () => count(a, MeshCounter.hopGivenUp) > 0);
    expect(sent).toHaveLength(5);
    expect(sent.every((s) => s.h.routed)).toBe(true);
    const waits = sent.slice(1).map((s, i) => s.atMs - (sent[i]?.atMs ?? 0));
    expect(waits[2] ?? 0).toBeGreaterThan(waits[0] ?? 0);
    expect(count(a, MeshCounter.alertsFloodedAfterHop)).toBe(0);
  });

  it("with alertFloodAfterSends 0 (the mesh default) an alert is given up like any routed frame", () => {
    const [a] = lineToAdvertiser({});
    a.transport.send(3, LinkClass.Alert, payload(20), 0, 20, false, 0);
    const sent = sendsLost(a, 2001, 200_000, () => count(a, MeshCounter.hopGivenUp) > 0);
    expect(sent).toHaveLength(5);
    expect(sent.every((s) => s.h.routed)).toBe(true);
    expect(count(a, MeshCounter.alertsFloodedAfterHop)).toBe(0);
  });

  it("the alert knobs are validated with their names", () => {
    const problems = validateMeshConfig(meshConfig({ alertRelayJitterSlots: -1, alertHopGuardMs: 1.5, alertFloodAfterSends: 256 }));
    const text = Array.isArray(problems) ? problems.join("\n") : String(problems);
    for (const name of ["alertRelayJitterSlots", "alertHopGuardMs", "alertFloodAfterSends"]) expect(text).toContain(name);
  });
});
