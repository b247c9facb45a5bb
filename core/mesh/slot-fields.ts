/**
 * Fixed slots of packed fields in a region of a DataView, for the mesh's
 * tables (pending sends, hop-ack watches, reassembly, relays): one backing
 * store per table instead of a typed array per field width (each typed
 * array or view costs heap slots on XS before its data), and with the
 * transport's arena (arena.ts) one store and one view for every table. A
 * table names its fields by byte offset within a slot of `slotBytes_()`;
 * values are stored as the typed arrays stored them (u8/u16/u32 wrap, i32,
 * f64). A slot out of range reads no other table's region: its offset is
 * refused by the DataView (RangeError, as a view of the table's own would).
 */
import type { Arena } from "./arena";

export abstract class SlotFields {
  protected readonly view: Arena;
  /** Where slot 0 starts in `view`. */
  private readonly base_: number;
  /** Slots of the table. */
  protected readonly slots_: number;

  protected constructor(view: Arena, base: number, slots: number) {
    this.view = view;
    this.base_ = base;
    this.slots_ = slots;
  }

  /** Bytes per slot: a constant of each table (a method, not a field: each field is a heap slot on XS). */
  protected abstract slotBytes_(): number;

  /** Where `field` of `slot` is in the view; -1 (refused by the view) for a slot out of range. */
  private at_(slot: number, field: number): number {
    return (slot >>> 0) === slot && slot < this.slots_ ? this.base_ + slot * this.slotBytes_() + field : -1;
  }

  protected u8_(slot: number, field: number): number {
    return this.view.getUint8(this.at_(slot, field));
  }
  protected setU8_(slot: number, field: number, value: number): void {
    this.view.setUint8(this.at_(slot, field), value);
  }
  protected u16_(slot: number, field: number): number {
    return this.view.getUint16(this.at_(slot, field));
  }
  protected setU16_(slot: number, field: number, value: number): void {
    this.view.setUint16(this.at_(slot, field), value);
  }
  protected u32_(slot: number, field: number): number {
    return this.view.getUint32(this.at_(slot, field));
  }
  protected setU32_(slot: number, field: number, value: number): void {
    this.view.setUint32(this.at_(slot, field), value);
  }
  protected i32_(slot: number, field: number): number {
    return this.view.getInt32(this.at_(slot, field));
  }
  protected setI32_(slot: number, field: number, value: number): void {
    this.view.setInt32(this.at_(slot, field), value);
  }
  protected f64_(slot: number, field: number): number {
    return this.view.getFloat64(this.at_(slot, field));
  }
  protected setF64_(slot: number, field: number, value: number): void {
    this.view.setFloat64(this.at_(slot, field), value);
  }
}
