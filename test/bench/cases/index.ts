/** Every benchmark case, in report order. Later issues append their groups. */
import type { BenchCase } from "./types";
import { collectionCases } from "./collections";
import { runtimeCases } from "./runtime";
import { schedulerCases } from "./scheduler";
import { telemetryCases } from "./telemetry";
import { digitalSensorCases } from "./digital-sensor";
import { agentCases } from "./agent";
import { storageCases } from "./storage";
import { cryptoCases } from "./crypto";
import { meshCases } from "./mesh";

export const ALL_CASES: readonly BenchCase[] = Object.freeze([...collectionCases, ...runtimeCases, ...schedulerCases, ...telemetryCases, ...digitalSensorCases, ...agentCases, ...storageCases, ...cryptoCases, ...meshCases]);
