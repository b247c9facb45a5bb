/**
 * The board whose boot cost is measured on XS (test/xs/agent.test.ts): the
 * demo site's board (an SHT3x and a PIR, two alert rules), configured for
 * 32 neighbours. Platform neutral. Its identity is what its provisioning
 * record says (MEASURED_IDENTITY; measured-radio.ts provisionMeasured).
 */
export const MEASURED_IDENTITY = Object.freeze({ nodeId: 1, role: "sensor" } as const);

export const MEASURED_BOARD: Readonly<Record<string, unknown>> = Object.freeze({
  siteName: "measure",
  sampleIntervalMs: 1000,
  sampleRingCapacity: 32,
  timerCapacity: 8,
  neighbourCapacity: 32,
  sensors: [
    { part: "sht3x", intervalMs: 5000, windowMs: 30000, rules: [{ channel: 0, direction: "above", threshold: 30000, hysteresis: 1000 }] },
    { part: "motion", intervalMs: 1000, windowMs: 60000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
  ],
  gateways: [2],
});
