/**
 * The board's wiring, from `config.picketBoard` in manifest.json (per
 * platform): which flash partition holds the agent's store and how the
 * radio is connected. Kept apart from the site configuration
 * (`config.picket`) because it describes the hardware, not the site.
 *
 *     "picketBoard": {
 *       "storage": { "partition": "storage", "programAlignBytes": 4 },
 *       "lora": { "reset": 14, "interrupt": 26, "select": 18, "spiHz": 8000000,
 *                 "frequencyHz": 869525000, "transmitPowerDbm": 14 },
 *       "udp": { "port": 5683, "peerAddress": "239.0.0.83" }
 *     }
 *
 * `lora` is used by images built with the LoRa radio (profiles full and
 * sensor), `udp` by the udp profile; the SPI bus is the board's default
 * (`device.SPI.default`). Every field is checked and every bad one listed
 * with its path, the same way the site configuration is.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { ok, type Result } from "../../core/runtime/result";

export interface StorageWiring {
  readonly partition: string;
  readonly programAlignBytes: number;
}

export interface LoraWiring {
  readonly reset: number;
  readonly interrupt: number;
  readonly select: number;
  readonly spiHz: number;
  readonly frequencyHz: number;
  readonly transmitPowerDbm: number;
  /** Received frames waiting for the mesh task, bytes. */
  readonly receiveQueueBytes: number;
}

export interface UdpWiring {
  readonly port: number;
  readonly peerAddress: string;
  readonly receiveQueueBytes: number;
}

export interface BoardWiring {
  readonly storage: StorageWiring;
  readonly lora: LoraWiring;
  readonly udp: UdpWiring;
}

/** Defaults: a TTGO/Heltec-style ESP32 LoRa board (SX1276 on the default SPI bus), EU868 g3 sub-band (869.4-869.65 MHz, 10 % duty). */
export const DEFAULT_BOARD: BoardWiring = Object.freeze({
  storage: Object.freeze({ partition: "storage", programAlignBytes: 4 }),
  lora: Object.freeze({ reset: 14, interrupt: 26, select: 18, spiHz: 8_000_000, frequencyHz: 869_525_000, transmitPowerDbm: 14, receiveQueueBytes: 512 }),
  udp: Object.freeze({ port: 5683, peerAddress: "239.0.0.83", receiveQueueBytes: 4096 }),
});

type Raw = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is Raw {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Reader {
  readonly problems: string[] = [];

  section(raw: Raw, key: string, known: readonly string[]): Raw {
    const value = raw[key];
    if (value === undefined) return {};
    if (!isObject(value)) {
      this.problems.push(`picketBoard.${key}: must be an object`);
      return {};
    }
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length && i < 32; i++) {
      const name = keys[i] ?? "";
      if (!known.includes(name)) this.problems.push(`picketBoard.${key}.${name}: is not a board wiring field`);
    }
    return value;
  }

  int(raw: Raw, path: string, key: string, min: number, max: number, fallback: number): number {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      this.problems.push(`picketBoard.${path}.${key}: must be an integer`);
      return fallback;
    }
    if (value < min || value > max) {
      this.problems.push(`picketBoard.${path}.${key}: must be ${min}..${max}`);
      return fallback;
    }
    return value;
  }

  text(raw: Raw, path: string, key: string, maxLength: number, fallback: string): string {
    const value = raw[key];
    if (value === undefined) return fallback;
    if (typeof value !== "string" || value.length === 0 || value.length > maxLength) {
      this.problems.push(`picketBoard.${path}.${key}: must be a string of 1..${maxLength} characters`);
      return fallback;
    }
    return value;
  }
}

/** The wiring (defaults for what is absent), or every problem. */
export function readBoardWiring(raw: unknown): Result<BoardWiring> | { readonly ok: false; readonly code: ErrorCode; readonly problems: readonly string[] } {
  if (raw === undefined) return ok(DEFAULT_BOARD);
  const r = new Reader();
  if (!isObject(raw)) return { ok: false, code: ErrorCode.AgentBadConfig, problems: ["picketBoard: must be an object"] };
  const top = Object.keys(raw);
  for (let i = 0; i < top.length && i < 32; i++) {
    const name = top[i] ?? "";
    if (name !== "storage" && name !== "lora" && name !== "udp") r.problems.push(`picketBoard.${name}: is not a board wiring field`);
  }
  const s = r.section(raw, "storage", ["partition", "programAlignBytes"]);
  const l = r.section(raw, "lora", ["reset", "interrupt", "select", "spiHz", "frequencyHz", "transmitPowerDbm", "receiveQueueBytes"]);
  const u = r.section(raw, "udp", ["port", "peerAddress", "receiveQueueBytes"]);
  const d = DEFAULT_BOARD;
  const alignBytes = r.int(s, "storage", "programAlignBytes", 1, 256, d.storage.programAlignBytes);
  if ((alignBytes & (alignBytes - 1)) !== 0) r.problems.push("picketBoard.storage.programAlignBytes: must be a power of two");
  const wiring: BoardWiring = {
    storage: { partition: r.text(s, "storage", "partition", 16, d.storage.partition), programAlignBytes: alignBytes },
    lora: {
      reset: r.int(l, "lora", "reset", 0, 63, d.lora.reset),
      interrupt: r.int(l, "lora", "interrupt", 0, 63, d.lora.interrupt),
      select: r.int(l, "lora", "select", 0, 63, d.lora.select),
      spiHz: r.int(l, "lora", "spiHz", 100_000, 10_000_000, d.lora.spiHz),
      // SX1276/77/78/79 synthesiser range (datasheet Table 7: 137-1020 MHz).
      frequencyHz: r.int(l, "lora", "frequencyHz", 137_000_000, 1_020_000_000, d.lora.frequencyHz),
      // PA_BOOST output range (datasheet §5.4.3: +2..+20 dBm).
      transmitPowerDbm: r.int(l, "lora", "transmitPowerDbm", 2, 20, d.lora.transmitPowerDbm),
      receiveQueueBytes: r.int(l, "lora", "receiveQueueBytes", 512, 65_536, d.lora.receiveQueueBytes),
    },
    udp: {
      port: r.int(u, "udp", "port", 1, 65_535, d.udp.port),
      peerAddress: r.text(u, "udp", "peerAddress", 45, d.udp.peerAddress),
      receiveQueueBytes: r.int(u, "udp", "receiveQueueBytes", 512, 65_536, d.udp.receiveQueueBytes),
    },
  };
  if (r.problems.length > 0) return { ok: false, code: ErrorCode.AgentBadConfig, problems: r.problems };
  return ok(wiring);
}
