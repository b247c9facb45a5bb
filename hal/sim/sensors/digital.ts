/**
 * Simulated digital sensors: a door/window contact (1 = open) or a PIR
 * motion detector (1 = motion). The line rests at 0; scripted `Set` events
 * with amount 1 are the openings or detections ("intrusion at t"), `Spike`
 * events with amount 1 are false triggers, `StuckAt`/`Dropout` are faults.
 */
import type { Result } from "../../../core/runtime/result";
import { SensorChannels } from "../../sensor";
import { commonFields, type SimSensorCommonOptions } from "./common";
import { SimEventKind, type SimEvent } from "./script";
import { SimSensor } from "./sim-sensor";

export interface SimDigitalOptions extends SimSensorCommonOptions {
  readonly kind: "contact" | "motion";
}

export function createSimDigitalSensor(options: SimDigitalOptions): Result<SimSensor> {
  return SimSensor.create({
    ...commonFields(options),
    channels: [options.kind === "contact" ? SensorChannels.contact : SensorChannels.motion],
    models: [{ base: 0 }],
  });
}

/** "Intrusion at t": the contact opens (or motion is seen) at `atMs` for `durationMs`. */
export function activation(atMs: number, durationMs: number): SimEvent {
  return { kind: SimEventKind.Set, atMs, untilMs: atMs + durationMs, amount: 1 };
}
