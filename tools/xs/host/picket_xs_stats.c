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

/* Visit every slot of the machine's heap; the sum of what `visit` returns. */
typedef int (*txPicketVisit)(txMachine* the, txSlot* slot, void* context);

static int picketEachHeapSlot(txMachine* the, txPicketVisit visit, void* context)
{
	txSlot *heap, *slot, *limit;
	int count = 0;
	for (heap = the->firstHeap; heap; heap = heap->next) {
		limit = heap->value.reference;
		for (slot = heap + 1; slot < limit; slot++)
			count += visit(the, slot, context);
	}
	return count;
}

static int picketFreezeFunction(txMachine* the, txSlot* slot, void* freeze)
{
	if ((slot->kind != XS_INSTANCE_KIND) || !mxIsFunction(slot) || (slot->flag & XS_DONT_PATCH_FLAG))
		return 0;
	mxPush(mxObjectConstructor);
	mxPushSlot((txSlot*)freeze);
	mxCall();
	mxPushReference(slot);
	mxRunCount(1);
	mxPop();
	return 1;
}

/* Object.freeze on every function instance in the heap. Garbage collection
 * is off during the walk so no slot is swept or moved under it. */
int picketFreezeFunctions(txMachine* the)
{
	int count;
	fxCollectGarbage(the);
	fxEnableGarbageCollection(the, 0);
	mxPush(mxObjectConstructor);
	mxGetID(mxID(_freeze));
	count = picketEachHeapSlot(the, picketFreezeFunction, the->stack);
	mxPop();
	fxEnableGarbageCollection(the, 1);
	return count;
}

static int picketSealFrozenFunction(txMachine* the, txSlot* slot, void* context)
{
	txSlot* property;
	if ((slot->kind != XS_INSTANCE_KIND) || !(slot->flag & XS_DONT_PATCH_FLAG) || !mxIsFunction(slot))
		return 0;
	for (property = slot->next; property && (property->flag & XS_INTERNAL_FLAG); property = property->next) {
		txU1 kind = property->kind;
		if ((kind == XS_CODE_KIND) || (kind == XS_CODE_X_KIND) || (kind == XS_CALLBACK_KIND) || (kind == XS_CALLBACK_X_KIND) || (kind == XS_HOME_KIND))
			property->flag |= XS_DONT_SET_FLAG | XS_DONT_DELETE_FLAG;
	}
	return 1;
}

/* A frozen function is all flash on a board: the XS linker keeps no alias
 * for it (preload.md, "Freezing"). XS's sharing check also looks at a
 * function's internal slots (its code and home), which freezing leaves
 * unflagged; flag them so a frozen function counts as frozen. Returns the
 * number of functions so completed. */
int picketSealFrozenFunctions(txMachine* the)
{
	return picketEachHeapSlot(the, picketSealFrozenFunction, C_NULL);
}

/*
 * The XS linker's freezing rules (Moddable SDK xs/tools/xslSlot.c,
 * fxPrepareHeap, for a stripped link, Moddable's default): besides
 * functions, it freezes every environment record, the `prototype` object of
 * every constructor, and every Map, Set, WeakMap, WeakSet, WeakRef,
 * FinalizationRegistry, ArrayBuffer, DataView, typed array, Promise (and its
 * reactions), Proxy and RegExp the preload created; a closure variable that
 * holds a function counts as const. Only what is left unfrozen (ordinary
 * objects not frozen by the code, arrays, and non-const variables) gets an
 * alias. A frozen instance's internal slots and private fields are then
 * made read-only ("petrified"), so a run-time write to them fails as it does
 * on a board.
 */
static void picketPrepareInstance(txSlot* instance)
{
	txSlot* property;
	for (property = instance->next; property; property = property->next) {
		if (property->kind != XS_ACCESSOR_KIND)
			property->flag |= XS_DONT_SET_FLAG;
		property->flag |= XS_DONT_DELETE_FLAG;
	}
	instance->flag |= XS_DONT_PATCH_FLAG;
}

static int picketPrepareSlot(txMachine* the, txSlot* slot, void* context)
{
	txSlot* property;
	txU1 kind;
	if (slot->kind == XS_CLOSURE_KIND) {
		txSlot* closure = slot->value.closure;
		if (closure && (closure->kind == XS_REFERENCE_KIND) && mxIsFunction(closure->value.reference)) {
			closure->flag |= XS_DONT_SET_FLAG;
			return 1;
		}
		return 0;
	}
	if (slot->kind != XS_INSTANCE_KIND)
		return 0;
	property = slot->next;
	if (!property || !(property->flag & XS_INTERNAL_FLAG))
		return 0;
	kind = property->kind;
	if ((slot->flag & XS_EXOTIC_FLAG) && (property->ID == XS_ENVIRONMENT_BEHAVIOR)) {
		picketPrepareInstance(slot);
		return 1;
	}
	if ((kind == XS_CALLBACK_KIND) || (kind == XS_CALLBACK_X_KIND) || (kind == XS_CODE_KIND) || (kind == XS_CODE_X_KIND)) {
		picketPrepareInstance(slot);
		if (slot->flag & XS_CAN_CONSTRUCT_FLAG) {
			for (property = property->next; property; property = property->next) {
				if ((property->ID == mxID(_prototype)) && (property->kind == XS_REFERENCE_KIND)) {
					picketPrepareInstance(property->value.reference);
					break;
				}
			}
		}
		return 1;
	}
	if ((kind == XS_MAP_KIND) || (kind == XS_SET_KIND) || (kind == XS_WEAK_MAP_KIND) || (kind == XS_WEAK_SET_KIND) || (kind == XS_WEAK_REF_KIND)
		|| ((kind == XS_CLOSURE_KIND) && property->value.closure && (property->value.closure->kind == XS_FINALIZATION_REGISTRY_KIND))
		|| (kind == XS_ARRAY_BUFFER_KIND) || (kind == XS_DATA_VIEW_KIND) || (kind == XS_TYPED_ARRAY_KIND)
		|| (kind == XS_PROXY_KIND) || (kind == XS_REGEXP_KIND)) {
		picketPrepareInstance(slot);
		return 1;
	}
	if (kind == XS_PROMISE_KIND) {
		picketPrepareInstance(slot);
		if (property->next && (property->next->kind == XS_REFERENCE_KIND))
			picketPrepareInstance(property->next->value.reference);
		return 1;
	}
	return 0;
}

static int picketPetrifySlot(txMachine* the, txSlot* slot, void* context)
{
	txSlot *property, *field;
	if ((slot->kind != XS_INSTANCE_KIND) || !(slot->flag & XS_DONT_PATCH_FLAG))
		return 0;
	for (property = slot->next; property && (property->flag & XS_INTERNAL_FLAG); property = property->next)
		;
	for (; property; property = property->next) {
		if ((property->kind != XS_ACCESSOR_KIND) && !(property->flag & XS_DONT_SET_FLAG))
			return 0;
		if (!(property->flag & XS_DONT_DELETE_FLAG))
			return 0;
	}
	/* Frozen as the linker sees it: its internal slots and private fields become read-only. */
	for (property = slot->next; property && (property->flag & XS_INTERNAL_FLAG); property = property->next) {
		if (property->kind == XS_ARRAY_KIND)
			continue;
		if (property->kind == XS_PRIVATE_KIND) {
			for (field = property->value.private.first; field; field = field->next) {
				if (field->kind != XS_ACCESSOR_KIND)
					field->flag |= XS_DONT_SET_FLAG;
				field->flag |= XS_DONT_DELETE_FLAG;
			}
		}
		property->flag |= XS_DONT_SET_FLAG | XS_DONT_DELETE_FLAG;
	}
	return 1;
}

/* Apply the linker's freezing rules to the build machine; returns the
 * number of instances and closures so prepared. */
int picketPrepareLinked(txMachine* the)
{
	int count = picketEachHeapSlot(the, picketPrepareSlot, C_NULL);
	picketEachHeapSlot(the, picketPetrifySlot, C_NULL);
	return count;
}

static int picketSealArrayBuffer(txMachine* the, txSlot* slot, void* context)
{
	if (slot->kind != XS_ARRAY_BUFFER_KIND)
		return 0;
	slot->flag |= XS_DONT_SET_FLAG;
	return 1;
}

/* Mark the data of every ArrayBuffer read-only, as it is in flash. */
int picketSealArrayBuffers(txMachine* the)
{
	return picketEachHeapSlot(the, picketSealArrayBuffer, C_NULL);
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

/* Slots in use on the JS stack now (the caller's frames and this call's own). */
int picketStackDepthSlots(txMachine* the)
{
	return (int)(the->stackTop - the->stack);
}

/* Start the stack peak again from the current depth: the peak after a
 * callback returns, less the depth where it was called, is the callback's
 * own stack use (how a board measures from its native event loop). */
void picketStackPeakReset(txMachine* the)
{
	the->stackPeak = the->stack;
}

/*
 * After the build machine is shared, make it look like a linked image in
 * flash: strings, big integers and keys become external (XS_*_X_KIND, what
 * the linker writes to ROM), so a clone's collector never marks or moves a
 * chunk it does not own; every function's code becomes external too, and
 * the code that creates nested functions uses the archive opcodes, so a
 * closure made at run time points into the preloaded code instead of
 * copying its byte code into RAM (as on a board, where byte code stays in
 * flash). Returns the number of rewritten function-creation opcodes.
 */
static int picketArchiveCode(txByte* code, txSize size)
{
	const txS1* sizes = gxCodeSizes;
	txByte* p = code;
	txByte* q = code + size;
	int depth = 0, rewritten = 0;
	while (p < q) {
		txU1 byte = (txU1)*p;
		txS1 offset = sizes[byte];
		if ((byte == XS_CODE_CODE_1) || (byte == XS_CODE_CODE_2) || (byte == XS_CODE_CODE_4)) {
			*p = (txByte)(byte - XS_CODE_CODE_1 + XS_CODE_CODE_ARCHIVE_1);
			rewritten++;
		}
		if (0 < offset)
			p += offset;
		else if (0 == offset) {
			txID id;
			p++;
			mxDecodeID(p, id);
		}
		else if (-1 == offset) {
			txU1 length;
			p++;
			length = *((txU1*)p);
			p += 1 + length;
		}
		else if (-2 == offset) {
			txU2 length;
			p++;
			mxDecode2(p, length);
			p += length;
		}
		else {
			txS4 length;
			p++;
			mxDecode4(p, length);
			p += length;
		}
		if ((XS_CODE_BEGIN_SLOPPY <= byte) && (byte <= XS_CODE_BEGIN_STRICT_FIELD))
			depth++;
		else if ((XS_CODE_END <= byte) && (byte <= XS_CODE_END_DERIVED)) {
			depth--;
			if (depth == 0)
				break;
		}
	}
	return rewritten;
}

/* Byte code found in the build machine's chunks (each function's own copy). */
static double gPicketCodeBytes = 0;
double picketCodeBytes(void) { return gPicketCodeBytes; }

static int picketExternalizeSlot(txSlot* slot)
{
	switch (slot->kind) {
	case XS_STRING_KIND: slot->kind = XS_STRING_X_KIND; break;
	case XS_BIGINT_KIND: slot->kind = XS_BIGINT_X_KIND; break;
	case XS_KEY_KIND: slot->kind = XS_KEY_X_KIND; break;
	case XS_CODE_KIND: {
		txChunk* chunk = (txChunk*)(slot->value.code.address - sizeof(txChunk));
		txSize size = (txSize)(chunk->size & 0x7FFFFFFF);
		int rewritten = picketArchiveCode(slot->value.code.address, size - (txSize)sizeof(txChunk));
		gPicketCodeBytes += size;
		slot->kind = XS_CODE_X_KIND;
		return rewritten;
	}
	default: break;
	}
	return 0;
}

static int picketExternalizeHeapSlot(txMachine* the, txSlot* slot, void* context)
{
	int rewritten = picketExternalizeSlot(slot);
	/* An array's items live in a chunk, not in the heap. */
	if ((slot->kind == XS_ARRAY_KIND) && slot->value.array.address) {
		txSlot* item = slot->value.array.address;
		txSlot* end = item + fxGetIndexSize(the, slot);
		for (; item < end; item++)
			rewritten += picketExternalizeSlot(item);
	}
	return rewritten;
}

int picketExternalizeShared(txMachine* the)
{
	txSlot* slot;
	int rewritten = picketEachHeapSlot(the, picketExternalizeHeapSlot, C_NULL);
	for (slot = the->stack; slot < the->stackTop; slot++)
		rewritten += picketExternalizeSlot(slot);
	return rewritten;
}

/*
 * Heap census (a measurement aid, see heapCensus in picket_xs.c): every live
 * instance of the machine's own heap (or, with `shared`, every instance of
 * the preloaded machine that costs an alias), grouped by what it is and by
 * its prototype; for each group the instances, the slots they hold (the
 * instance, its properties and private fields) and the chunk bytes they own
 * (array items, ArrayBuffer data, string contents).
 */
#define PICKET_CENSUS_MAX 512
typedef struct { txSlot* prototype; void* code; txID shape; txSlot* sample; int category; int instances; int slots; double chunkBytes; } txPicketCensusRow;
static txPicketCensusRow gPicketCensus[PICKET_CENSUS_MAX];
static int gPicketCensusCount = 0;

static double picketChunkOf(void* address)
{
	if (!address)
		return 0;
	return (double)(((txChunk*)(((txByte*)address) - sizeof(txChunk)))->size);
}

static void picketCensusProperty(txMachine* the, txSlot* property, int* slots, double* chunkBytes)
{
	(*slots)++;
	switch (property->kind) {
	case XS_STRING_KIND: *chunkBytes += picketChunkOf(property->value.string); break;
	case XS_ARRAY_KIND: *chunkBytes += picketChunkOf(property->value.array.address); break;
	case XS_ARRAY_BUFFER_KIND: *chunkBytes += picketChunkOf(property->value.arrayBuffer.address); break;
	case XS_PRIVATE_KIND: {
		txSlot* field;
		for (field = property->value.private.first; field; field = field->next)
			picketCensusProperty(the, field, slots, chunkBytes);
		break;
	}
	default: break;
	}
}

static int picketCensusSlot(txMachine* the, txSlot* slot, void* context)
{
	txSlot* property;
	int category, slots = 0, i;
	double chunkBytes = 0;
	void* code = C_NULL;
	txID shape = XS_NO_ID;
	if (slot->kind != XS_INSTANCE_KIND)
		return 0;
	if (context && (slot->ID == XS_NO_ID))
		return 0;
	if (slot->flag & XS_EXOTIC_FLAG)
		category = 1000 + (slot->next ? slot->next->ID : 0);
	else if (mxIsFunction(slot)) {
		category = 3;
		/* Functions are told apart by their code: one row per function of the source. */
		code = (void*)slot->next->value.code.address;
	}
	else if (slot->next && (slot->next->flag & XS_INTERNAL_FLAG))
		category = 100 + slot->next->kind;
	else {
		category = 0;
		/* Ordinary objects are told apart by their first property's key (their "shape"), so object literals of different kinds get rows of their own. */
		if (slot->next)
			shape = slot->next->ID;
	}
	slots = 1;
	for (property = slot->next; property; property = property->next)
		picketCensusProperty(the, property, &slots, &chunkBytes);
	for (i = 0; i < gPicketCensusCount; i++)
		if ((gPicketCensus[i].category == category) && (gPicketCensus[i].prototype == slot->value.instance.prototype) && (gPicketCensus[i].code == code) && (gPicketCensus[i].shape == shape))
			break;
	if (i == gPicketCensusCount) {
		if (i == PICKET_CENSUS_MAX)
			i = PICKET_CENSUS_MAX - 1; /* the last row collects the overflow */
		else {
			gPicketCensusCount++;
			gPicketCensus[i].prototype = slot->value.instance.prototype;
			gPicketCensus[i].code = code;
			gPicketCensus[i].shape = shape;
			gPicketCensus[i].sample = slot;
			gPicketCensus[i].category = category;
			gPicketCensus[i].instances = 0;
			gPicketCensus[i].slots = 0;
			gPicketCensus[i].chunkBytes = 0;
		}
	}
	gPicketCensus[i].instances++;
	gPicketCensus[i].slots += slots;
	gPicketCensus[i].chunkBytes += chunkBytes;
	return 1;
}

/* Take the census; returns the number of rows. */
int picketCensus(txMachine* the, int shared)
{
	txMachine* target = the;
	gPicketCensusCount = 0;
	if (shared) {
		if (!the->sharedMachine)
			return 0;
		target = the->sharedMachine;
	}
	picketEachHeapSlot(target, picketCensusSlot, shared ? (void*)target : C_NULL);
	return gPicketCensusCount;
}

/* Row `i`'s numbers (field 0 category, 1 instances, 2 slots, 3 chunk bytes)
 * and its prototype, written as a reference (or null) into `out`. */
double picketCensusField(int i, int field)
{
	txPicketCensusRow* row = &gPicketCensus[i];
	return field == 0 ? row->category : field == 1 ? row->instances : field == 2 ? row->slots : row->chunkBytes;
}
void picketCensusPrototype(int i, void* out)
{
	txSlot* slot = (txSlot*)out;
	if (gPicketCensus[i].prototype) {
		slot->kind = XS_REFERENCE_KIND;
		slot->value.reference = gPicketCensus[i].prototype;
	}
	else
		slot->kind = XS_NULL_KIND;
}
/* One instance of row `i` (for a function row, its name tells which function). */
void picketCensusSample(int i, void* out)
{
	txSlot* slot = (txSlot*)out;
	slot->kind = XS_REFERENCE_KIND;
	slot->value.reference = gPicketCensus[i].sample;
}
