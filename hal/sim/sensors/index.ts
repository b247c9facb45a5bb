/** Simulated sensors with seeded signal models, scripted events and faults. */
export { SimSensor, type SimChannelModel, type SimSensorOptions, type SimSensorConfiguration } from "./sim-sensor";
export {
  SimEventKind,
  SimScript,
  SIM_FOREVER_MS,
  SIM_SCRIPT_EVENTS_DEFAULT,
  SIM_SCRIPT_EVENTS_MAX,
  SIM_EVENT_AMOUNT_MAX,
  type SimEvent,
} from "./script";
export type { SimSensorCommonOptions } from "./common";
export { createSimTemperatureSensor, createSimTemperatureHumiditySensor } from "./temperature";
export { createSimPressureSensor } from "./pressure";
export { createSimAccelerometer, AXIS_X, AXIS_Y, AXIS_Z } from "./vibration";
export { createSimDigitalSensor, activation } from "./digital";
