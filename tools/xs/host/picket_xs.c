/*
 * picket-xs: a minimal host for the Moddable XS engine, used by Picket's test
 * suite and benchmarks to run bundles on the real engine.
 *
 * It links the XS sources shipped in the pinned npm package @agoric/xsnap with
 * that package's platform layer (xsnapPlatform.c: module loading, promise jobs,
 * run loop) and adds only what Picket needs:
 *
 *   print(...values)     one line on stdout (the only output channel)
 *   trace(...values)     Moddable's console output: the values as text on stdout,
 *                        no newline added (Moddable's trace does not add one)
 *   meter()              computrons used so far, folded to 64 bits (exact < 2^53)
 *   heapSlots()          slots allocated since the last collection
 *   heapChunkBytes()     chunk bytes allocated since the last collection
 *   slotBytes()          sizeof(txSlot) on this build (32 on 64-bit hosts, 16 on MCUs)
 *   gc()                 force a full collection
 *
 * Allocation between two points with no collection in between is
 *   (heapSlots delta) * slotBytes() + (heapChunkBytes delta)
 * because XS increments both counters on every allocation and resets them only
 * when it collects (xsMemory.c fxNewSlot / fxNewChunks / fxSweep).
 *
 * Usage: picket-xs [--limit COMPUTRONS] [--heap-slots N] [--chunk-bytes N]
 *                  [--fixed-heap] module.js
 * Exit status: 0 when the module and every job ran, 1 on bad usage, otherwise
 * the XS abort status (stack overflow, memory full, too much computation, ...).
 * Callers must not rely on the exit status alone for test verdicts: XS reports
 * a rejected top-level module evaluation without failing, so Picket's harness
 * prints an explicit completion record that the Node side requires.
 */
#include "xsnap.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* picket_xs_stats.c: machine internals (see there for why a separate file). */
extern double picketHeapSlots(xsMachine* the);
extern double picketHeapChunkBytes(xsMachine* the);
extern int picketSlotBytes(void);
extern unsigned int picketMeterIndex(xsMachine* the);
extern void picketMeterRestart(xsMachine* the);

/* The platform layer dumps snapshots through this symbol; we never snapshot. */
xsCallback gxSnapshotCallbacks[1] = { C_NULL };

static unsigned long long gMeterTotal = 0;
static unsigned long long gMeterLimit = 0;

/* Called by XS every `interval` computrons. Fold the 32-bit meter into a
 * 64-bit total and restart it from zero so it never wraps. */
static xsBooleanValue picketMeteringCallback(xsMachine* the, xsUnsignedValue index)
{
	gMeterTotal += index;
	picketMeterRestart(the);
	if (gMeterLimit && (gMeterTotal > gMeterLimit))
		return 0;
	return 1;
}

static int gModuleFailed = 0;

/* Reached when the entry module's evaluation rejects: XS would otherwise
 * report nothing and exit 0 for an exception thrown at module top level. */
static void picket_moduleFailed(xsMachine* the)
{
	xsIntegerValue count = xsToInteger(xsArgc);
	fprintf(stderr, "picket-xs: module evaluation failed: %s\n", count > 0 ? xsToString(xsArg(0)) : "(no reason)");
	gModuleFailed = 1;
}

static void picket_print(xsMachine* the)
{
	xsIntegerValue count = xsToInteger(xsArgc), i;
	for (i = 0; i < count; i++) {
		if (i)
			fputc(' ', stdout);
		fputs(xsToString(xsArg(i)), stdout);
	}
	fputc('\n', stdout);
	fflush(stdout);
}

static void picket_trace(xsMachine* the)
{
	xsIntegerValue count = xsToInteger(xsArgc), i;
	for (i = 0; i < count; i++)
		fputs(xsToString(xsArg(i)), stdout);
	fflush(stdout);
}

static void picket_meter(xsMachine* the)
{
	xsResult = xsNumber((double)(gMeterTotal + picketMeterIndex(the)));
}

static void picket_heapSlots(xsMachine* the)
{
	xsResult = xsNumber(picketHeapSlots(the));
}

static void picket_heapChunkBytes(xsMachine* the)
{
	xsResult = xsNumber(picketHeapChunkBytes(the));
}

static void picket_slotBytes(xsMachine* the)
{
	xsResult = xsInteger(picketSlotBytes());
}

static void picket_gc(xsMachine* the)
{
	xsCollectGarbage();
}

static void defineHostFunction(xsMachine* the, xsCallback callback, xsIntegerValue length, const char* name)
{
	xsResult = xsNewHostFunction(callback, length);
	xsDefine(xsGlobal, xsID(name), xsResult, xsDontEnum);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: picket-xs [--limit COMPUTRONS] [--heap-slots N] [--chunk-bytes N] [--fixed-heap] module.js\n"
		"  Runs one ES module on the XS engine with print/meter/heap host functions.\n"
		"  --limit N        abort with 'too much computation' past N computrons\n"
		"  --heap-slots N   initial slot heap (default 262144)\n"
		"  --chunk-bytes N  initial chunk heap (default 33554432)\n"
		"  --fixed-heap     never grow the heap: exceed it and XS aborts 'memory full'\n");
}

static int parseCount(const char* text, unsigned long long* out)
{
	char* end = NULL;
	errno = 0;
	unsigned long long value = strtoull(text, &end, 10);
	if (errno || !end || *end || end == text)
		return 0;
	*out = value;
	return 1;
}

int main(int argc, char* argv[])
{
	unsigned long long heapSlots = 256 * 1024;
	unsigned long long chunkBytes = 32 * 1024 * 1024;
	int fixedHeap = 0;
	const char* modulePath = NULL;
	int argi;
	for (argi = 1; argi < argc; argi++) {
		const char* arg = argv[argi];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage();
			return 0;
		}
		else if (!strcmp(arg, "--fixed-heap"))
			fixedHeap = 1;
		else if (!strcmp(arg, "--limit") || !strcmp(arg, "--heap-slots") || !strcmp(arg, "--chunk-bytes")) {
			unsigned long long value;
			if ((argi + 1 >= argc) || !parseCount(argv[argi + 1], &value)) {
				fprintf(stderr, "picket-xs: %s needs a whole number\n", arg);
				usage();
				return 1;
			}
			argi++;
			if (!strcmp(arg, "--limit"))
				gMeterLimit = value;
			else if (!strcmp(arg, "--heap-slots"))
				heapSlots = value;
			else
				chunkBytes = value;
		}
		else if (arg[0] == '-') {
			fprintf(stderr, "picket-xs: unknown option %s\n", arg);
			usage();
			return 1;
		}
		else if (modulePath) {
			fprintf(stderr, "picket-xs: one module only (got %s and %s)\n", modulePath, arg);
			return 1;
		}
		else
			modulePath = arg;
	}
	if (!modulePath) {
		usage();
		return 1;
	}
	if (heapSlots < 4096 || heapSlots > 0x7FFFFFFF || chunkBytes < 4096 || chunkBytes > 0x7FFFFFFF) {
		fprintf(stderr, "picket-xs: heap sizes out of range\n");
		return 1;
	}

	xsCreation creation = {
		(xsIntegerValue)chunkBytes,                  /* initialChunkSize */
		fixedHeap ? 0 : 4 * 1024 * 1024,             /* incrementalChunkSize */
		(xsIntegerValue)heapSlots,                   /* initialHeapCount */
		fixedHeap ? 0 : 64 * 1024,                   /* incrementalHeapCount */
		4096,                                        /* stackCount */
		32000,                                       /* initialKeyCount */
		8000,                                        /* incrementalKeyCount */
		1993,                                        /* nameModulo */
		127,                                         /* symbolModulo */
		8192 * 1024,                                 /* parserBufferSize */
		1993,                                        /* parserTableModulo */
	};
	char path[C_PATH_MAX];
	int status = 0;

	xsInitializeSharedCluster();
	xsMachine* machine = xsCreateMachine(&creation, "picket-xs", NULL);
	xsBeginMetering(machine, picketMeteringCallback, 1 << 24);
	{
		xsBeginHost(machine);
		{
			xsVars(1);
			defineHostFunction(the, picket_print, 1, "print");
			defineHostFunction(the, picket_trace, 1, "trace");
			defineHostFunction(the, picket_meter, 0, "meter");
			defineHostFunction(the, picket_heapSlots, 0, "heapSlots");
			defineHostFunction(the, picket_heapChunkBytes, 0, "heapChunkBytes");
			defineHostFunction(the, picket_slotBytes, 0, "slotBytes");
			defineHostFunction(the, picket_gc, 0, "gc");
			defineHostFunction(the, picket_moduleFailed, 1, "__picketModuleFailed");
			xsTry {
				if (!c_realpath(modulePath, path)) {
					fprintf(stderr, "picket-xs: module not found: %s\n", modulePath);
					status = 1;
				}
				else {
					/* import() so that a rejected evaluation reaches us. */
					char source[C_PATH_MAX + 512];
					int n = snprintf(source, sizeof(source),
						"import(\"%s\").then(undefined, (e) => __picketModuleFailed("
						"String(e) + ((e && e.stack) ? \"\\n\" + e.stack : \"\")))", path);
					if ((n < 0) || ((size_t)n >= sizeof(source)) || strchr(path, '"') || strchr(path, '\\')) {
						fprintf(stderr, "picket-xs: unsupported module path: %s\n", path);
						status = 1;
					}
					else {
						xsResult = xsString(source);
						xsCall1(xsGlobal, xsID("eval"), xsResult);
					}
				}
			}
			xsCatch {
				fprintf(stderr, "picket-xs: uncaught exception: %s\n", xsToString(xsException));
				status = 1;
			}
		}
		xsRunLoop(machine);
		xsEndHost(machine);
	}
	xsEndMetering(machine);
	if (machine->abortStatus)
		status = machine->abortStatus;
	else if (gModuleFailed && !status)
		status = 1;
	xsDeleteMachine(machine);
	xsTerminateSharedCluster();
	return status;
}
