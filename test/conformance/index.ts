/**
 * Every platform-neutral property suite. The vitest files run them on V8;
 * test/xs/entries/conformance.xs.ts runs the very same list on XS.
 */
import type * as FastCheck from "fast-check";
import { collectionProperties } from "./collections.props";
import { runtimeProperties } from "./runtime.props";
import { schedulerProperties } from "./scheduler.props";
import { telemetryProperties } from "./telemetry.props";
import { cryptoProperties } from "./crypto.props";
import { storageProperties } from "./storage.props";
import { aeadProperties } from "./aead.props";
import { meshProperties } from "./mesh.props";
import { hashProperties } from "./hash.props";
import { membershipProperties } from "./membership.props";

export interface ConformanceProperty {
  readonly name: string;
  run(fc: typeof FastCheck, numRuns: number, seed: number): void;
}

export interface ConformanceSuite {
  readonly suite: string;
  readonly properties: readonly ConformanceProperty[];
}

export const CONFORMANCE_SUITES: readonly ConformanceSuite[] = Object.freeze([
  { suite: "collections", properties: collectionProperties },
  { suite: "runtime", properties: runtimeProperties },
  { suite: "scheduler", properties: schedulerProperties },
  { suite: "telemetry", properties: telemetryProperties },
  { suite: "hash", properties: hashProperties },
  { suite: "crypto", properties: cryptoProperties },
  { suite: "storage", properties: storageProperties },
  { suite: "aead", properties: aeadProperties },
  { suite: "mesh", properties: meshProperties },
  { suite: "membership", properties: membershipProperties },
]);

/** Fixed seed for both engines: a failure on either is reproducible by this number. */
export const CONFORMANCE_SEED = 20261124;
