/** Host functions picket-xs defines (tools/xs/host/picket_xs.c). Test and bench code only. */
declare function print(...values: unknown[]): void;
declare function meter(): number;
declare function heapSlots(): number;
declare function heapChunkBytes(): number;
declare function slotBytes(): number;
declare function gc(): void;
