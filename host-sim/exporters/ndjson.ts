/**
 * Decode structured log records (core/runtime/log-ring.ts) into NDJSON, one
 * JSON object per line (https://github.com/ndjson/ndjson-spec):
 *
 *   {"seq":7,"t":1500,"level":"warn","node":3,"event":"link_down","fields":[2,0]}
 *   {"gap":4}
 *
 * Host side; allocation is fine here. The reader remembers the next sequence
 * number it expects, across drains, so records the ring dropped before they
 * were read show up as a `{"gap":n}` line (n = records lost) before the next
 * record. Event codes without a name in the table are printed as numbers.
 */
import { ErrorCode } from "../../core/runtime/errors";
import { decodeLogRecord, LogRecord, logRecordBytes, type LogRing } from "../../core/runtime/log-ring";
import { err, ok, OK, type Result } from "../../core/runtime/result";

export interface NdjsonOptions {
  /** Event code -> name. */
  readonly eventNames?: ReadonlyMap<number, string>;
}

const LEVEL_NAMES: readonly string[] = Object.freeze(["trace", "debug", "info", "warn", "error"]);

export class NdjsonLogReader {
  readonly #eventNames: ReadonlyMap<number, string>;
  readonly #record = new LogRecord();
  #nextSeq = 0;

  constructor(options: NdjsonOptions = {}) {
    this.#eventNames = options.eventNames ?? new Map<number, string>();
  }

  /** The sequence number this reader expects next. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Read up to `maxRecords` records out of `ring`; "" if there were none. */
  drain(ring: LogRing, maxRecords: number = ring.capacityRecords): string {
    let text = "";
    for (let i = 0; i < maxRecords && ring.readNext(this.#record) === OK; i++) {
      text += this.#render(this.#record);
    }
    return text;
  }

  /**
   * Decode raw record bytes (e.g. from `LogRing.copyOut`, or read off a board).
   * Errors: InvalidArgument if the bytes do not end on a record boundary or a
   * record is malformed; nothing of a malformed buffer is rendered.
   */
  decode(bytes: Uint8Array): Result<string> {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const recordBytesMin = logRecordBytes(0);
    let text = "";
    let offset = 0;
    // Each record is at least recordBytesMin long, which bounds the loop.
    const recordsMax = Math.floor(bytes.byteLength / recordBytesMin);
    for (let i = 0; i < recordsMax && offset < bytes.byteLength; i++) {
      if (decodeLogRecord(view, offset, this.#record) !== OK) return err(ErrorCode.InvalidArgument);
      text += this.#render(this.#record);
      offset += logRecordBytes(this.#record.fieldCount);
    }
    if (offset !== bytes.byteLength) return err(ErrorCode.InvalidArgument);
    return ok(text);
  }

  #render(record: LogRecord): string {
    let text = "";
    if (record.seq > this.#nextSeq) text += `{"gap":${record.seq - this.#nextSeq}}\n`;
    this.#nextSeq = record.seq + 1;
    const level = LEVEL_NAMES[record.level];
    const eventName = this.#eventNames.get(record.eventCode);
    const fields: number[] = [];
    for (let i = 0; i < record.fieldCount; i++) fields.push(record.fields[i] ?? 0);
    text +=
      `{"seq":${record.seq},"t":${record.timeMs},` +
      `"level":${level === undefined ? record.level : JSON.stringify(level)},` +
      `"node":${record.nodeId},` +
      `"event":${eventName === undefined ? record.eventCode : JSON.stringify(eventName)},` +
      `"fields":[${fields.join(",")}]}\n`;
    return text;
  }
}
