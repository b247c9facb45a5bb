/**
 * Mesh simulation over many seeds (README "Mesh transport"), part 1: lines,
 * grids, explicit link graphs, the large random geometric graphs, and a
 * duty-cycle budget small enough to bind.
 * Every kernel and mesh invariant is checked after every event.
 */
import { SEED_FAMILIES } from "../core/mesh/plan";
import { seedSuite } from "./mesh-seed-suite";

seedSuite(
  "mesh seeds: line, grid, links, large, tight duty cycle",
  SEED_FAMILIES.filter((f) => f.name !== "random" && f.name !== "attacked"),
);
