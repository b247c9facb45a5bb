import { virtual } from "./control";

/** Stand-in for Moddable's `time` module: ticks follow virtual time, wrapped to 32 bits like a board. */
const Time = {
  get ticks(): number {
    return virtual.nowMs % 0x1_0000_0000;
  },
  set(_seconds: number): void {},
  timezone: 0,
  dst: 0,
  delta(start: number, end?: number): number {
    return (end ?? virtual.nowMs) - start;
  },
};
export default Time;
