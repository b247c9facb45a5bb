/**
 * The host end of the site's gateways (core/uplink/gateway-sink.ts): every record
 * a gateway collected lands here, with per-node statistics.
 *
 *  - Routine telemetry: records and samples delivered per source node, and
 *    two checks of delivery at most once to the application. Within one
 *    boot of a gateway, or through two gateways, the same telemetry message
 *    twice is counted in `telemetryDuplicates` (the transport's at-most-once
 *    promise; invariant `site-at-most-once`). The same gateway handing in a
 *    message again after it rebooted (receive state that did not survive
 *    the reboot let a replayed or retransmitted frame in once more) is
 *    counted in `telemetryRedeliveredAfterReboot` (invariant
 *    `site-delivered-once-across-reboots`, site.ts). A message is
 *    identified by (source, incarnation, seq), as a host does.
 *  - Alerts: the first copy of each (source, incarnation, seq), across all
 *    gateways, with its latency: delivery time minus raise time, both in
 *    virtual ms (the raise time on the wire is the source's clock;
 *    `SiteClock` converts it with the kernel's clock model for that node).
 *    Later copies are counted in `alertCopies` and classified: through
 *    another gateway (a failover resend: the host filters it, as it
 *    filters by identity); by the same gateway in the same boot
 *    (`alertDuplicates`: the gateway's duplicate filter failed,
 *    `site-at-most-once`); by the same gateway after it rebooted
 *    (`alertsRedeliveredAfterReboot`: an alert it had already delivered,
 *    and acknowledged, reached the application again,
 *    `site-delivered-once-across-reboots`).
 *  - The first breach of either kind is described in `redeliveryDetail`.
 *
 * Fixed capacity, allocated at create; recording allocates nothing (the XS
 * measurement of bytes per frame covers it). Platform neutral.
 */
import type { GatewaySink } from "../../core/uplink/gateway-sink";
import type { WireHeader, WireRecord } from "../../core/uplink/wire";

/** How the sink learns virtual time (set once the kernel exists). */
export interface SiteClock {
  /** Virtual time of the event being processed. */
  virtualNowMs(): number;
  /** Virtual time at which node `index` read `localMs` (mod 2^32) on its clock. */
  virtualFromLocal(index: number, localMs: number): number;
}

/** Was a telemetry message seen before: no, in this boot of the same gateway (or by another gateway), or in an earlier boot of it. */
const Seen = Object.freeze({ New: 0, SameBoot: 1, EarlierBoot: 2 } as const);
type Seen = (typeof Seen)[keyof typeof Seen];

/** Recent telemetry message ids remembered per source (the duplicate check). */
const RECENT_PER_SOURCE = 16;
/** Gateways a sink tells apart (a site has at most this many: site-spec.ts GATEWAYS_PER_SITE_MAX). */
export const SINK_GATEWAYS_MAX = 4;

export class SiteSink {
  readonly boardCount: number;
  readonly alertCapacity: number;
  readonly telemetryRecords: Float64Array;
  readonly telemetrySamples: Float64Array;
  readonly alertsDelivered: Float64Array;
  /** Alert copies beyond the first (e.g. one per gateway after a failover). */
  readonly alertCopies: Float64Array;
  /** Per alert, in order of first delivery: source index, latency (virtual ms), delivery time. */
  readonly alertSource: Uint16Array;
  readonly alertLatencyMs: Float64Array;
  readonly alertDeliveredAtMs: Float64Array;
  readonly #alertKey: Uint32Array;
  readonly #alertSeq: Uint32Array;
  readonly #recentKey: Uint32Array;
  readonly #recentSeq: Uint32Array;
  readonly #recentNext: Uint8Array;
  /** Per remembered message: the gateway that handed it in and that gateway's boot count then. */
  readonly #recentGateway: Uint16Array;
  readonly #recentBoot: Uint32Array;
  readonly #gatewayBoots: Uint32Array;
  /** Per board: its gateway ordinal (0..SINK_GATEWAYS_MAX-1), or -1. */
  readonly #gatewayOrdinal: Int8Array;
  #gateways = 0;
  /** Per alert and gateway ordinal: that gateway's boot count + 1 when it last handed the alert in (0: never). */
  readonly #alertBootBy: Uint32Array;
  #redelivered = 0;
  #alertDuplicates = 0;
  #alertsRedelivered = 0;
  /** The first redelivery after a reboot: kind (0 none, 1 telemetry, 2 alert), gateway, source, incarnation, seq, boot, virtual ms. */
  readonly #firstRedelivery = new Float64Array(7);
  #alerts = 0;
  #alertsOverflow = 0;
  #telemetryDuplicates = 0;
  #clock: SiteClock | undefined;
  /** Per gateway board: records handed in by that gateway. */
  readonly byGateway: Float64Array;
  /**
   * Per board: telemetry records delivered that the board produced before
   * the drain phase began (all of them until `cutProduction`; then those
   * whose window start is below the board's cut, site-node.ts
   * `producedThrough`).
   */
  readonly telemetryBeforeCut: Float64Array;
  /** Per board, from `cutProduction` on: channel wire id -> window start bound. */
  readonly #cut: (ReadonlyMap<number, number> | undefined)[];

  constructor(boardCount: number, alertCapacity: number) {
    this.boardCount = boardCount;
    this.alertCapacity = alertCapacity;
    this.telemetryRecords = new Float64Array(boardCount);
    this.telemetrySamples = new Float64Array(boardCount);
    this.alertsDelivered = new Float64Array(boardCount);
    this.alertCopies = new Float64Array(boardCount);
    this.alertSource = new Uint16Array(alertCapacity);
    this.alertLatencyMs = new Float64Array(alertCapacity);
    this.alertDeliveredAtMs = new Float64Array(alertCapacity);
    this.#alertKey = new Uint32Array(alertCapacity);
    this.#alertSeq = new Uint32Array(alertCapacity);
    this.#recentKey = new Uint32Array(boardCount * RECENT_PER_SOURCE);
    this.#recentSeq = new Uint32Array(boardCount * RECENT_PER_SOURCE);
    this.#recentNext = new Uint8Array(boardCount);
    this.#recentGateway = new Uint16Array(boardCount * RECENT_PER_SOURCE);
    this.#recentBoot = new Uint32Array(boardCount * RECENT_PER_SOURCE);
    this.#gatewayBoots = new Uint32Array(boardCount);
    this.#gatewayOrdinal = new Int8Array(boardCount).fill(-1);
    this.#alertBootBy = new Uint32Array(alertCapacity * SINK_GATEWAYS_MAX);
    this.byGateway = new Float64Array(boardCount);
    this.telemetryBeforeCut = new Float64Array(boardCount);
    this.#cut = new Array<ReadonlyMap<number, number> | undefined>(boardCount).fill(undefined);
  }

  /** The drain phase begins: from now on, count a record of `board` as produced before it only below `through` (channel wire id -> window start). */
  cutProduction(board: number, through: ReadonlyMap<number, number>): void {
    if ((board >>> 0) === board && board < this.boardCount) this.#cut[board] = through;
  }

  attachClock(clock: SiteClock): void {
    this.#clock = clock;
  }

  /** Unique alerts recorded. */
  get alerts(): number {
    return this.#alerts;
  }
  /** Alerts beyond `alertCapacity` (counted, not recorded: the run's report says so). */
  get alertsOverflow(): number {
    return this.#alertsOverflow;
  }
  get telemetryDuplicates(): number {
    return this.#telemetryDuplicates;
  }
  /** Telemetry messages a gateway handed in again after it rebooted (a `site-delivered-once-across-reboots` breach). */
  get telemetryRedeliveredAfterReboot(): number {
    return this.#redelivered;
  }
  /** Alerts a gateway handed in twice within one of its boots (a `site-at-most-once` breach). */
  get alertDuplicates(): number {
    return this.#alertDuplicates;
  }
  /** Alerts a gateway handed in again after it rebooted (a `site-delivered-once-across-reboots` breach). */
  get alertsRedeliveredAfterReboot(): number {
    return this.#alertsRedelivered;
  }
  /** What the first message delivered again after a gateway reboot was, or undefined. */
  get redeliveryDetail(): string | undefined {
    const f = this.#firstRedelivery;
    if (f[0] === 0) return undefined;
    const what = f[0] === 1 ? "telemetry message" : "alert";
    return `gateway board ${f[1]} handed ${what} (source board ${f[2]}, incarnation ${f[3]}, seq ${f[4]}) to the application again after it rebooted (its boot ${f[5]}, t = ${f[6]} ms)`;
  }

  /** Gateway board `gatewayIndex` booted (its RAM-only duplicate filters start empty). */
  gatewayBooted(gatewayIndex: number): void {
    if ((gatewayIndex >>> 0) === gatewayIndex && gatewayIndex < this.boardCount) this.#gatewayBoots[gatewayIndex] = (this.#gatewayBoots[gatewayIndex] ?? 0) + 1;
  }

  /** The GatewaySink a gateway board hands its records to. At most SINK_GATEWAYS_MAX gateways per sink. */
  sinkFor(gatewayIndex: number): GatewaySink {
    if ((gatewayIndex >>> 0) !== gatewayIndex || gatewayIndex >= this.boardCount) throw new Error(`site sink: no board ${gatewayIndex}`);
    if ((this.#gatewayOrdinal[gatewayIndex] ?? -1) < 0) {
      if (this.#gateways >= SINK_GATEWAYS_MAX) throw new Error(`site sink: more than ${SINK_GATEWAYS_MAX} gateways`);
      this.#gatewayOrdinal[gatewayIndex] = this.#gateways++;
    }
    return {
      onTelemetry: (sourceId, header, record) => this.#telemetry(gatewayIndex, sourceId - 1, header, record),
      onAlert: (sourceId, header, record) => this.#alert(gatewayIndex, sourceId - 1, header, record),
    };
  }

  #telemetry(gateway: number, source: number, header: WireHeader, record: WireRecord): void {
    if ((source >>> 0) !== source || source >= this.boardCount) return;
    this.byGateway[gateway] = (this.byGateway[gateway] ?? 0) + 1;
    // A gateway hands a message's records on one after another: check each message once, at its first record.
    const sameMessage = this.#remaining > 0 && this.#current === source && this.#currentIncarnation === header.incarnation && this.#currentSeq === header.seq;
    if (!sameMessage) {
      this.#current = source;
      this.#currentIncarnation = header.incarnation;
      this.#currentSeq = header.seq;
      this.#remaining = header.count;
      const seen = this.#rememberMessage(gateway, source, header);
      if (seen === Seen.SameBoot) this.#telemetryDuplicates++;
      else if (seen === Seen.EarlierBoot) {
        this.#redelivered++;
        this.#noteRedelivery(1, gateway, source, header);
      }
    }
    this.#remaining--;
    this.telemetryRecords[source] = (this.telemetryRecords[source] ?? 0) + 1;
    const cut = this.#cut[source];
    if (cut === undefined || record.atMs < (cut.get(record.channelId) ?? 0)) this.telemetryBeforeCut[source] = (this.telemetryBeforeCut[source] ?? 0) + 1;
    this.telemetrySamples[source] = (this.telemetrySamples[source] ?? 0) + record.count;
  }

  #current = -1;
  #currentIncarnation = 0;
  #currentSeq = 0;
  #remaining = 0;

  /** Whether (incarnation, seq) is among the source's recent telemetry messages, and from which boot of this gateway; remembers it. */
  #rememberMessage(gateway: number, source: number, header: WireHeader): Seen {
    const key = ((header.incarnation & 0xffff) + 1) >>> 0; // +1: 0 marks an empty entry
    const seq = header.seq >>> 0;
    const base = source * RECENT_PER_SOURCE;
    const boots = this.#gatewayBoots[gateway] ?? 0;
    for (let i = 0; i < RECENT_PER_SOURCE; i++) {
      if (this.#recentKey[base + i] !== key || this.#recentSeq[base + i] !== seq) continue;
      if (this.#recentGateway[base + i] !== gateway || this.#recentBoot[base + i] === boots) return Seen.SameBoot;
      this.#recentBoot[base + i] = boots;
      return Seen.EarlierBoot;
    }
    const at = this.#recentNext[source] ?? 0;
    this.#recentKey[base + at] = key;
    this.#recentSeq[base + at] = seq;
    this.#recentGateway[base + at] = gateway;
    this.#recentBoot[base + at] = boots;
    this.#recentNext[source] = (at + 1) % RECENT_PER_SOURCE;
    return Seen.New;
  }

  /** Keep the first redelivery after a reboot for `redeliveryDetail` (numbers only: recording allocates nothing). */
  #noteRedelivery(kind: number, gateway: number, source: number, header: WireHeader): void {
    const f = this.#firstRedelivery;
    if (f[0] !== 0) return;
    f[0] = kind;
    f[1] = gateway;
    f[2] = source;
    f[3] = header.incarnation;
    f[4] = header.seq;
    f[5] = this.#gatewayBoots[gateway] ?? 0;
    f[6] = this.#clock?.virtualNowMs() ?? 0;
  }

  #alert(gateway: number, source: number, header: WireHeader, record: WireRecord): void {
    if ((source >>> 0) !== source || source >= this.boardCount) return;
    this.byGateway[gateway] = (this.byGateway[gateway] ?? 0) + 1;
    const key = (((source & 0xffff) << 16) | (header.incarnation & 0xffff)) >>> 0;
    const seq = header.seq >>> 0;
    const count = this.#alerts < this.alertCapacity ? this.#alerts : this.alertCapacity;
    const ordinal = this.#gatewayOrdinal[gateway] ?? 0;
    const bootMark = (this.#gatewayBoots[gateway] ?? 0) + 1;
    for (let i = 0; i < count; i++) {
      if (this.#alertKey[i] === key && this.#alertSeq[i] === seq) {
        this.alertCopies[source] = (this.alertCopies[source] ?? 0) + 1;
        const at = i * SINK_GATEWAYS_MAX + ordinal;
        const before = this.#alertBootBy[at] ?? 0;
        if (before === bootMark) this.#alertDuplicates++;
        else if (before !== 0) {
          this.#alertsRedelivered++;
          this.#noteRedelivery(2, gateway, source, header);
        }
        this.#alertBootBy[at] = bootMark;
        return;
      }
    }
    this.alertsDelivered[source] = (this.alertsDelivered[source] ?? 0) + 1;
    if (this.#alerts >= this.alertCapacity) {
      this.#alertsOverflow++;
      return;
    }
    const at = this.#alerts++;
    const clock = this.#clock;
    const nowMs = clock === undefined ? 0 : clock.virtualNowMs();
    const raisedMs = clock === undefined ? 0 : clock.virtualFromLocal(source, record.atMs);
    this.#alertKey[at] = key;
    this.#alertSeq[at] = seq;
    this.#alertBootBy[at * SINK_GATEWAYS_MAX + ordinal] = bootMark;
    this.alertSource[at] = source;
    this.alertLatencyMs[at] = nowMs - raisedMs;
    this.alertDeliveredAtMs[at] = nowMs;
  }
}

/** The p-th percentile (0..100, nearest rank) of `values[0 .. count)`; NaN when empty. Sorts a copy. */
export function percentile(values: Float64Array, count: number, p: number): number {
  if (count <= 0) return Number.NaN;
  const sorted = values.slice(0, count).sort();
  const rank = Math.ceil((p / 100) * count);
  return sorted[Math.min(count, Math.max(1, rank)) - 1] ?? Number.NaN;
}
