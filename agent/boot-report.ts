/**
 * The one console line a board prints when it refuses to boot, and the
 * backoff of its retries (agent/moddable/main.ts, README "A refused boot").
 *
 *     picket: boot refused at stage provisioning, code AgentNotProvisioned (1115): provisioning: this board is not provisioned (no record in its flash store); run `picket provision`; attempt 1 of 8, retrying in 1000 ms
 *
 * The first problem names the field at fault (`field: reason`, as
 * validateSiteConfig and the boot stages report it); further problems are
 * counted ("(+2 more)") so the line stays one line on a serial console.
 */
import { errorName } from "../core/runtime/errors";
import type { BootOutcome } from "./boot";

/** First wait before booting again, doubled after every refusal up to BOOT_RETRY_CAP_MS. */
export const BOOT_RETRY_FIRST_MS = 1_000;
export const BOOT_RETRY_CAP_MS = 32_000;
/** Boot attempts in all: after the last refusal the board stays down (its line says so) until it is reset. */
export const BOOT_ATTEMPTS_MAX = 8;

/** Wait after refused attempt `attempt` (1-based): 1 s, 2 s, 4 s ... capped; -1 after the last attempt. */
export function bootRetryDelayMs(attempt: number): number {
  if (attempt >= BOOT_ATTEMPTS_MAX) return -1;
  let delayMs = BOOT_RETRY_FIRST_MS;
  for (let i = 1; i < attempt && delayMs < BOOT_RETRY_CAP_MS; i++) delayMs *= 2;
  return delayMs < BOOT_RETRY_CAP_MS ? delayMs : BOOT_RETRY_CAP_MS;
}

/** The refusal line (without newline) for attempt `attempt` of a refused boot. */
export function bootRefusalLine(refused: Extract<BootOutcome, { ok: false }>, attempt: number): string {
  const first = refused.problems[0] ?? "(no problem reported)";
  const more = refused.problems.length > 1 ? ` (+${refused.problems.length - 1} more)` : "";
  const delayMs = bootRetryDelayMs(attempt);
  const next = delayMs < 0 ? "giving up until reset" : `retrying in ${delayMs} ms`;
  return `picket: boot refused at stage ${refused.stage}, code ${errorName(refused.code)} (${refused.code}): ${first}${more}; attempt ${attempt} of ${BOOT_ATTEMPTS_MAX}, ${next}`;
}
