/**
 * The XS side of tools/xs/run-xs.ts: how a bundle running inside picket-xs
 * reports back. Test/bench code only (never bundled into the device image).
 */
export const RECORD_PREFIX = "@@picket ";

export function record(kind: string, data: Record<string, unknown> = {}): void {
  print(RECORD_PREFIX + JSON.stringify({ kind, ...data }));
}

export function done(data: Record<string, unknown> = {}): void {
  record("done", data);
}

/** Allocation and computron meter for a region of code; see picket_xs.c. */
export interface Measured {
  readonly computrons: number;
  readonly allocatedBytes: number;
  readonly slots: number;
  readonly chunkBytes: number;
  /** False if a collection ran inside the region (counts then undercount). */
  readonly exact: boolean;
}

export function measure(fn: () => void): Measured {
  gc();
  const slots0 = heapSlots();
  const chunks0 = heapChunkBytes();
  const meter0 = meter();
  fn();
  const meter1 = meter();
  const slots = heapSlots() - slots0;
  const chunkBytes = heapChunkBytes() - chunks0;
  return {
    computrons: meter1 - meter0,
    allocatedBytes: slots * slotBytes() + chunkBytes,
    slots,
    chunkBytes,
    exact: slots >= 0 && chunkBytes >= 0,
  };
}
