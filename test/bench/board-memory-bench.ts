/**
 * Board memory (test/xs/board-memory.ts): the literal build/device/main.js on
 * 32-bit XS with Moddable preload emulated, one board per role and site size,
 * 10 virtual minutes of steady state on replayed neighbourhood traffic; what
 * each platform's `creation.static` must hold, against what manifest.json
 * gives it. Standalone: `npx tsx test/bench/board-memory-bench.ts [--quick]`.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { DEVICE_OUT_DIR } from "../../tools/build/targets";
import { headroomOf, MEMORY_BUDGETS, measureBoardMemory, measureStackWorstCase, moduleLoadWithoutPreload, STACK_CLEAN_WRITES, platformCreations, ramBytes, STACK_MARGIN, type BoardMemory, type BoardRole, type StackWorstCase } from "../xs/board-memory";
import { SITE_SIZE_MAX } from "../../agent/config";

export interface BoardMemoryBench {
  readonly moduleLoadWithoutPreloadBytes: number;
  readonly boards: readonly BoardMemory[];
  /** The sensor's deepest stack with its log made to clean at each flash write of its first minute (absent in older results). */
  readonly stackWorstCase?: StackWorstCase;
}

const ROLES: readonly BoardRole[] = ["sensor", "relay", "gateway"];
const NRF52_MAIN = join(DEVICE_OUT_DIR, "nrf52", "main.js");

export async function runBoardMemoryBench(options: { readonly quick: boolean }): Promise<BoardMemoryBench> {
  const minutes = options.quick ? 2 : 10;
  const sites = options.quick ? [33] : [33, SITE_SIZE_MAX];
  const boards: BoardMemory[] = [];
  for (const siteBoards of sites) {
    // Every role at 33 boards and at the largest radio.siteSize.
    for (const role of ROLES) {
      process.stderr.write(`bench: board memory, ${role} of a ${siteBoards}-board site (32-bit XS, preload, ${minutes} min)\n`);
      boards.push(await measureBoardMemory({ role, siteBoards, minutes }));
    }
  }
  process.stderr.write(`bench: board memory, sensor of a 33-board site on the nRF52 image\n`);
  boards.push(await measureBoardMemory({ role: "sensor", siteBoards: 33, minutes, image: NRF52_MAIN }));
  process.stderr.write(`bench: board memory, the sensor's deepest stack with a log clean at each flash write of its first minute\n`);
  const stackWorstCase = await measureStackWorstCase("sensor", 33, STACK_CLEAN_WRITES);
  return { moduleLoadWithoutPreloadBytes: await moduleLoadWithoutPreload(), boards, stackWorstCase };
}

const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

export function formatBoardMemoryTable(bench: BoardMemoryBench): string {
  const platforms = platformCreations();
  const first = bench.boards[0];
  const lines = [
    `Module load: ${kb(bench.moduleLoadWithoutPreloadBytes)} of RAM without preload (module bodies and their byte code, 32-bit XS);` +
      (first === undefined ? "" : ` with preload ${kb(first.moduleLoadBytes)} (${first.aliases.toLocaleString("en-US")} aliases at 4 B, and the machine's own start), the rest in flash: preload adds ${kb(first.flashObjectsBytes)} of objects the module bodies created to the flash image (beside ${kb(first.flashCodeBytes)} of byte code, in flash with or without preload).`),
    "",
    "| image | role | site | boot heap | steady max (10 min) | stack peak | boot computrons | " + platforms.map((p) => `${p.name} (${kb(p.staticBytes)})`).join(" | ") + " |",
    "|---|---|---:|---:|---:|---:|---:|" + platforms.map(() => "---:|").join(""),
  ];
  for (const b of bench.boards) {
    const cells = platforms.map((p) => {
      const need = ramBytes(b, p);
      const headroom = 1 - need / p.staticBytes;
      return `${kb(need)} (${headroom >= 0 ? `${(100 * headroom).toFixed(0)} % free` : `over by ${kb(need - p.staticBytes)}`})`;
    });
    lines.push(
      `| ${b.image.replace("build/device/", "")} | ${b.role} | ${b.siteBoards} | ${kb(b.bootBytes)} | ${kb(b.steadyMaxBytes)} | ${b.stackPeakSlots} slots | ${b.bootComputrons.toLocaleString("en-US")} | ${cells.join(" | ")} |`,
    );
  }
  lines.push("", "A platform cell is what its `creation.static` must hold: steady max heap + aliases × 4 B + `creation.stack` slots × 16 B + `creation.keys.initial` × 4 B.");
  const worst = bench.stackWorstCase;
  if (worst !== undefined) {
    const deepest = Math.max(worst.worstSlots, ...bench.boards.map((b) => b.stackPeakSlots));
    lines.push(
      "",
      `Stack: the deepest JS stack is ${deepest} slots, with a sensor's log made to clean at each flash write of its first minute (${worst.peaks.join(", ")} slots); steady state reaches ${Math.max(...bench.boards.map((b) => b.stackPeakSlots))}. ` +
        `\`creation.stack\` must be at least ${Math.ceil(deepest * STACK_MARGIN)} slots (× ${STACK_MARGIN}); manifest.json gives ${platforms.map((p) => `${p.name} ${p.stackSlots}`).join(", ")}.`,
    );
  }
  lines.push("", "Budgets (asserted by test/xs/board-memory.test.ts):", "");
  for (const budget of MEMORY_BUDGETS) {
    const platform = platforms.find((p) => p.name === budget.platform);
    for (const role of budget.roles) {
      const b = bench.boards.find((m) => m.role === role && m.siteBoards === budget.siteBoards && m.image.endsWith("device/main.js") && !m.image.includes("nrf52"));
      const image = budget.platform === "nrf52" ? bench.boards.find((m) => m.role === role && m.siteBoards === budget.siteBoards && m.image.includes("nrf52")) ?? b : b;
      if (platform === undefined || image === undefined) continue;
      const free = headroomOf(image, platform);
      lines.push(`- ${role} of ${budget.siteBoards} on ${budget.platform}: needs ≥ ${(100 * budget.headroom).toFixed(0)} % free, has ${(100 * free).toFixed(0)} % (${free >= budget.headroom ? "met, asserted" : `not met, not asserted: ${kb(ramBytes(image, platform) - platform.staticBytes * (1 - budget.headroom))} too much`})`);
    }
  }
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const bench = await runBoardMemoryBench({ quick: process.argv.includes("--quick") });
  process.stdout.write(`${formatBoardMemoryTable(bench)}\n`);
}
