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
 *   memory()             the machine's heap figures (see --preload)
 *   heapCensus(shared)   live instances by kind and prototype (picket_xs_stats.c)
 *   stack(op)            JS stack slots: 0 in use now, 1 the deepest since the
 *                        start or the last stack(2), 2 restart the peak (returns
 *                        the depth now)
 *
 * Usage: picket-xs [--limit COMPUTRONS] [--heap-slots N] [--chunk-bytes N]
 *                  [--fixed-heap] [--preload PRELOAD.js [--creation C]] module.js
 *
 * --preload emulates Moddable's preload (documentation/xs/preload.md in the
 * Moddable SDK) with XS's own shared-machine mechanism: PRELOAD.js (which
 * imports every module of the image) is evaluated in a build machine; then,
 * as the XS linker does, the built-in prototypes and every function are
 * frozen and every ArrayBuffer's contents made read-only, and the linker's
 * freezing rules are applied (xs/tools/xslSlot.c fxPrepareHeap: environment
 * records, constructors' prototypes, Maps, Sets, buffers, views, promises,
 * proxies and regexps are frozen; a closure over a function is const); the build machine
 * is shared (fxShareMachine: what is left unfrozen gets an alias, a 4-byte
 * RAM pointer on a 32-bit board) and module.js runs in a clone whose heap
 * starts empty (fxCloneMachine), as a board's RAM does. A write to a
 * preloaded object copies it into the clone's heap; a write to a preloaded
 * buffer throws "read-only buffer". Strings, keys and byte code of the build
 * machine become external, as in a linked image, so a closure made at run
 * time points into the preloaded code rather than copying it. --creation sets the clone's creation
 * values (chunk initial,chunk incremental,heap initial,heap incremental,
 * stack,keys initial), e.g. a platform's values from manifest.json.
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
extern int picketFreezeFunctions(xsMachine* the);
extern int picketSealArrayBuffers(xsMachine* the);
extern int picketSealFrozenFunctions(xsMachine* the);
extern int picketPrepareLinked(xsMachine* the);
extern int picketAliasCount(xsMachine* the);
extern int picketAliasedCount(xsMachine* the);
extern double picketHeapTotalSlots(xsMachine* the);
extern double picketChunkTotalBytes(xsMachine* the);
extern double picketPeakSlots(xsMachine* the);
extern double picketPeakChunkBytes(xsMachine* the);
extern int picketKeysUsed(xsMachine* the);
extern int picketStackSlots(xsMachine* the);
extern int picketStackPeakSlots(xsMachine* the);
extern int picketStackDepthSlots(xsMachine* the);
extern void picketStackPeakReset(xsMachine* the);
extern int picketExternalizeShared(xsMachine* the);
extern double picketCodeBytes(void);
extern int picketCensus(xsMachine* the, int shared);
extern double picketCensusField(int i, int field);
extern void picketCensusPrototype(int i, void* out);
extern void picketCensusSample(int i, void* out);

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

/* The machine's memory, for the preload emulation's figures (see usage). */
static void picket_memory(xsMachine* the)
{
	xsVars(1);
	xsResult = xsNewObject();
	xsVar(0) = xsNumber(picketHeapSlots(the)); xsSet(xsResult, xsID("slots"), xsVar(0));
	xsVar(0) = xsNumber(picketHeapChunkBytes(the)); xsSet(xsResult, xsID("chunkBytes"), xsVar(0));
	xsVar(0) = xsNumber(picketHeapTotalSlots(the)); xsSet(xsResult, xsID("heapSlotsTotal"), xsVar(0));
	xsVar(0) = xsNumber(picketChunkTotalBytes(the)); xsSet(xsResult, xsID("chunkBytesTotal"), xsVar(0));
	xsVar(0) = xsNumber(picketPeakSlots(the)); xsSet(xsResult, xsID("peakSlots"), xsVar(0));
	xsVar(0) = xsNumber(picketPeakChunkBytes(the)); xsSet(xsResult, xsID("peakChunkBytes"), xsVar(0));
	xsVar(0) = xsInteger(picketAliasCount(the)); xsSet(xsResult, xsID("aliases"), xsVar(0));
	xsVar(0) = xsInteger(picketAliasedCount(the)); xsSet(xsResult, xsID("aliased"), xsVar(0));
	xsVar(0) = xsInteger(picketKeysUsed(the)); xsSet(xsResult, xsID("keysUsed"), xsVar(0));
	xsVar(0) = xsInteger(picketStackSlots(the)); xsSet(xsResult, xsID("stackSlots"), xsVar(0));
	xsVar(0) = xsInteger(picketStackPeakSlots(the)); xsSet(xsResult, xsID("stackPeakSlots"), xsVar(0));
	xsVar(0) = xsInteger(picketSlotBytes()); xsSet(xsResult, xsID("slotBytes"), xsVar(0));
}

/* stack(0): JS stack slots in use now; stack(1): the deepest since the
 * start or the last stack(2); stack(2): restart the peak from now (returns
 * the depth). Together they measure one callback's stack use from where it
 * is called. One host function: every global costs the measured heap. */
static void picket_stack(xsMachine* the)
{
	int op = (xsToInteger(xsArgc) > 0) ? xsToInteger(xsArg(0)) : 0;
	if (op == 2) picketStackPeakReset(the);
	xsResult = xsInteger(op == 1 ? picketStackPeakSlots(the) : picketStackDepthSlots(the));
}

/* heapCensus(shared): the heap by kind and prototype (picket_xs_stats.c):
 * [{ category, prototype, instances, slots, chunkBytes }, ...]. */
static void picket_heapCensus(xsMachine* the)
{
	int shared = (xsToInteger(xsArgc) > 0) && xsTest(xsArg(0));
	int count, i;
	xsVars(2);
	xsCollectGarbage();
	count = picketCensus(the, shared);
	xsResult = xsNewArray(0);
	for (i = 0; i < count; i++) {
		xsVar(0) = xsNewObject();
		picketCensusPrototype(i, &xsVar(1));
		xsSet(xsVar(0), xsID("prototype"), xsVar(1));
		picketCensusSample(i, &xsVar(1));
		xsSet(xsVar(0), xsID("sample"), xsVar(1));
		xsVar(1) = xsNumber(picketCensusField(i, 0)); xsSet(xsVar(0), xsID("category"), xsVar(1));
		xsVar(1) = xsNumber(picketCensusField(i, 1)); xsSet(xsVar(0), xsID("instances"), xsVar(1));
		xsVar(1) = xsNumber(picketCensusField(i, 2)); xsSet(xsVar(0), xsID("slots"), xsVar(1));
		xsVar(1) = xsNumber(picketCensusField(i, 3)); xsSet(xsVar(0), xsID("chunkBytes"), xsVar(1));
		xsCall1(xsResult, xsID("push"), xsVar(0));
	}
}

static void defineHostFunction(xsMachine* the, xsCallback callback, xsIntegerValue length, const char* name)
{
	xsResult = xsNewHostFunction(callback, length);
	xsDefine(xsGlobal, xsID(name), xsResult, xsDontEnum);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: picket-xs [--limit COMPUTRONS] [--heap-slots N] [--chunk-bytes N] [--fixed-heap]\n"
		"                 [--preload PRELOAD.js [--creation CI,CINC,HI,HINC,STACK,KEYS]] module.js\n"
		"  Runs one ES module on the XS engine with print/meter/heap host functions.\n"
		"  --limit N        abort with 'too much computation' past N computrons\n"
		"  --heap-slots N   initial slot heap (default 262144)\n"
		"  --chunk-bytes N  initial chunk heap (default 33554432)\n"
		"  --fixed-heap     never grow the heap: exceed it and XS aborts 'memory full'\n"
		"  --preload P      evaluate P in a build machine, freeze and share it as XS preload does,\n"
		"                   then run module.js in a clone (the board's RAM); prints a 'preload' record\n"
		"  --creation C     the clone's creation: chunk initial,incremental, heap initial,incremental,\n"
		"                   stack slots, initial keys (Moddable manifest 'creation' values)\n");
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

/* The JS half of the link step: freeze the built-in prototypes and namespace
 * objects (the XS linker's list; functions are frozen by a heap walk). */
static const char* gFreezeBuiltIns =
	"(() => {"
	" const f = Object.freeze, p = Object.getPrototypeOf;"
	" const names = ['Object','Function','Array','ArrayBuffer','SharedArrayBuffer','DataView','BigInt','Boolean','Date',"
	"  'Error','EvalError','RangeError','ReferenceError','SyntaxError','TypeError','URIError','AggregateError',"
	"  'FinalizationRegistry','Map','Number','Promise','RegExp','Set','String','Symbol','WeakMap','WeakRef','WeakSet',"
	"  'Int8Array','Uint8Array','Uint8ClampedArray','Int16Array','Uint16Array','Int32Array','Uint32Array',"
	"  'Float32Array','Float64Array','BigInt64Array','BigUint64Array','Compartment','ModuleSource'];"
	" for (const n of names) { const c = globalThis[n]; if (typeof c === 'function' && c.prototype) f(c.prototype); }"
	" for (const n of ['Math','JSON','Reflect','Atomics']) if (globalThis[n]) f(globalThis[n]);"
	" const ta = p(Int8Array); if (ta && ta.prototype) f(ta.prototype);"
	" const ai = p([][Symbol.iterator]()); f(ai); f(p(ai));"
	" f(p(new Map()[Symbol.iterator]())); f(p(new Set()[Symbol.iterator]())); f(p(''[Symbol.iterator]()));"
	" f(p(/a/[Symbol.matchAll]('a')));"
	" const gf = p(function*(){}); f(gf); f(gf.prototype);"
	" const af = p(async function(){}); f(af);"
	" const agf = p(async function*(){}); f(agf); f(agf.prototype); f(p(agf.prototype));"
	" f(p(function(){ return arguments; }()));"
	" return 0; })()";

static void defineHostFunctions(xsMachine* the)
{
	defineHostFunction(the, picket_print, 1, "print");
	defineHostFunction(the, picket_trace, 1, "trace");
	defineHostFunction(the, picket_meter, 0, "meter");
	defineHostFunction(the, picket_heapSlots, 0, "heapSlots");
	defineHostFunction(the, picket_heapChunkBytes, 0, "heapChunkBytes");
	defineHostFunction(the, picket_slotBytes, 0, "slotBytes");
	defineHostFunction(the, picket_gc, 0, "gc");
	defineHostFunction(the, picket_memory, 0, "memory");
	defineHostFunction(the, picket_heapCensus, 1, "heapCensus");
	defineHostFunction(the, picket_stack, 1, "stack");
	defineHostFunction(the, picket_moduleFailed, 1, "__picketModuleFailed");
}

/* import() the module at `modulePath` so that a rejected evaluation reaches
 * __picketModuleFailed; 0 when the import was started. */
static int importModule(xsMachine* the, const char* modulePath)
{
	char path[C_PATH_MAX];
	char source[C_PATH_MAX + 512];
	int n;
	if (!c_realpath(modulePath, path)) {
		fprintf(stderr, "picket-xs: module not found: %s\n", modulePath);
		return 1;
	}
	n = snprintf(source, sizeof(source),
		"import(\"%s\").then(undefined, (e) => __picketModuleFailed("
		"String(e) + ((e && e.stack) ? \"\\n\" + e.stack : \"\")))", path);
	if ((n < 0) || ((size_t)n >= sizeof(source)) || strchr(path, '"') || strchr(path, '\\')) {
		fprintf(stderr, "picket-xs: unsupported module path: %s\n", path);
		return 1;
	}
	xsResult = xsString(source);
	xsCall1(xsGlobal, xsID("eval"), xsResult);
	return 0;
}

/* Evaluate `modulePath` in `machine`, run its jobs to the end; exit status. */
static int runModule(xsMachine* machine, const char* modulePath)
{
	int status = 0;
	gModuleFailed = 0;
	xsBeginMetering(machine, picketMeteringCallback, 1 << 24);
	{
		xsBeginHost(machine);
		{
			xsVars(1);
			defineHostFunctions(the);
			xsTry {
				status = importModule(the, modulePath);
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
	return status;
}

/* The link step of the preload emulation, then the figures of what the
 * build machine holds (all of it flash on a board). */
static int linkPreloaded(xsMachine* machine)
{
	int status = 0, functions = 0, buffers = 0, archived = 0, prepared = 0;
	double slots = 0, chunkBytes = 0;
	xsBeginHost(machine);
	{
		xsVars(1);
		xsTry {
			xsVar(0) = xsString(gFreezeBuiltIns);
			xsCall1(xsGlobal, xsID("eval"), xsVar(0));
			functions = picketFreezeFunctions(the);
			picketSealFrozenFunctions(the);
			buffers = picketSealArrayBuffers(the);
			prepared = picketPrepareLinked(the);
			xsCollectGarbage();
			slots = picketHeapSlots(the);
			chunkBytes = picketHeapChunkBytes(the);
		}
		xsCatch {
			fprintf(stderr, "picket-xs: preload link step failed: %s\n", xsToString(xsException));
			status = 1;
		}
	}
	xsEndHost(machine);
	if (status)
		return status;
	xsShareMachine(machine);
	archived = picketExternalizeShared(machine);
	printf("@@picket {\"kind\":\"preload\",\"slots\":%.0f,\"chunkBytes\":%.0f,\"slotBytes\":%d,"
		"\"frozenFunctions\":%d,\"buffers\":%d,\"linkerFrozen\":%d,\"aliases\":%d,\"archivedFunctionCode\":%d,\"codeBytes\":%.0f}\n",
		slots, chunkBytes, picketSlotBytes(), functions, buffers, prepared, picketAliasCount(machine), archived, picketCodeBytes());
	fflush(stdout);
	return 0;
}

static int parseCreation(const char* text, xsCreation* creation)
{
	unsigned long v[6];
	int i = 0;
	const char* p = text;
	char* end = NULL;
	for (i = 0; i < 6; i++) {
		errno = 0;
		v[i] = strtoul(p, &end, 10);
		if (errno || (end == p) || (v[i] > 0x7FFFFFF))
			return 0;
		if (i < 5) {
			if (*end != ',')
				return 0;
			p = end + 1;
		}
	}
	if (*end || (v[0] < 1024) || (v[2] < 256) || (v[4] < 64))
		return 0;
	creation->initialChunkSize = (xsIntegerValue)v[0];
	creation->incrementalChunkSize = (xsIntegerValue)v[1];
	creation->initialHeapCount = (xsIntegerValue)v[2];
	creation->incrementalHeapCount = (xsIntegerValue)v[3];
	creation->stackCount = (xsIntegerValue)v[4];
	creation->initialKeyCount = (xsIntegerValue)v[5];
	creation->incrementalKeyCount = 0;
	return 1;
}

int main(int argc, char* argv[])
{
	unsigned long long heapSlots = 256 * 1024;
	unsigned long long chunkBytes = 32 * 1024 * 1024;
	int fixedHeap = 0;
	const char* modulePath = NULL;
	const char* preloadPath = NULL;
	const char* creationText = NULL;
	int argi;
	for (argi = 1; argi < argc; argi++) {
		const char* arg = argv[argi];
		if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
			usage();
			return 0;
		}
		else if (!strcmp(arg, "--fixed-heap"))
			fixedHeap = 1;
		else if (!strcmp(arg, "--preload") || !strcmp(arg, "--creation")) {
			if (argi + 1 >= argc) {
				fprintf(stderr, "picket-xs: %s needs a value\n", arg);
				usage();
				return 1;
			}
			argi++;
			if (!strcmp(arg, "--preload"))
				preloadPath = argv[argi];
			else
				creationText = argv[argi];
		}
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
	if (creationText && !preloadPath) {
		fprintf(stderr, "picket-xs: --creation goes with --preload\n");
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
	xsCreation runCreation = creation;
	if (creationText && !parseCreation(creationText, &runCreation)) {
		fprintf(stderr, "picket-xs: --creation needs six whole numbers: chunk initial,incremental,heap initial,incremental,stack,keys\n");
		return 1;
	}
	int status = 0;

	xsInitializeSharedCluster();
	if (!preloadPath) {
		xsMachine* machine = xsCreateMachine(&creation, "picket-xs", NULL);
		status = runModule(machine, modulePath);
		xsDeleteMachine(machine);
	}
	else {
		xsCreation buildCreation = creation;
		buildCreation.incrementalChunkSize = 4 * 1024 * 1024;
		buildCreation.incrementalHeapCount = 64 * 1024;
		xsMachine* build = xsCreateMachine(&buildCreation, "picket-xs-build", NULL);
		status = runModule(build, preloadPath);
		if (status)
			fprintf(stderr, "picket-xs: preload of %s failed (status %d)\n", preloadPath, status);
		else
			status = linkPreloaded(build);
		if (!status) {
			xsMachine* machine = xsCloneMachine(&runCreation, build, "picket-xs", NULL);
			if (!machine) {
				fprintf(stderr, "picket-xs: could not clone the preloaded machine\n");
				status = 1;
			}
			else {
				status = runModule(machine, modulePath);
				xsDeleteMachine(machine);
			}
		}
		xsDeleteMachine(build);
	}
	xsTerminateSharedCluster();
	return status;
}
