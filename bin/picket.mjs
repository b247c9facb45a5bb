#!/usr/bin/env node
// The `picket` command. Host-side code is TypeScript; tsx compiles it on load.
import { register } from "tsx/esm/api";

// Node-side builds carry every feature (see agent/build-flags.d.ts).
globalThis.PICKET_FEATURE_CONSENSUS = true;
globalThis.PICKET_FEATURE_GATEWAY = true;
globalThis.PICKET_RADIO = "sim";

register();
const { main } = await import("../host-sim/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
