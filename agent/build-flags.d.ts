/**
 * Compile-time feature flags, replaced by esbuild `define` (tools/build/targets.ts
 * PROFILES). Code must reference these identifiers directly (not through a
 * re-exported constant) so that esbuild drops the disabled branches and the
 * modules only they import. Node-side entry points define them as globals.
 */
declare const PICKET_FEATURE_CONSENSUS: boolean;
declare const PICKET_FEATURE_GATEWAY: boolean;
declare const PICKET_RADIO: "lora" | "udp" | "sim";
/** The image's platforms all have Moddable's BME68x driver (tools/build/moddable-modules.ts). */
declare const PICKET_BME68X: boolean;
