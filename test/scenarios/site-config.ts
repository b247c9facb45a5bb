/** The device scenarios' site configuration (device-boot.ts, board-mesh.ts). Platform neutral. */
export const GATEWAY_NODE_ID = 1;

/** A device's site configuration: a TMP117 and a PIR (simulated), a 10 s window, alerts above 30 °C and on motion. */
export function siteConfigFor(nodeId: number, sampleIntervalMs: number, role = nodeId === GATEWAY_NODE_ID ? "gateway" : "sensor"): Record<string, unknown> {
  return {
    siteName: "scenario",
    nodeId,
    role,
    sampleIntervalMs,
    sampleRingCapacity: 64,
    timerCapacity: 16,
    neighbourCapacity: 32,
    sensors: [
      { part: "tmp117", windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 30_000, hysteresis: 500 }] },
      { part: "motion", windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
    ],
    gateways: role === "gateway" ? [] : [GATEWAY_NODE_ID],
    uplink: { intervalMs: 5_000 },
  };
}
