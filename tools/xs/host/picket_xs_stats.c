/*
 * Reads XS machine internals for picket-xs. Kept apart from picket_xs.c
 * because XS's internal header (xsAll.h) and its public header (xs.h, pulled
 * in by xsnap.h) cannot be included in the same translation unit.
 */
#include "xsAll.h"

double picketHeapSlots(txMachine* the) { return (double)the->currentHeapCount; }
double picketHeapChunkBytes(txMachine* the) { return (double)the->currentChunksSize; }
int picketSlotBytes(void) { return (int)sizeof(txSlot); }
unsigned int picketMeterIndex(txMachine* the) { return the->meterIndex; }
void picketMeterRestart(txMachine* the) { the->meterIndex = 0; }
