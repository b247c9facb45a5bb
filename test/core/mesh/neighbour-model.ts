/**
 * A reference model of NeighbourTable (core/mesh/neighbour-table.ts) for the
 * table tests: one `heard` applied to the table and to the model, with the
 * change it must report (a refresh averages the SNR by 1/4; a new neighbour
 * in a full table evicts the one heard longest ago).
 */
import { expect } from "vitest";
import { NeighbourChange, type NeighbourTable } from "../../../core/mesh/index";

export type NeighbourModel = Map<number, { snr: number; heardMs: number }>;

export function heardInBoth(table: NeighbourTable, model: NeighbourModel, capacity: number, id: number, nowMs: number, rssi: number, snr: number): void {
  const known = model.get(id);
  const change = table.heard(id, nowMs, rssi, snr);
  if (known !== undefined) {
    expect(change).toBe(NeighbourChange.Refreshed);
    known.snr = known.snr + ((snr - known.snr) >> 2);
    known.heardMs = nowMs;
    return;
  }
  if (model.size === capacity) {
    expect(change).toBe(NeighbourChange.AddedEvicting);
    const oldest = [...model.entries()].sort((a, b) => a[1].heardMs - b[1].heardMs)[0];
    expect(table.lastEvictedId).toBe(oldest?.[0]);
    if (oldest !== undefined) model.delete(oldest[0]);
  } else expect(change).toBe(NeighbourChange.Added);
  model.set(id, { snr, heardMs: nowMs });
}
