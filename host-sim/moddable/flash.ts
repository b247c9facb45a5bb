import { virtual } from "./control";

/**
 * Stand-in for Moddable's `flash` module over the virtual partitions
 * (control.ts setPartition): NOR semantics (erase sets a block to 0xff, a
 * write can only clear bits), bounds checked, and a throw for everything
 * the real module throws on (unknown partition, bad offset or sector).
 */
export default class Flash {
  readonly #bytes: Uint8Array;
  readonly blockSize: number;
  readonly byteLength: number;

  constructor(partition: string) {
    const found = virtual.partitions.get(partition);
    if (found === undefined) throw new Error("partition not found");
    this.#bytes = found.bytes;
    this.blockSize = found.blockSize;
    this.byteLength = found.bytes.length;
  }

  erase(sector: number): void {
    if (!Number.isInteger(sector) || sector < 0 || (sector + 1) * this.blockSize > this.byteLength) throw new Error("erase failed");
    this.#bytes.fill(0xff, sector * this.blockSize, (sector + 1) * this.blockSize);
  }

  read(offset: number, byteLength: number): ArrayBuffer {
    if (offset < 0 || byteLength < 0 || offset + byteLength > this.byteLength) throw new Error("invalid offset");
    // Few nested calls (ArrayBuffer's slice and the constructor it calls), no getter inside a call's arguments,
    // and no JS copy loop: the native read this stands in for adds neither JS frames nor computrons, and the
    // board-memory harness measures both through it (test/xs/board-memory.ts).
    const bytes = this.#bytes;
    const at = bytes.byteOffset + offset;
    const whole = bytes.buffer as ArrayBuffer;
    return whole.slice(at, at + byteLength);
  }

  write(offset: number, byteLength: number, buffer: ArrayBuffer | ArrayBufferView): void {
    if (offset < 0 || byteLength < 0 || offset + byteLength > this.byteLength) throw new Error("write failed");
    // As in read: one level of calls at most (no getters evaluated inside a call's arguments).
    let source: Uint8Array;
    if (ArrayBuffer.isView(buffer)) {
      const whole = buffer.buffer;
      const at = buffer.byteOffset;
      const length = buffer.byteLength;
      source = new Uint8Array(whole, at, length);
    } else source = new Uint8Array(buffer);
    if (source.length < byteLength) throw new Error("write failed");
    for (let i = 0; i < byteLength; i++) this.#bytes[offset + i] = (this.#bytes[offset + i] ?? 0) & (source[i] ?? 0);
  }

  map(): ArrayBuffer {
    throw new Error("map unsupported");
  }

  close(): void {}
}
