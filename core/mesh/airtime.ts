/**
 * Time on air of a LoRa frame, in integer microseconds (README "Mesh transport").
 *
 * Semtech SX1276/77/78/79 datasheet rev. 7, §4.1.1.7 "Time on air" (also
 * AN1200.13 "LoRa Modem Designer's Guide" §4):
 *
 *   Tsym        = 2^SF / BW
 *   Tpreamble   = (Npreamble + 4.25) * Tsym
 *   payloadSymb = 8 + max(ceil((8 PL - 4 SF + 28 + 16 CRC - 20 IH) / (4 (SF - 2 DE))) * (CR + 4), 0)
 *   Tpacket     = Tpreamble + payloadSymb * Tsym
 *
 * PL payload bytes, CRC 1 when the payload CRC is on, IH 1 for implicit
 * header mode, DE 1 when low data rate optimisation is on (§4.1.1.6: it is
 * mandated when Tsym exceeds 16 ms), CR 1..4 for coding rates 4/5..4/8.
 *
 * Everything is integer: bandwidths are accepted only when Tsym is a whole
 * number of microseconds (7.8/10.4/15.6/20.8/41.7 kHz are refused), the
 * 4.25-symbol preamble tail is counted in quarter symbols, and the total is
 * rounded up (the duty-cycle budget must never be undercounted). A lookup
 * is a few integer operations on constants fixed at create; it allocates
 * nothing (a table of every length would cost its bytes of RAM per radio).
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result } from "../runtime/result";

export interface LoRaParams {
  /** Spreading factor 6..12 (SF6 needs implicit header mode). */
  readonly spreadingFactor: number;
  /** Bandwidth in Hz, e.g. 125_000, 250_000, 500_000. */
  readonly bandwidthHz: number;
  /** Coding rate denominator 5..8 (4/5..4/8). */
  readonly codingRateDenominator: number;
  /** Preamble symbols programmed in the modem (RegPreamble), 6..65535. */
  readonly preambleSymbols: number;
  readonly crcOn: boolean;
  readonly implicitHeader: boolean;
  /** Force low data rate optimisation on; it is on anyway when Tsym > 16 ms. */
  readonly lowDataRateOptimize?: boolean;
}

/** Largest LoRa payload (the FIFO holds 256 bytes; RegPayloadLength is 8 bits). */
export const LORA_PAYLOAD_MAX_BYTES = 255;
const LDRO_SYMBOL_US = 16_000;

/** Symbol time in whole microseconds, or -1 when the parameters are invalid or not integral. */
export function loraSymbolUs(p: LoRaParams): number {
  const sf = p.spreadingFactor;
  if ((sf | 0) !== sf || sf < 6 || sf > 12) return -1;
  const bw = p.bandwidthHz;
  if ((bw >>> 0) !== bw || bw < 1) return -1;
  const numerator = (1 << sf) * 1_000_000;
  if (numerator % bw !== 0) return -1;
  return numerator / bw;
}

function validParams(p: LoRaParams): boolean {
  const cr = p.codingRateDenominator;
  const pre = p.preambleSymbols;
  if ((cr | 0) !== cr || cr < 5 || cr > 8) return false;
  if ((pre | 0) !== pre || pre < 6 || pre > 0xffff) return false;
  if (p.spreadingFactor === 6 && !p.implicitHeader) return false; // datasheet §4.1.1.2
  return loraSymbolUs(p) > 0;
}

/**
 * Time on air in microseconds (rounded up) of a LoRa frame of
 * `payloadBytes`, or -1 for invalid parameters or length.
 */
export function loraAirtimeUs(p: LoRaParams, payloadBytes: number): number {
  if (!validParams(p)) return -1;
  if ((payloadBytes | 0) !== payloadBytes || payloadBytes < 0 || payloadBytes > LORA_PAYLOAD_MAX_BYTES) return -1;
  const sf = p.spreadingFactor;
  const symbolUs = loraSymbolUs(p);
  const de = p.lowDataRateOptimize === true || symbolUs > LDRO_SYMBOL_US ? 1 : 0;
  const cr = p.codingRateDenominator - 4;
  const numerator = 8 * payloadBytes - 4 * sf + 28 + (p.crcOn ? 16 : 0) - (p.implicitHeader ? 20 : 0);
  const denominator = 4 * (sf - 2 * de);
  const blocks = numerator > 0 ? Math.floor((numerator + denominator - 1) / denominator) : 0;
  const payloadSymbols = 8 + blocks * (cr + 4);
  // (Npreamble + 4.25) symbols = (4 Npreamble + 17) quarter symbols.
  const preambleQuarterUs = (4 * p.preambleSymbols + 17) * symbolUs;
  return Math.floor((preambleQuarterUs + 3) / 4) + payloadSymbols * symbolUs;
}

/**
 * Airtime by frame length for one radio's parameters (frame lengths
 * 0..maxFrameBytes). Computed per call from constants fixed at create,
 * with exactly the arithmetic of `loraAirtimeUs` (or the bit-rate formula).
 */
export class AirtimeTable {
  private readonly maxFrameBytes_: number;
  /**
   * LoRa: the formula's divisor 4 (SF - 2 DE) (at least 16: SF >= 6, DE 0/1); 0 for a plain
   * bit-rate link. The fields below serve both kinds (each field is a heap slot on XS).
   */
  private readonly divisor_: number;
  /** LoRa: symbol time (µs); bit rate: bits per second. */
  private readonly symbolUs_: number;
  /** LoRa: the coding rate's denominator (CR + 4, 5..8). */
  private readonly codingRate_: number;
  /** LoRa: the length-independent bits of the formula. */
  private readonly headerBits_: number;
  /** LoRa: preamble time (µs); bit rate: fixed per-frame overhead (µs). */
  private readonly preambleUs_: number;

  /** Errors: InvalidArgument for bad parameters or a max length past the LoRa limit. */
  static forLoRa(p: LoRaParams, maxFrameBytes: number): Result<AirtimeTable> {
    if ((maxFrameBytes | 0) !== maxFrameBytes || maxFrameBytes < 1 || maxFrameBytes > LORA_PAYLOAD_MAX_BYTES || !validParams(p)) {
      return err(ErrorCode.InvalidArgument);
    }
    const symbolUs = loraSymbolUs(p);
    const de = p.lowDataRateOptimize === true || symbolUs > LDRO_SYMBOL_US ? 1 : 0;
    const headerBits = -4 * p.spreadingFactor + 28 + (p.crcOn ? 16 : 0) - (p.implicitHeader ? 20 : 0);
    // (Npreamble + 4.25) symbols = (4 Npreamble + 17) quarter symbols.
    const preambleUs = Math.floor(((4 * p.preambleSymbols + 17) * symbolUs + 3) / 4);
    return ok(new AirtimeTable(maxFrameBytes, 4 * (p.spreadingFactor - 2 * de), symbolUs, p.codingRateDenominator, headerBits, preambleUs));
  }

  /**
   * A plain bit-rate link (Wi-Fi UDP): fixed per-frame overhead plus
   * length x 8 / bitrate, rounded up.
   */
  static forBitRate(bitsPerSecond: number, overheadUs: number, maxFrameBytes: number): Result<AirtimeTable> {
    if ((bitsPerSecond >>> 0) !== bitsPerSecond || bitsPerSecond < 1) return err(ErrorCode.InvalidArgument);
    if ((overheadUs >>> 0) !== overheadUs || (maxFrameBytes | 0) !== maxFrameBytes || maxFrameBytes < 1 || maxFrameBytes > 0xffff) {
      return err(ErrorCode.InvalidArgument);
    }
    return ok(new AirtimeTable(maxFrameBytes, 0, bitsPerSecond, 0, 0, overheadUs));
  }

  private constructor(maxFrameBytes: number, divisor: number, symbolUs: number, codingRate: number, headerBits: number, preambleUs: number) {
    this.maxFrameBytes_ = maxFrameBytes;
    this.divisor_ = divisor;
    this.symbolUs_ = symbolUs;
    this.codingRate_ = codingRate;
    this.headerBits_ = headerBits;
    this.preambleUs_ = preambleUs;
  }

  get maxFrameBytes(): number {
    return this.maxFrameBytes_;
  }

  /** Airtime of a frame of `lengthBytes` in µs; -1 past maxFrameBytes. */
  airtimeUs(lengthBytes: number): number {
    if ((lengthBytes >>> 0) !== lengthBytes || lengthBytes > this.maxFrameBytes_) return -1;
    const divisor = this.divisor_;
    if (divisor === 0) {
      const bps = this.symbolUs_;
      return this.preambleUs_ + Math.floor((lengthBytes * 8 * 1_000_000 + bps - 1) / bps);
    }
    // loraAirtimeUs, with its length-independent terms taken at create.
    const numerator = 8 * lengthBytes + this.headerBits_;
    const blocks = numerator > 0 ? Math.floor((numerator + divisor - 1) / divisor) : 0;
    return this.preambleUs_ + (8 + blocks * this.codingRate_) * this.symbolUs_;
  }
}
