/**
 * Mesh simulation over many seeds (README "Mesh transport"), part 2: random
 * geometric graphs of 20-60 nodes, with and without an attacker that
 * forges, replays, tampers with and spoofs frames.
 */
import { expect, it } from "vitest";
import { SEED_FAMILIES } from "../core/mesh/plan";
import { seedSuite } from "./mesh-seed-suite";

seedSuite(
  "mesh seeds: random geometric, attacked",
  SEED_FAMILIES.filter((f) => f.name === "random" || f.name === "attacked"),
);

it("the plan covers at least 200 seeds over line, grid, random geometric and link topologies of 10-200 nodes, 0-30 % loss", () => {
  expect(SEED_FAMILIES.reduce((sum, f) => sum + f.seeds, 0)).toBeGreaterThanOrEqual(200);
  const nodes = SEED_FAMILIES.flatMap((f) => f.nodes);
  expect(Math.min(...nodes)).toBe(10);
  expect(Math.max(...nodes)).toBe(200);
  expect(Math.max(...SEED_FAMILIES.flatMap((f) => f.lossPpm))).toBe(300_000);
  expect(new Set(SEED_FAMILIES.map((f) => f.topology))).toEqual(new Set(["line", "grid", "random", "links"]));
});
