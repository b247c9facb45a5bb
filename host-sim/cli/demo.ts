/**
 * `picket demo` (the README's main job, for now): build the device bundle for
 * every profile, boot N agents from the device entry point on the real XS
 * engine (the full agent: node 1 a gateway, the others sensors sending it
 * telemetry over an in-memory bus) and the same N on V8 in virtual time, and
 * show that both engines produced the same trace. The simulated site is
 * `picket site` (the main job).
 */
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { buildDevice, formatBuildReport } from "../../tools/build/build";
import { repoRoot } from "../../tools/build/targets";
import { expectCompleted, runOnXs } from "../../tools/xs/run-xs";
import { buildXsEntry } from "../../tools/xs/build-entry";
import { pathToFileURL } from "node:url";
import { parseStrict } from "./args";
import type { runDeviceScenario, DeviceScenario } from "../device-scenarios/device-boot";

type ScenarioModule = { runDeviceScenario: typeof runDeviceScenario };

interface Options {
  readonly agents: number;
  readonly durationMs: number;
}

function parse(args: readonly string[]): Options | string {
  const parsed = parseStrict(args, { agents: { type: "string" }, seconds: { type: "string" } });
  if (!parsed.ok) return parsed.message;
  const { agents: agentsText, seconds } = parsed.parsed.values;
  const agents = agentsText === undefined ? 8 : Number(agentsText);
  if (!/^\d+$/.test(agentsText ?? "8") || agents < 1 || agents > 256) return "--agents must be an integer 1..256";
  const s = seconds === undefined ? 60 : Number(seconds);
  if (!/^\d+$/.test(seconds ?? "60") || s < 1 || s > 86_400) return "--seconds must be an integer 1..86400";
  return { agents, durationMs: s * 1000 };
}

export async function runDemo(args: readonly string[]): Promise<number> {
  const options = parse(args);
  if (typeof options === "string") {
    process.stderr.write(`picket demo: ${options}\nusage: picket demo [--agents N] [--seconds S]\n`);
    return 2;
  }
  const scenario: DeviceScenario = { agents: options.agents, durationMs: options.durationMs, sampleIntervalMs: 1000 };
  const step = (n: number, text: string): void => void process.stdout.write(`[${n}/4] ${text}\n`);

  step(1, "building the device bundle for every profile");
  process.stdout.write(`${formatBuildReport(await buildDevice("full"))}\n`);

  step(2, `booting ${scenario.agents} agents from the device entry point on the XS engine (${scenario.durationMs / 1000} s virtual)`);
  const entryDir = join(repoRoot, "build", "xs");
  mkdirSync(entryDir, { recursive: true });
  const entry = join(entryDir, "demo-entry.ts");
  writeFileSync(
    entry,
    [
      `import { done, measure, record } from "../../tools/xs/harness";`,
      `import { runDeviceScenario } from "../../host-sim/device-scenarios/device-boot";`,
      `let result: ReturnType<typeof runDeviceScenario> | undefined;`,
      `const m = measure(() => { result = runDeviceScenario(${JSON.stringify(scenario)}); });`,
      `record("demo", { result, computrons: m.computrons, allocatedBytes: m.allocatedBytes });`,
      `done();`,
    ].join("\n"),
  );
  const bundle = await buildXsEntry("build/xs/demo-entry.ts", "demo");
  const xs = runOnXs(bundle.outfile);
  expectCompleted(xs, "demo bundle");
  const record = xs.records.find((r) => r.kind === "demo");
  const xsResult = record?.["result"] as ReturnType<typeof runDeviceScenario> | undefined;
  if (xsResult === undefined) {
    process.stderr.write("picket demo: XS run returned no result\n");
    return 1;
  }

  step(3, "running the same scenario on V8 (same code, bundled with the same Moddable stand-ins)");
  const lib = await buildXsEntry("host-sim/device-scenarios/device-boot.ts", "device-scenario-lib");
  const v8Module = (await import(pathToFileURL(lib.outfile).href)) as ScenarioModule;
  const v8 = v8Module.runDeviceScenario(scenario);

  step(4, "report");
  const booted = xsResult.boots.filter((boot) => boot.ok).length;
  const samples = xsResult.statuses.reduce((sum, s) => sum + s.samplesTaken, 0);
  const delivered = xsResult.gatewayRecords;
  const same = xsResult.combinedTrace === v8.combinedTrace;
  const computrons = Number(record?.["computrons"] ?? 0);
  const lines = [
    `  agents booted on XS        ${booted}/${scenario.agents}`,
    `  samples taken              ${samples}; records collected by the gateway (node 1): ${delivered}, alerts ${xsResult.gatewayAlerts}`,
    `  XS computrons (whole run)  ${computrons.toLocaleString("en-US")} (${Math.round(computrons / Math.max(1, samples)).toLocaleString("en-US")} per sample incl. timers)`,
    `  XS bytes allocated         ${Number(record?.["allocatedBytes"] ?? 0).toLocaleString("en-US")} (whole run: boots + simulated timer stand-ins; agent turns allocate 0)`,
    `  trace hash, agent 1        ${xsResult.statuses[0]?.traceHash ?? "-"}`,
    `  XS and V8 traces           ${same ? "identical" : "DIFFERENT"} across all ${scenario.agents} agents`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
  return same && booted === scenario.agents ? 0 : 1;
}
