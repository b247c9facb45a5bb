/**
 * Scalar sensor contract (first cut; ISSUE 7 grows it into the ECMA-419
 * configure()/sample()/close() shape). A reading is an integer in milli-units
 * (m°C, Pa, mg) so protocol decisions never depend on floating point.
 */
import type { Status } from "../core/runtime/result";
import type { Outcome } from "../core/runtime/result";

export interface ScalarSensor {
  /** Take one reading at `nowMs` into `out`; an error code if the sensor failed. */
  sample(nowMs: number, out: Outcome<number>): Status;
}
