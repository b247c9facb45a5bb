/**
 * compactMeshConfig (core/mesh/mesh-config.ts), the form the transport keeps
 * its configuration in: every field reads exactly as in the configuration it
 * came from, only the fields that differ from the defaults are its own (the
 * defaults are its frozen prototype), and it is frozen.
 */
import { describe, expect, it } from "vitest";
import { MESH_CONFIG_DEFAULTS, compactMeshConfig, meshConfig, type MeshConfig } from "../../../core/mesh/mesh-config";

describe("compactMeshConfig", () => {
  it("reads every field as the full configuration does; only differences are own properties", () => {
    const full = meshConfig({ maxMessageBytes: 192, relaySlots: 6, queueCapacityBytes: [207, 207, 414], hopRetriesMax: 4, rateHashSeed: 0x1234_5678 });
    const compact = compactMeshConfig(full);
    for (const key of Object.keys(MESH_CONFIG_DEFAULTS) as (keyof MeshConfig)[]) expect(compact[key], key).toBe(full[key]);
    expect(Object.keys(compact).sort()).toEqual(["hopRetriesMax", "maxMessageBytes", "queueCapacityBytes", "rateHashSeed", "relaySlots"]);
    expect(Object.getPrototypeOf(compact)).toBe(MESH_CONFIG_DEFAULTS);
    expect(Object.isFrozen(compact)).toBe(true);
  });

  it("the defaults alone give an object with no own fields", () => {
    const compact = compactMeshConfig(meshConfig({}));
    expect(Object.keys(compact)).toEqual([]);
    expect(compact.relaySlots).toBe(MESH_CONFIG_DEFAULTS.relaySlots);
  });
});
