/**
 * Priority classes of scheduler tasks, and how long each may be passed over.
 *
 * A turn runs runnable tasks in class order (RadioReceive first), so when the
 * turn's work budget runs out it is the lower classes that wait. Waiting is
 * bounded: a runnable task passed over for budget `maxWaitTurns` turns in a
 * row runs in the next turn whatever the budget says. So a runnable task of
 * class c runs within `maxWaitTurns[c] + 1` turns (its starvation bound,
 * checked by test/conformance/scheduler.props.ts), and RadioReceive
 * (maxWaitTurns 0) runs in every turn it is runnable: receive is never
 * starved by sampling (README "Runtime": priorities).
 *
 * Longer bounds for lower classes are the weighting: under overload Control
 * runs at least every 2nd turn, Sampling every 5th, Background every 9th.
 */
export const Priority = Object.freeze({
  RadioReceive: 0,
  Control: 1,
  Alerts: 2,
  Sampling: 3,
  Background: 4,
} as const);

export type Priority = (typeof Priority)[keyof typeof Priority];

export const PRIORITY_CLASS_COUNT = 5;

/** By class: consecutive turns a runnable task may be passed over for budget. */
export const PRIORITY_MAX_WAIT_TURNS: readonly number[] = Object.freeze([0, 1, 2, 4, 8]);

export function isPriority(value: number): value is Priority {
  return (value >>> 0) === value && value < PRIORITY_CLASS_COUNT;
}

/** Turns within which a task of `priority` that stays runnable surely runs (its K). */
export function starvationBoundTurns(priority: Priority): number {
  return (PRIORITY_MAX_WAIT_TURNS[priority] ?? 0) + 1;
}
