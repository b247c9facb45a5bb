/**
 * The board entry validates its compiled site configuration at module load
 * (agent/moddable/main.ts): with Moddable preload that runs at build time,
 * so the validated tree lives in flash and a board spends no RAM on it. A
 * boot uses that tree only when it is given the very configuration object
 * that was validated; any other is validated at run time, by the same
 * function. The module is loaded here after the stand-in's mc/config holds
 * the site, as a preloaded image sees it.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { boardFields, boardSiteConfig, BOARD_PARTITION_BLOCK_BYTES, provisionedPartition } from "../../host-sim/device-scenarios/board-mesh";
import { resetVirtual, setPartition, virtual } from "../../host-sim/moddable/control";
import type { SiteValidation } from "../../agent/config";
import type * as MainEntry from "../../agent/moddable/main";

type MainModule = typeof MainEntry;
const SITE = boardSiteConfig(4);
let entry: MainModule;

function allFrozen(value: unknown, path: string, notFrozen: string[]): void {
  if (typeof value !== "object" || value === null) return;
  if (!Object.isFrozen(value)) notFrozen.push(path);
  for (const [key, child] of Object.entries(value)) allFrozen(child, `${path}.${key}`, notFrozen);
}

function bootBoard(nodeId: number, picket: unknown): ReturnType<MainModule["default"]> {
  const partition = `storage-${nodeId}`;
  setPartition(partition, BOARD_PARTITION_BLOCK_BYTES, provisionedPartition(boardFields(nodeId, 4)));
  virtual.config = { picket, picketBoard: { storage: { partition } } };
  return entry.default();
}

beforeAll(async () => {
  resetVirtual({ picket: SITE });
  entry = await import("../../agent/moddable/main");
});

describe("the site configuration validated at module load", () => {
  it("is the validation of the compiled configuration, deep-frozen (preload keeps it in flash without aliases)", () => {
    const preloaded: SiteValidation = entry.preloadedSiteValidation();
    expect(preloaded.ok).toBe(true);
    if (!preloaded.ok) return;
    expect(preloaded.site.siteName).toBe(SITE["siteName"]);
    expect(preloaded.site.sensors.length).toBe(2);
    const notFrozen: string[] = [];
    allFrozen(preloaded, "validation", notFrozen);
    expect(notFrozen).toEqual([]);
  });

  it("a boot with that same configuration object runs on the preloaded tree (no run-time copy of sensors, radio, uplink)", () => {
    const preloaded = entry.preloadedSiteValidation();
    if (!preloaded.ok) throw new Error("the site did not validate");
    const booted = bootBoard(2, SITE);
    expect(booted.ok).toBe(true);
    if (!booted.ok) return;
    expect(booted.agent.config.sensors).toBe(preloaded.site.sensors);
    expect(booted.agent.config.radio).toBe(preloaded.site.radio);
    expect(booted.agent.config.uplink).toBe(preloaded.site.uplink);
    expect(booted.agent.config.nodeId).toBe(2);
  });

  it("a boot with any other configuration object validates it at run time, and its values win", () => {
    const preloaded = entry.preloadedSiteValidation();
    if (!preloaded.ok) throw new Error("the site did not validate");
    const other = { ...SITE, siteName: "another-site" };
    const booted = bootBoard(3, other);
    expect(booted.ok).toBe(true);
    if (!booted.ok) return;
    expect(booted.agent.config.siteName).toBe("another-site");
    expect(booted.agent.config.sensors).not.toBe(preloaded.site.sensors);
    expect(booted.agent.config.sensors).toEqual(preloaded.site.sensors);
  });

  it("a bad configuration given at run time is refused with its own problems, not the preloaded verdict", () => {
    const booted = bootBoard(4, { ...SITE, sampleIntervalMs: 1 });
    expect(booted.ok).toBe(false);
    if (booted.ok) return;
    expect(booted.stage).toBe("config");
    expect(booted.problems.some((p) => p.startsWith("sampleIntervalMs:"))).toBe(true);
  });
});
