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
 * Across reboots (README "Link security"): with an `AlertIdLog` (on a
 * board, the store's mirrored ring over the alert slots a gateway does not
 * use, core/storage/mirrored-ring.ts), every new identity is made durable
 * BEFORE the alert is handed to the sink, and the ring is filled from the
 * log at create. So an alert delivered before a reboot and sent again
 * after it (its acknowledgement was lost) is dropped as a duplicate, as
 * long as it is among the log's last `capacity` identities. Should the log
 * refuse a write, the alert is still delivered (losing it would be worse
 * than a later duplicate) and counted in `unlogged`.
 *
 * Nothing is allocated per message; malformed input is counted and dropped.
 */
import { ErrorCode } from "../runtime/errors";
import { err, ok, type Result, type Status } from "../runtime/result";
import type { GatewaySink } from "./gateway-sink";
import { MessageKind, readHeader, readRecord, WireHeader, WireRecord } from "./wire";

/** Where a gateway keeps delivered alert identities across reboots (persistence.ts AgentStore.alertIdLog). */
export interface AlertIdLog {
  /** Keep (source, incarnation, seq) durably; Ok only once it is. */
  remember(sourceId: number, incarnation: number, seq: number): Status;
  /** Every identity kept, oldest chunks first, into `visit`; how many. */
  restore(visit: (sourceId: number, incarnation: number, seq: number) => void): number;
}

export class GatewayRole {
  private readonly sink_: GatewaySink;
  private readonly header_ = new WireHeader();
  private readonly record_ = new WireRecord();
  /** Ring of remembered alert identities: (source << 16 | incarnation) and seq. */
  private readonly dedupSourceIncarnation_: Uint32Array;
  private readonly dedupSeq_: Uint32Array;
  private dedupNext_ = 0;
  private dedupSize_ = 0;
  private messages_ = 0;
  private records_ = 0;
  private alerts_ = 0;
  private duplicates_ = 0;
  private malformed_ = 0;
  private unlogged_ = 0;
  private readonly log_: AlertIdLog | undefined;

  /** `log`: durable identities (see the file comment); absent, the filter lives in RAM only. */
  static create(sink: GatewaySink, dedupEntries: number, log?: AlertIdLog): Result<GatewayRole> {
    if (!Number.isSafeInteger(dedupEntries) || dedupEntries < 1 || dedupEntries > 65_536) return err(ErrorCode.InvalidArgument);
    return ok(new GatewayRole(sink, dedupEntries, log));
  }

  private constructor(sink: GatewaySink, dedupEntries: number, log: AlertIdLog | undefined) {
    this.sink_ = sink;
    this.dedupSourceIncarnation_ = new Uint32Array(dedupEntries);
    this.dedupSeq_ = new Uint32Array(dedupEntries);
    this.log_ = log;
    if (log !== undefined) log.restore((sourceId, incarnation, seq) => this.remember_(sourceId, incarnation, seq));
  }

  /**
   * One uplink message from `sourceId`. `Ok`; `AgentDuplicateAlert` (dropped,
   * counted); `AgentMessageMalformed` (dropped, counted; records before the
   * bad one were already handed on).
   */
  accept(sourceId: number, bytes: Uint8Array, offset: number, length: number, nowMs: number): Status {
    const header = this.header_;
    if (readHeader(bytes, offset, length, header) !== ErrorCode.Ok) return this.bad_();
    this.messages_++;
    const record = this.record_;
    if (header.kind === MessageKind.Alert) {
      if (readRecord(bytes, offset, header.kind, 0, record) !== ErrorCode.Ok) return this.bad_();
      if (!this.remember_(sourceId, header.incarnation, header.seq)) {
        this.duplicates_++;
        return ErrorCode.AgentDuplicateAlert;
      }
      // Durable before it is delivered: a reboot must not let the same alert through again.
      if (this.log_ !== undefined && this.log_.remember(sourceId, header.incarnation, header.seq) !== ErrorCode.Ok) this.unlogged_++;
      this.alerts_++;
      this.sink_.onAlert(sourceId, header, record, nowMs);
      return ErrorCode.Ok;
    }
    for (let i = 0; i < header.count; i++) {
      if (readRecord(bytes, offset, header.kind, i, record) !== ErrorCode.Ok) return this.bad_();
      this.records_++;
      this.sink_.onTelemetry(sourceId, header, record, nowMs);
    }
    return ErrorCode.Ok;
  }

  /** False if (source, incarnation, seq) is already in the ring; else remembers it (oldest forgotten first). */
  private remember_(sourceId: number, incarnation: number, seq: number): boolean {
    const key = (((sourceId & 0xffff) << 16) | (incarnation & 0xffff)) >>> 0;
    const keys = this.dedupSourceIncarnation_;
    const seqs = this.dedupSeq_;
    const size = this.dedupSize_;
    for (let i = 0; i < size; i++) {
      if (keys[i] === key && seqs[i] === seq >>> 0) return false;
    }
    const at = this.dedupNext_;
    keys[at] = key;
    seqs[at] = seq >>> 0;
    this.dedupNext_ = at + 1 === keys.length ? 0 : at + 1;
    if (size < keys.length) this.dedupSize_ = size + 1;
    return true;
  }

  private bad_(): Status {
    this.malformed_++;
    return ErrorCode.AgentMessageMalformed;
  }

  /** Messages accepted (well-formed headers). */
  get messages(): number {
    return this.messages_;
  }
  /** Routine records handed to the sink. */
  get records(): number {
    return this.records_;
  }
  /** Alerts handed to the sink (first copies). */
  get alerts(): number {
    return this.alerts_;
  }
  get duplicates(): number {
    return this.duplicates_;
  }
  get malformed(): number {
    return this.malformed_;
  }
  /** Alerts delivered whose identity the log could not keep (a duplicate after a reboot is possible for them). */
  get unlogged(): number {
    return this.unlogged_;
  }
  get dedupSize(): number {
    return this.dedupSize_;
  }
  get dedupCapacity(): number {
    return this.dedupSeq_.length;
  }
}
