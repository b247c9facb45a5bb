/**
 * Fixed slots of packed fields in one DataView over one ArrayBuffer, for the
 * mesh's tables (pending sends, hop-ack watches, reassembly, relays): one
 * backing store per table instead of a typed array per field width (each
 * typed array or view costs heap slots on XS before its data). A table
 * names its fields by byte offset within a slot of `slotBytes`; values are
 * stored as the typed arrays stored them (u8/u16/u32 wrap, i32, f64).
 * Slots must be in range (the DataView checks the offset).
 */
export class SlotFields {
  protected readonly view: DataView;
  private readonly slotBytes_: number;

  protected constructor(slots: number, slotBytes: number) {
    this.view = new DataView(new ArrayBuffer(slots * slotBytes));
    this.slotBytes_ = slotBytes;
  }

  protected u8(slot: number, field: number): number {
    return this.view.getUint8(slot * this.slotBytes_ + field);
  }
  protected setU8(slot: number, field: number, value: number): void {
    this.view.setUint8(slot * this.slotBytes_ + field, value);
  }
  protected u16(slot: number, field: number): number {
    return this.view.getUint16(slot * this.slotBytes_ + field);
  }
  protected setU16(slot: number, field: number, value: number): void {
    this.view.setUint16(slot * this.slotBytes_ + field, value);
  }
  protected u32(slot: number, field: number): number {
    return this.view.getUint32(slot * this.slotBytes_ + field);
  }
  protected setU32(slot: number, field: number, value: number): void {
    this.view.setUint32(slot * this.slotBytes_ + field, value);
  }
  protected i32(slot: number, field: number): number {
    return this.view.getInt32(slot * this.slotBytes_ + field);
  }
  protected setI32(slot: number, field: number, value: number): void {
    this.view.setInt32(slot * this.slotBytes_ + field, value);
  }
  protected f64(slot: number, field: number): number {
    return this.view.getFloat64(slot * this.slotBytes_ + field);
  }
  protected setF64(slot: number, field: number, value: number): void {
    this.view.setFloat64(slot * this.slotBytes_ + field, value);
  }
}
