/** config.picketBoard (agent/moddable/board.ts): defaults, manifest.json's own wiring, and every bad field listed with its path. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { DEFAULT_BOARD, readBoardWiring } from "../../agent/moddable/board";
import { ErrorCode } from "../../core/runtime/errors";
import { manifestIncludesFor, type PlatformManifest } from "../../tools/build/moddable-modules";

describe("board wiring (config.picketBoard)", () => {
  it("absent wiring means the defaults; manifest.json's wiring is valid and names its partition", () => {
    const none = readBoardWiring(undefined);
    expect(none.ok && none.value).toEqual(DEFAULT_BOARD);
    const manifest = JSON.parse(readFileSync("manifest.json", "utf8")) as PlatformManifest & { config: { picketBoard: unknown } };
    const wiring = readBoardWiring(manifest.config.picketBoard);
    expect(wiring.ok && wiring.value.storage.partition).toBe("storage");
    for (const platform of ["esp32", "esp32/esp32c3", "nrf52"] as const) {
      expect(manifestIncludesFor(manifest, platform), platform).toEqual(
        expect.arrayContaining(["$(MODDABLE)/modules/files/flash/manifest.json", "$(MODDABLE)/modules/drivers/sx127x/manifest.json"]),
      );
    }
  });

  it("partial wiring keeps the defaults for what it leaves out", () => {
    const wiring = readBoardWiring({ lora: { frequencyHz: 868_100_000 }, udp: { port: 6000 } });
    expect(wiring.ok && wiring.value.lora).toEqual({ ...DEFAULT_BOARD.lora, frequencyHz: 868_100_000 });
    expect(wiring.ok && wiring.value.udp.port).toBe(6000);
  });

  it("lists every bad field with its path (AgentBadConfig)", () => {
    const read = readBoardWiring({
      storage: { partition: "", programAlignBytes: 3 },
      lora: { reset: 64, frequencyHz: 2_400_000_000, transmitPowerDbm: 1.5, antenna: "whip" },
      udp: "5683",
      radio: {},
    });
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.code).toBe(ErrorCode.AgentBadConfig);
    expect("problems" in read ? read.problems : []).toEqual([
      "picketBoard.radio: is not a board wiring field",
      "picketBoard.lora.antenna: is not a board wiring field",
      "picketBoard.udp: must be an object",
      "picketBoard.storage.programAlignBytes: must be a power of two",
      "picketBoard.storage.partition: must be a string of 1..16 characters",
      "picketBoard.lora.reset: must be 0..63",
      "picketBoard.lora.frequencyHz: must be 137000000..1020000000",
      "picketBoard.lora.transmitPowerDbm: must be an integer",
    ]);
    expect(readBoardWiring([1]).ok).toBe(false);
  });
});
