/** Host functions picket-xs defines (tools/xs/host/picket_xs.c). Test and bench code only. */
declare function print(...values: unknown[]): void;
declare function meter(): number;
declare function heapSlots(): number;
declare function heapChunkBytes(): number;
declare function slotBytes(): number;
declare function gc(): void;
/** JS stack slots: 0 in use now, 1 the deepest since the start or the last stack(2), 2 restart the peak (returns the depth now). */
declare function stack(op: 0 | 1 | 2): number;
