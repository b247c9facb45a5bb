/**
 * The gateway role: take telemetry and alert messages that reached this node
 * (from the mesh, or from this node's own uplink), check them, drop alert
 * duplicates, and hand every record to the host's GatewaySink.
 *
 * Duplicates: the transport delivers each message at most once, but an
 * alert whose acknowledgement was lost is sent again by its source (a new
 * transport message with the same wire identity), possibly after a reboot.
 * The gateway remembers the last `dedupEntries` alert identities
 * (source, incarnation, seq) in a fixed ring and drops a repeat (counted).
 * Routine telemetry is never resent, so it is not filtered.
 *
 * Nothing is allocated per message; malformed input is counted and dropped.
 */
import { ErrorCode } from "../core/runtime/errors";
import { err, ok, type Result, type Status } from "../core/runtime/result";
import type { GatewaySink } from "./gateway-sink";
import { MessageKind, readHeader, readRecord, WireHeader, WireRecord } from "./wire";

export class GatewayRole {
  readonly #sink: GatewaySink;
  readonly #header = new WireHeader();
  readonly #record = new WireRecord();
  /** Ring of remembered alert identities: (source << 16 | incarnation) and seq. */
  readonly #dedupSourceIncarnation: Uint32Array;
  readonly #dedupSeq: Uint32Array;
  #dedupNext = 0;
  #dedupSize = 0;
  #messages = 0;
  #records = 0;
  #alerts = 0;
  #duplicates = 0;
  #malformed = 0;

  static create(sink: GatewaySink, dedupEntries: number): Result<GatewayRole> {
    if (!Number.isSafeInteger(dedupEntries) || dedupEntries < 1 || dedupEntries > 65_536) return err(ErrorCode.InvalidArgument);
    return ok(new GatewayRole(sink, dedupEntries));
  }

  private constructor(sink: GatewaySink, dedupEntries: number) {
    this.#sink = sink;
    this.#dedupSourceIncarnation = new Uint32Array(dedupEntries);
    this.#dedupSeq = new Uint32Array(dedupEntries);
  }

  /**
   * One uplink message from `sourceId`. `Ok`; `AgentDuplicateAlert` (dropped,
   * counted); `AgentMessageMalformed` (dropped, counted; records before the
   * bad one were already handed on).
   */
  accept(sourceId: number, bytes: Uint8Array, offset: number, length: number, nowMs: number): Status {
    const header = this.#header;
    if (readHeader(bytes, offset, length, header) !== ErrorCode.Ok) return this.bad_();
    this.#messages++;
    const record = this.#record;
    if (header.kind === MessageKind.Alert) {
      if (readRecord(bytes, offset, header.kind, 0, record) !== ErrorCode.Ok) return this.bad_();
      if (!this.remember_(sourceId, header.incarnation, header.seq)) {
        this.#duplicates++;
        return ErrorCode.AgentDuplicateAlert;
      }
      this.#alerts++;
      this.#sink.onAlert(sourceId, header, record, nowMs);
      return ErrorCode.Ok;
    }
    for (let i = 0; i < header.count; i++) {
      if (readRecord(bytes, offset, header.kind, i, record) !== ErrorCode.Ok) return this.bad_();
      this.#records++;
      this.#sink.onTelemetry(sourceId, header, record, nowMs);
    }
    return ErrorCode.Ok;
  }

  /** False if (source, incarnation, seq) is already in the ring; else remembers it (oldest forgotten first). */
  private remember_(sourceId: number, incarnation: number, seq: number): boolean {
    const key = (((sourceId & 0xffff) << 16) | (incarnation & 0xffff)) >>> 0;
    const keys = this.#dedupSourceIncarnation;
    const seqs = this.#dedupSeq;
    const size = this.#dedupSize;
    for (let i = 0; i < size; i++) {
      if (keys[i] === key && seqs[i] === seq >>> 0) return false;
    }
    const at = this.#dedupNext;
    keys[at] = key;
    seqs[at] = seq >>> 0;
    this.#dedupNext = at + 1 === keys.length ? 0 : at + 1;
    if (size < keys.length) this.#dedupSize = size + 1;
    return true;
  }

  private bad_(): Status {
    this.#malformed++;
    return ErrorCode.AgentMessageMalformed;
  }

  /** Messages accepted (well-formed headers). */
  get messages(): number {
    return this.#messages;
  }
  /** Routine records handed to the sink. */
  get records(): number {
    return this.#records;
  }
  /** Alerts handed to the sink (first copies). */
  get alerts(): number {
    return this.#alerts;
  }
  get duplicates(): number {
    return this.#duplicates;
  }
  get malformed(): number {
    return this.#malformed;
  }
  get dedupSize(): number {
    return this.#dedupSize;
  }
  get dedupCapacity(): number {
    return this.#dedupSeq.length;
  }
}
