/** The device scenarios' site configuration (device-boot.ts, board-mesh.ts). Platform neutral. */
export const GATEWAY_NODE_ID = 1;

/** What board `nodeId` of the scenarios is provisioned as: node GATEWAY_NODE_ID is the gateway, the rest sensors. */
export function scenarioRole(nodeId: number): "gateway" | "sensor" {
  return nodeId === GATEWAY_NODE_ID ? "gateway" : "sensor";
}

/**
 * The scenarios' one site configuration (every board boots it; node id and
 * role come from each board's provisioning record): a TMP117 and a PIR
 * (simulated), a 10 s window, alerts above 30 °C and on motion.
 */
export function siteConfigFor(sampleIntervalMs: number): Record<string, unknown> {
  return {
    siteName: "scenario",
    sampleIntervalMs,
    sampleRingCapacity: 64,
    timerCapacity: 8,
    neighbourCapacity: 32,
    sensors: [
      { part: "tmp117", windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 30_000, hysteresis: 500 }] },
      { part: "motion", windowMs: 10_000, rules: [{ channel: 0, direction: "above", threshold: 1 }] },
    ],
    gateways: [GATEWAY_NODE_ID],
    uplink: { intervalMs: 5_000 },
  };
}
