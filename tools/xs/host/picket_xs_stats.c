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

/*
 * Preload emulation (Moddable "documentation/xs/preload.md"): after the
 * preload phase the XS linker freezes every function (built-in or from a
 * preloaded module, class constructors included) and the built-in
 * prototypes, and the contents of every ArrayBuffer end up in flash, where a
 * write throws "read-only buffer". The prototypes are frozen by a script the
 * host evaluates; the two heap walks below do the rest.
 */

/* Object.freeze on every function instance in the heap. Garbage collection
 * is off during the walk so no slot is swept or moved under it. */
int picketFreezeFunctions(txMachine* the)
{
	txSlot *heap, *slot, *limit, *freeze;
	int count = 0;
	fxCollectGarbage(the);
	fxEnableGarbageCollection(the, 0);
	mxPush(mxObjectConstructor);
	mxGetID(mxID(_freeze));
	freeze = the->stack;
	heap = the->firstHeap;
	while (heap) {
		slot = heap + 1;
		limit = heap->value.reference;
		while (slot < limit) {
			if ((slot->kind == XS_INSTANCE_KIND) && mxIsFunction(slot) && !(slot->flag & XS_DONT_PATCH_FLAG)) {
				mxPush(mxObjectConstructor);
				mxPushSlot(freeze);
				mxCall();
				mxPushReference(slot);
				mxRunCount(1);
				mxPop();
				count++;
			}
			slot++;
		}
		heap = heap->next;
	}
	mxPop();
	fxEnableGarbageCollection(the, 1);
	return count;
}

/* Mark the data of every ArrayBuffer read-only, as it is in flash. */
int picketSealArrayBuffers(txMachine* the)
{
	txSlot *heap, *slot, *limit;
	int count = 0;
	heap = the->firstHeap;
	while (heap) {
		slot = heap + 1;
		limit = heap->value.reference;
		while (slot < limit) {
			if (slot->kind == XS_ARRAY_BUFFER_KIND) {
				slot->flag |= XS_DONT_SET_FLAG;
				count++;
			}
			slot++;
		}
		heap = heap->next;
	}
	return count;
}

/* Preloaded objects and variables that may be written, each one 4-byte
 * alias pointer in RAM on a 32-bit board; valid after fxShareMachine. */
int picketAliasCount(txMachine* the) { return (int)the->aliasCount; }

/* Aliases a clone has materialised: preloaded objects written at run time
 * and so copied into RAM (their copies are counted in the clone's heap). */
int picketAliasedCount(txMachine* the)
{
	int i, count = 0;
	for (i = 0; i < the->aliasCount; i++)
		if (the->aliasArray && the->aliasArray[i])
			count++;
	return count;
}

double picketHeapTotalSlots(txMachine* the) { return (double)the->maximumHeapCount; }
double picketChunkTotalBytes(txMachine* the) { return (double)the->maximumChunksSize; }
double picketPeakSlots(txMachine* the) { return (double)the->peakHeapCount; }
double picketPeakChunkBytes(txMachine* the) { return (double)the->peakChunksSize; }
int picketKeysUsed(txMachine* the) { return (int)(the->keyIndex - the->keyOffset); }
int picketStackSlots(txMachine* the) { return (int)(the->stackTop - the->stackBottom); }

/* Deepest JS stack reached, in slots: XS's own instrument (mxInstrument),
 * updated as every function returns, the figure xsbug shows as stack peak. */
int picketStackPeakSlots(txMachine* the)
{
	return (int)(the->stackTop - the->stackPeak);
}
