/**
 * What a bounded queue does when a new entry does not fit
 * (docs/architecture.md "Rules": a documented policy, a metric that
 * counts it, never silent loss and never growth).
 *
 *  - `RefuseNewest`: the new entry is rejected with `ErrorCode.Full`, the
 *    stored entries are untouched, and `refusedCount` grows by one. For data
 *    whose loss the producer must see (commands, protocol messages).
 *  - `DropOldest`: the oldest entries are discarded until the new one fits,
 *    and `droppedCount` grows by the number discarded. For streams where the
 *    newest value matters most (sensor samples, log records).
 */
export const FullPolicy = Object.freeze({
  RefuseNewest: 0,
  DropOldest: 1,
} as const);

export type FullPolicy = (typeof FullPolicy)[keyof typeof FullPolicy];

/** True for the two defined policies; guards `create` against bad config. */
export function isFullPolicy(policy: number): policy is FullPolicy {
  return policy === FullPolicy.RefuseNewest || policy === FullPolicy.DropOldest;
}
