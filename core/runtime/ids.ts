/**
 * Protocol identities and positions as branded numbers (docs/architecture.md "Rules": types
 * that carry the protocol). A brand costs nothing at run time: a `NodeId`
 * is a plain number on V8 and on XS. It stops the compiler from taking a
 * term where a log index belongs, or a message id where a node id belongs,
 * which a list of plain numbers cannot.
 *
 * Values come in through the checked constructors below (ranges from the
 * wire formats and the Raft paper, Ongaro & Ousterhout 2014 §5), which
 * answer -1 for a value outside the range, so a caller decides what a bad
 * value means; literal constants in code and tests use `as`.
 */

/** A board of the site: 1..NODE_ID_MAX (the link header's u16; 0xffff is broadcast). */
export type NodeId = number & { readonly __brand: "NodeId" };
/** The application's id of a message it sends: the tag its send outcome echoes (a safe integer >= 0). */
export type MessageId = number & { readonly __brand: "MessageId" };
/** A send counter value: one per frame a board seals, never reused under a key (u32; RFC 8613 §7.5's sequence number). */
export type Counter = number & { readonly __brand: "Counter" };
/** A key epoch (u16 in the provisioning record, README "Link security"). */
export type KeyEpoch = number & { readonly __brand: "KeyEpoch" };
/** A SWIM incarnation number (u32; Das et al., DSN 2002, §4.2). */
export type Incarnation = number & { readonly __brand: "Incarnation" };
/** A Raft term (u32 on flash; Raft §5.1). */
export type Term = number & { readonly __brand: "Term" };
/** A Raft log index (u32 on flash, 0 = before the log; Raft §5.3). */
export type LogIndex = number & { readonly __brand: "LogIndex" };

/** Largest node id (0xffff names every board: BROADCAST_NODE_ID). */
export const NODE_ID_MAX = 0xfffe;
/** Largest u32 a term or an incarnation can take on flash. */
const U32_MAX = 0xffffffff;
/** Largest log index (u32 on flash; 0 means "before the log", and one value is kept spare). */
export const LOG_INDEX_MAX = 0xfffffffe;

function inRange(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}

/** `value` as a NodeId, or -1 outside 1..NODE_ID_MAX. */
export function nodeIdOf(value: number): NodeId | -1 {
  return inRange(value, 1, NODE_ID_MAX) ? (value as NodeId) : -1;
}

/** `value` as a MessageId, or -1 for a negative or unsafe value. */
export function messageIdOf(value: number): MessageId | -1 {
  return inRange(value, 0, Number.MAX_SAFE_INTEGER) ? (value as MessageId) : -1;
}

/** `value` as a Counter, or -1 outside 0..2^32 - 1. */
export function counterOf(value: number): Counter | -1 {
  return inRange(value, 0, U32_MAX) ? (value as Counter) : -1;
}

/** `value` as a KeyEpoch, or -1 outside 0..0xffff. */
export function keyEpochOf(value: number): KeyEpoch | -1 {
  return inRange(value, 0, 0xffff) ? (value as KeyEpoch) : -1;
}

/** `value` as an Incarnation, or -1 outside 0..2^32 - 1. */
export function incarnationOf(value: number): Incarnation | -1 {
  return inRange(value, 0, U32_MAX) ? (value as Incarnation) : -1;
}

/** `value` as a Term, or -1 outside 0..2^32 - 1. */
export function termOf(value: number): Term | -1 {
  return inRange(value, 0, U32_MAX) ? (value as Term) : -1;
}

/** `value` as a LogIndex, or -1 outside 0..LOG_INDEX_MAX. */
export function logIndexOf(value: number): LogIndex | -1 {
  return inRange(value, 0, LOG_INDEX_MAX) ? (value as LogIndex) : -1;
}
