/**
 * What one board's RAM holds, by kind and prototype: the board-memory
 * measurement (test/xs/board-memory.ts: the literal image on 32-bit XS with
 * preload emulated) with picket-xs's heap census after boot and at the end,
 * and the preloaded instances that cost an alias.
 *
 *   npx tsx test/xs/board-census.ts [sensor|relay|gateway] [site boards] [minutes] [rows]
 *
 * Rows: instances, slots (16 B each), chunk bytes owned, then the kind and
 * the prototype's constructor name (minified in the bundle). The boot
 * census includes the flash partition's stand-in (an ArrayBuffer), which
 * the board-memory figures leave out.
 */
import { measureBoardMemory, type BoardRole, type CensusRow } from "./board-memory";

const role = (process.argv[2] ?? "sensor") as BoardRole;
const siteBoards = Number(process.argv[3] ?? 33);
const minutes = Number(process.argv[4] ?? 1);
const rows = Number(process.argv[5] ?? 40);
const m = await measureBoardMemory({ role, siteBoards, minutes, census: true }, `census-${role}-${siteBoards}`);

function show(title: string, census: readonly CensusRow[]): void {
  let slots = 0;
  let chunk = 0;
  let instances = 0;
  for (const r of census) {
    slots += r.slots;
    chunk += r.chunkBytes;
    instances += r.instances;
  }
  console.log(`== ${title}: ${instances} instances, ${slots} slots (${slots * m.slotBytes} B), ${chunk} chunk B`);
  for (const r of census.slice(0, rows)) console.log(String(r.instances).padStart(6), String(r.slots).padStart(6), String(r.chunkBytes).padStart(7), r.name);
}

console.log(`${role} of ${siteBoards}: boot ${m.bootBytes} B, steady max ${m.steadyMaxBytes} B, aliases ${m.aliases}, stack peak ${m.stackPeakSlots} slots (boot ${m.bootStackSlots}, callbacks ${m.callbackStackSlots}), boot ${m.bootComputrons} computrons`);
if (m.census !== undefined) {
  show("after boot", m.census.boot);
  show("at the end", m.census.end);
  show("preloaded instances with an alias", m.census.aliased);
}
