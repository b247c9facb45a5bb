/**
 * Protocol identities and positions as branded numbers (docs/architecture.md "Rules": types
 * that carry the protocol). A brand costs nothing at run time: a `NodeId`
 * is a plain number on V8 and on XS. It stops the compiler from taking a
 * term where a log index belongs, or a message id where a node id belongs,
 * which a list of plain numbers cannot.
 *
 * A value becomes branded where it is checked: a parser or a validated
 * configuration casts once (the provisioning record's epoch, the agent's
 * gateways), the protocol carries the brand from there, and literal
 * constants in code and tests use `as`.
 */

/** A board of the site: 1..NODE_ID_MAX (core/mesh/link-header.ts; 0xffff is broadcast). */
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

/** Largest log index (u32 on flash; 0 means "before the log", and one value is kept spare). */
export const LOG_INDEX_MAX = 0xfffffffe;
