/**
 * Site configuration validation (agent/config.ts): every bad field is
 * reported at once, with its path and a specific problem code; defaults
 * fill what is optional; nothing ever throws. The compiled site
 * configuration names no board (nodeId and role are refused); a board's
 * identity is merged in by boardConfig.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CAPACITY_DEFAULTS,
  ConfigProblemCode,
  RADIO_DEFAULTS,
  SensorDriver,
  UPLINK_DEFAULTS,
  AgentRole,
  boardConfig,
  formatConfigProblems,
  validateSiteConfig,
  type CompiledSiteConfig,
  type ConfigProblem,
} from "../../agent/config";
import { SensorPart } from "../../agent/sensor-parts";
import { RuleDirection, RuleSource } from "../../core/telemetry/config";
import { testConfigJson } from "./helpers";

function problemsOf(raw: unknown): readonly ConfigProblem[] {
  const validation = validateSiteConfig(raw);
  if (validation.ok) throw new Error("expected the configuration to be refused");
  return validation.problems;
}

function codeAt(problems: readonly ConfigProblem[], field: string): number | undefined {
  return problems.find((p) => p.field === field)?.code;
}

describe("site configuration", () => {
  it("accepts the manifest's configuration and fills every default", () => {
    const manifest = JSON.parse(readFileSync("manifest.json", "utf8")) as { config: { picket: unknown } };
    const validation = validateSiteConfig(manifest.config.picket);
    expect(validation.ok).toBe(true);
    if (!validation.ok) return;
    const config = validation.site;
    expect(config).not.toHaveProperty("nodeId");
    expect(config).not.toHaveProperty("role");
    expect(config.sensors).toHaveLength(1);
    expect(config.sensors[0]?.part).toBe(SensorPart.Tmp117);
    expect(config.sensors[0]?.driver).toBe(SensorDriver.Sim);
    expect(config.sensors[0]?.intervalMs).toBe(config.sampleIntervalMs);
    expect(config.gateways).toEqual([]);
    expect(config.uplink).toEqual(UPLINK_DEFAULTS);
    expect(config.radio).toEqual(RADIO_DEFAULTS);
    expect(config.capacities).toEqual(CAPACITY_DEFAULTS);
    expect(config.keys).toBeUndefined();
  });

  it("turns names into numeric codes once (parts, drivers, rule sources and directions)", () => {
    const validation = validateSiteConfig(
      testConfigJson({
        sensors: [{ part: "lis3dh", driver: "hardware", address: 0x19, rules: [{ channel: 2, source: "absDelta", direction: "below", threshold: 5, deltaWindowMs: 60_000 }] }],
        keys: { authorityCommitment: "AB".repeat(32), keyEpoch: 3 },
      }),
    );
    expect(validation.ok).toBe(true);
    if (!validation.ok) return;
    const sensor = validation.site.sensors[0];
    expect(sensor?.part).toBe(SensorPart.Lis3dh);
    expect(sensor?.driver).toBe(SensorDriver.Hardware);
    expect(sensor?.address).toBe(0x19);
    expect(sensor?.rules[0]).toEqual({ channel: 2, source: RuleSource.AbsDelta, direction: RuleDirection.Below, threshold: 5, hysteresis: 0, minDurationMs: 0, deltaWindowMs: 60_000 });
    expect(validation.site.keys).toEqual({ authorityCommitment: "ab".repeat(32), keyEpoch: 3, groupId: 1 });
  });

  it("reports every bad field at once, each with its path and specific code", () => {
    const problems = problemsOf({
      siteName: "",
      nodeId: 0,
      role: "relay",
      sampleIntervalMs: 1.5,
      sampleRingCapacity: 0,
      timerCapacity: 2,
      neighbourCapacity: "32",
      colour: "blue",
      sensors: [{ part: "tmp117", intervalMs: 5, rules: [{ channel: 3, direction: "sideways" }] }, "tmp117"],
      gateways: [7, 7, 0],
      uplink: { intervalMs: 50, alertRetryBaseMs: 5_000, alertRetryCapMs: 1_000 },
      radio: { meshTickMs: 0, spreadingFactor: 7 },
      capacities: { outboxRecords: 1 },
      keys: { authorityCommitment: "xyz", groupId: 65_536 },
    });
    const expected: readonly (readonly [string, number])[] = [
      ["siteName", ConfigProblemCode.TooLong],
      ["nodeId", ConfigProblemCode.PerBoard],
      ["role", ConfigProblemCode.PerBoard],
      ["sampleIntervalMs", ConfigProblemCode.WrongType],
      ["sampleRingCapacity", ConfigProblemCode.OutOfRange],
      ["neighbourCapacity", ConfigProblemCode.WrongType],
      ["colour", ConfigProblemCode.UnknownField],
      ["sensors[0].intervalMs", ConfigProblemCode.OutOfRange],
      ["sensors[0].rules[0].channel", ConfigProblemCode.Inconsistent],
      ["sensors[0].rules[0].direction", ConfigProblemCode.NotOneOf],
      ["sensors[0].rules[0].threshold", ConfigProblemCode.Missing],
      ["sensors[1]", ConfigProblemCode.WrongType],
      ["gateways[1]", ConfigProblemCode.Duplicate],
      ["gateways[2]", ConfigProblemCode.OutOfRange],
      ["uplink.intervalMs", ConfigProblemCode.OutOfRange],
      ["uplink.alertRetryCapMs", ConfigProblemCode.Inconsistent],
      ["radio.meshTickMs", ConfigProblemCode.OutOfRange],
      ["radio.spreadingFactor", ConfigProblemCode.UnknownField],
      ["capacities.outboxRecords", ConfigProblemCode.OutOfRange],
      ["keys.authorityCommitment", ConfigProblemCode.BadHex],
      ["keys.groupId", ConfigProblemCode.OutOfRange],
    ];
    for (const [field, code] of expected) expect(codeAt(problems, field), field).toBe(code);
    expect(problems.length).toBeGreaterThanOrEqual(expected.length);
    expect(formatConfigProblems(problems)).toContain("nodeId: is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration");
  });

  it("radio.keyCacheCapacity (the receive-key cache of the group-secret scheme) is gone: a configuration that names it is refused naming the field", () => {
    const problems = problemsOf(testConfigJson({ radio: { keyCacheCapacity: 16 } }));
    expect(problems.map((p) => [p.field, p.code])).toEqual([["radio.keyCacheCapacity", ConfigProblemCode.UnknownField]]);
    expect(Object.keys(RADIO_DEFAULTS)).not.toContain("keyCacheCapacity");
  });

  it("requires one timer per sensor plus the agent's own", () => {
    const problems = problemsOf(testConfigJson({ timerCapacity: 4 }));
    expect(problems).toEqual([{ field: "timerCapacity", code: ConfigProblemCode.Inconsistent, reason: "must be at least 5 (one per sensor + 3)" }]);
  });

  it("requires deltaWindowMs for delta rules and refuses it for value rules", () => {
    const problems = problemsOf(
      testConfigJson({
        sensors: [{ part: "bmp280", rules: [{ direction: "above", threshold: 1, source: "delta" }, { direction: "above", threshold: 1, deltaWindowMs: 10 }] }],
      }),
    );
    expect(codeAt(problems, "sensors[0].rules[0].deltaWindowMs")).toBe(ConfigProblemCode.Missing);
    expect(codeAt(problems, "sensors[0].rules[1].deltaWindowMs")).toBe(ConfigProblemCode.Inconsistent);
  });

  it("refuses nodeId and role in the compiled configuration, and nothing else about a valid one", () => {
    expect(problemsOf({ ...testConfigJson(), nodeId: 5 })).toEqual([
      { field: "nodeId", code: ConfigProblemCode.PerBoard, reason: "is per board: it comes from the board's provisioning record (picket provision --node-id / --role), not the site configuration" },
    ]);
    expect(problemsOf({ ...testConfigJson(), role: "gateway" }).map((p) => [p.field, p.code])).toEqual([["role", ConfigProblemCode.PerBoard]]);
  });

  it("refuses too many sensors and none", () => {
    const nine = Array.from({ length: 9 }, () => ({ part: "contact" }));
    expect(codeAt(problemsOf(testConfigJson({ sensors: nine })), "sensors")).toBe(ConfigProblemCode.TooMany);
    expect(codeAt(problemsOf(testConfigJson({ sensors: [] })), "sensors")).toBe(ConfigProblemCode.OutOfRange);
  });

  it("refuses a root that is not an object", () => {
    for (const raw of [null, 7, "config", [], undefined]) {
      expect(problemsOf(raw)).toEqual([{ field: "(root)", code: ConfigProblemCode.NotAnObject, reason: "must be an object" }]);
    }
  });

  it("never throws, and refuses or accepts with a well-formed answer, on any input", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.record({ sensors: fc.anything(), uplink: fc.anything(), radio: fc.anything(), gateways: fc.anything() })), (raw) => {
        const validation = validateSiteConfig(raw);
        if (validation.ok) return;
        expect(validation.problems.length).toBeGreaterThan(0);
        for (const problem of validation.problems) expect(Object.values(ConfigProblemCode)).toContain(problem.code);
      }),
      { numRuns: 300, seed: 7 },
    );
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom(...Object.keys(testConfigJson())), fc.anything()), (patch) => {
        const validation = validateSiteConfig({ ...testConfigJson(), ...patch });
        if (!validation.ok) expect(validation.problems.length).toBeGreaterThan(0);
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});

describe("a board's configuration (boardConfig: the site's, with the identity from its record)", () => {
  function site(overrides: Record<string, unknown> = {}): CompiledSiteConfig {
    const validation = validateSiteConfig(testConfigJson(overrides));
    if (!validation.ok) throw new Error(formatConfigProblems(validation.problems));
    return validation.site;
  }

  it("merges the node id and role in, and keeps everything else of the site", () => {
    const shared = site();
    const merged = boardConfig(shared, { nodeId: 9, role: AgentRole.Gateway });
    expect(merged.ok && merged.config).toEqual({ ...shared, nodeId: 9, role: AgentRole.Gateway });
  });

  it("gives a relay no sensors (it only carries the mesh)", () => {
    const merged = boardConfig(site(), { nodeId: 9, role: AgentRole.Relay });
    expect(merged.ok && merged.config.sensors).toEqual([]);
    expect(merged.ok && merged.config.gateways).toEqual([1, 2]);
  });

  it("refuses a board the site lists as a gateway unless its role is gateway", () => {
    const merged = boardConfig(site({ gateways: [4, 5] }), { nodeId: 5, role: AgentRole.Sensor });
    expect(merged.ok ? [] : merged.problems).toEqual([{ field: "gateways[1]", code: ConfigProblemCode.Inconsistent, reason: "lists this board (node 5) as a gateway, but its role is sensor" }]);
    expect(boardConfig(site({ gateways: [4, 5] }), { nodeId: 5, role: AgentRole.Gateway }).ok).toBe(true);
  });

  it("puts preferred gateways first and refuses one the site does not list or one preferred twice", () => {
    const merged = boardConfig(site({ gateways: [1, 2, 3] }), { nodeId: 9, role: AgentRole.Sensor, preferredGateways: [3, 1] });
    expect(merged.ok && merged.config.gateways).toEqual([3, 1, 2]);
    const bad = boardConfig(site({ gateways: [1, 2] }), { nodeId: 9, role: AgentRole.Sensor, preferredGateways: [4, 2, 2] });
    expect(bad.ok ? [] : bad.problems).toEqual([
      { field: "gateways", code: ConfigProblemCode.Inconsistent, reason: "the board prefers gateway 4, which the site configuration does not list" },
      { field: "gateways", code: ConfigProblemCode.Duplicate, reason: "the board prefers gateway 2 twice" },
    ]);
  });

  it("refuses a node id outside 1..65534 and a role it does not know", () => {
    for (const nodeId of [0, 0xffff, 1.5, -1]) {
      const merged = boardConfig(site(), { nodeId, role: AgentRole.Sensor });
      expect(merged.ok ? [] : merged.problems.map((p) => [p.field, p.code]), String(nodeId)).toEqual([["nodeId", ConfigProblemCode.OutOfRange]]);
    }
    const merged = boardConfig(site(), { nodeId: 5, role: "boss" as AgentRole });
    expect(merged.ok ? [] : merged.problems).toEqual([{ field: "role", code: ConfigProblemCode.NotOneOf, reason: "must be one of sensor, relay, gateway, anchor" }]);
  });
});
