/**
 * The seed suite body shared by the two seed files (split so vitest runs
 * them in parallel): every run checks every kernel and mesh invariant after
 * every event; each family then checks and prints its aggregate delivery.
 */
import { afterAll, describe, expect, it } from "vitest";
import { MeshCounter } from "../../core/mesh/index";
import { runMesh, ratio } from "../core/mesh/helpers";
import { familyRun, type SeedFamily } from "../core/mesh/plan";

interface Totals {
  runs: number;
  broadcastsSent: number;
  broadcastExpected: number;
  broadcastDelivered: number;
  relays: number;
  unicastsSent: number;
  unicastDelivered: number;
  unicastAcked: number;
  forgedDropped: number;
  replayDropped: number;
  attacks: number;
  framesChecked: number;
  dutyHeld: number;
  transmissionsChecked: number;
}

export function seedSuite(title: string, families: readonly SeedFamily[]): void {
  const rows: string[] = [];
  describe(title, () => {
    for (const family of families) {
      const totals: Totals = { runs: 0, broadcastsSent: 0, broadcastExpected: 0, broadcastDelivered: 0, relays: 0, unicastsSent: 0, unicastDelivered: 0, unicastAcked: 0, forgedDropped: 0, replayDropped: 0, attacks: 0, framesChecked: 0, dutyHeld: 0, transmissionsChecked: 0 };
      describe(family.name, () => {
        for (let k = 0; k < family.seeds; k++) {
          const spec = familyRun(family, k);
          it(`${spec.name} loss ${spec.lossPpm ?? 0} ppm seed ${spec.seed}: no forged/replayed frame accepted, duty cycle kept, each message at most once`, () => {
            const run = runMesh(spec);
            const summary = run.summary;
            const why = summary.violation === undefined ? summary.state : `${summary.violation.invariant} at event ${summary.violation.eventIndex}: ${summary.violation.detail}`;
            expect(summary.ok, why).toBe(true);
            const stats = run.workload.stats;
            expect(stats.corruptDeliveries).toBe(0);
            expect(run.workload.oracle.framesChecked).toBeGreaterThan(0);
            const t = run.workload.transportTotals();
            totals.runs++;
            totals.broadcastsSent += stats.broadcastsSent;
            totals.broadcastExpected += stats.broadcastExpected;
            totals.broadcastDelivered += stats.broadcastDelivered;
            totals.relays += t["frames_relayed"] ?? 0;
            totals.unicastsSent += stats.unicastsSent;
            totals.unicastDelivered += stats.unicastDelivered;
            totals.unicastAcked += stats.unicastAcked;
            // Forgeries by the outside attacker fail the hop tag (under F) before the end-to-end tag.
            totals.forgedDropped += (t["drop_forged"] ?? 0) + (t["drop_hop_forged"] ?? 0);
            totals.replayDropped += (t["drop_replay"] ?? 0) + (t["drop_duplicate"] ?? 0);
            totals.framesChecked += run.workload.oracle.framesChecked;
            totals.transmissionsChecked += run.workload.oracle.transmissionsChecked;
            totals.dutyHeld += (t["duty_cycle_held"] ?? 0) + (t["relay_duty_cycle_dropped"] ?? 0);
            const attacker = spec.attack === undefined ? undefined : run.workload.nodes[spec.attack.node]?.attackActions;
            if (attacker !== undefined) {
              totals.attacks += attacker.forged + attacker.replayed + attacker.tampered + attacker.spoofed;
              expect(attacker.forged + attacker.replayed + attacker.tampered + attacker.spoofed).toBeGreaterThan(0);
            }
            // Unicast: never delivered more often than sent (exactly once when delivered, checked per event).
            expect(stats.unicastDelivered).toBeLessThanOrEqual(stats.unicastsSent);
          });
        }
        it(`${family.name}: aggregate broadcast delivery to nodes within the hop limit is at least ${family.minBroadcastRatio}`, () => {
          expect(totals.runs).toBe(family.seeds);
          const delivery = ratio(totals.broadcastDelivered, totals.broadcastExpected);
          rows.push(
            `| ${family.name} | ${family.nodes.join("/")} | ${family.lossPpm.map((p) => p / 10_000).join("/")} % | ${family.seeds} | ${delivery.toFixed(3)} | ${(totals.relays / Math.max(1, totals.broadcastsSent + totals.unicastsSent)).toFixed(1)} | ${ratio(totals.unicastDelivered, totals.unicastsSent).toFixed(3)} | ${ratio(totals.unicastAcked, totals.unicastsSent).toFixed(3)} | ${family.attack === true ? `${totals.attacks} attacks, ${totals.forgedDropped} forged dropped` : family.config?.dutyWindowMs !== undefined ? `budget bound ${totals.dutyHeld} times` : "-"} |`,
          );
          expect(delivery).toBeGreaterThanOrEqual(family.minBroadcastRatio);
          if (family.minUnicastAckedRatio !== undefined) expect(ratio(totals.unicastAcked, totals.unicastsSent)).toBeGreaterThanOrEqual(family.minUnicastAckedRatio);
          if (family.attack === true) expect(totals.forgedDropped).toBeGreaterThan(0);
          if (family.config?.dutyWindowMs !== undefined) expect(totals.dutyHeld, "the tight budget never bound").toBeGreaterThan(0);
        });
      });
    }
  });
  afterAll(() => {
    process.stdout.write(
      `\n${title}\n| family | nodes | loss | seeds | broadcast delivery | relays per message | unicast delivered | unicast acked | notes |\n|---|---|---|---:|---:|---:|---:|---:|---|\n${rows.join("\n")}\n`,
    );
  });
}
