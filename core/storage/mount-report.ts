/** `hiddenRecordsBound` when mount cannot bound how many acknowledged records it failed to read. */
export const HIDDEN_RECORDS_UNBOUNDED = 0xffff;

/**
 * What mounting found on the partition. Every field counts something the
 * store survived without crashing and without returning garbage: a torn
 * write, a corrupted record, a foreign partition. Numbers, not strings, so
 * the agent can copy them into metrics.
 */
export class MountReport {
  /** No valid superblock: the partition was formatted as a new, empty volume. */
  formatted = false;
  /** The formatted partition was not blank (foreign data, an older volume, or a torn format). */
  foreign = false;
  /** Data blocks whose header is neither erased nor a valid segment header. */
  foreignBlocks = 0;
  /** Valid segment headers older than the tail or of another volume (garbage awaiting reuse). */
  staleSegments = 0;
  /** Segments missing between the tail and the head (a header lost to corruption). */
  lostSegments = 0;
  segmentsReplayed = 0;
  recordsReplayed = 0;
  /** Records whose CRC failed on every re-read (torn by power loss, or corrupted); skipped. */
  crcFailures = 0;
  /** Headers that were neither erased nor plausible: the rest of that segment is unreadable. */
  garbageHeaders = 0;
  /** The head ended in non-erased bytes (a torn write); it is sealed and a new segment is used. */
  tornTail = false;
  /** Records out of sequence, duplicate segment numbers, records naming unknown keys. */
  anomalies = 0;
  /** Consensus-log entries dropped at mount because an earlier one was missing (log kept contiguous). */
  lostEntries = 0;

  /**
   * At most this many acknowledged records may be missing from what mount
   * replayed (HIDDEN_RECORDS_UNBOUNDED: no bound). Each record whose CRC
   * failed hides one; so does a torn write at the head, if the unreadable
   * bytes there fit one record. No bound: a segment missing between tail
   * and head, unreadable bytes inside an older segment, a header that hides
   * the rest of an older segment, a block outside the live segments that
   * holds records newer than any replayed (the newest segment's header
   * lost), anomalies, or a partition formatted over data. Counters whose
   * value must never go back (counter-reservation.ts) trust what they read
   * only while fewer records than they keep copies can be hidden.
   */
  hiddenRecordsBound = 0;

  /** Add `count` possibly hidden records (saturating at HIDDEN_RECORDS_UNBOUNDED). */
  hide(count: number): void {
    const sum = this.hiddenRecordsBound + count;
    this.hiddenRecordsBound = sum >= HIDDEN_RECORDS_UNBOUNDED ? HIDDEN_RECORDS_UNBOUNDED : sum;
  }

  /** Anything a healthy, cleanly powered-off store would not show. */
  get corruptionCount(): number {
    return this.foreignBlocks + this.lostSegments + this.crcFailures + this.garbageHeaders + this.anomalies + this.lostEntries;
  }
}
