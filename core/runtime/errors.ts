/**
 * Numeric error codes for the whole agent.
 *
 * Errors are values (docs/architecture.md "Rules"): every fallible operation
 * returns one of these codes instead of throwing. Codes are grouped by layer
 * in blocks of 100 so a code read off a log record tells where it came from.
 * Codes are stable: they cross the wire in log records and metrics, so a code
 * is never renumbered, only added.
 */
export const ErrorCode = Object.freeze({
  Ok: 0,

  // runtime 1..99
  InvalidArgument: 1,
  Exception: 2, // a third-party call threw; caught by core/runtime/guard.ts
  Cancelled: 3,
  Timeout: 4,
  BudgetExhausted: 5,
  ShuttingDown: 6,
  RateLimited: 7,
  Unsupported: 8,
  Stopped: 9, // the scheduler finished shutdown: nothing runs, nothing is armed, intake refused
  WrongState: 10, // not allowed in this lifecycle state (register after start, turn inside a turn, wake an ended task)

  // collections 100..199
  Full: 100,
  Empty: 101,
  NotFound: 102,
  Exists: 103,
  OutOfRange: 104,
  TooLarge: 105,
  PoolExhausted: 106,
  NotAllocated: 107,
  InvariantViolated: 108, // checkInvariants() found corrupted internal state

  // codec 200..299 (core/codec: CBOR scan/decode/encode, UTF-8)
  CborTooLarge: 200, // input longer than the configured cap; refused before decoding
  CborTruncated: 201, // input ends inside an item
  CborMalformed: 202, // not well-formed (RFC 8949 App. F): reserved info, stray break, bad chunk
  CborTrailingBytes: 203, // bytes left after the one expected item
  CborTooDeep: 204, // nesting deeper than the configured limit
  CborTooManyItems: 205, // more data items than the configured limit
  CborForbiddenTag: 206, // a tag this message type does not allow
  CborNotDeterministic: 207, // not RFC 8949 §4.2.1 deterministic (long form, indefinite, unsorted keys)
  CborDuplicateKey: 208, // a map repeats a key (RFC 8949 §5.6)
  InvalidUtf8: 209, // text that is not well-formed UTF-8 (RFC 3629), or a lone surrogate to encode
  CborUnsupportedType: 210, // float, undefined, unassigned simple value or out-of-range integer
  CborDecodeFailed: 211, // cbor-x threw on input the scan accepted (guarded)
  CborEncodeFailed: 212, // cbor-x threw, or its output was not deterministic
  CborBufferTooSmall: 213, // caller's output buffer too small
  CborSchemaMismatch: 214, // well-formed CBOR of the wrong shape for the expected message

  // crypto 300..399 (core/crypto)
  EntropyUnavailable: 300, // the injected entropy source failed: fail closed
  EntropyHealthFailed: 301, // entropy output failed the repetition check (stuck source)
  CryptoKeyWrongLength: 302, // key, seed or public key of the wrong length for its algorithm
  CryptoBadLength: 303, // nonce, tag, ciphertext or signature of the wrong length
  CryptoBufferTooSmall: 304, // caller's output buffer too small
  CryptoAuthFailed: 305, // AEAD tag or MAC did not verify (tampered bytes or wrong key)
  CryptoBadSignature: 306, // signature did not verify (tampered bytes or wrong key)
  CryptoUnknownAlgorithm: 307, // algorithm id not supported here
  CryptoKeyDestroyed: 308, // key handle is stale: the key was destroyed (and zeroized)
  CryptoKeyKindMismatch: 309, // key handle of the wrong kind or purpose for this operation
  CryptoKeyStoreFull: 310, // no free key slot of that class
  CryptoProviderFault: 311, // a primitive threw on input that passed validation (guarded)
  CoseWrongTag: 312, // missing or unexpected COSE CBOR tag
  CoseMalformed: 313, // COSE structure of the wrong shape or field types (RFC 9052 §2)
  CoseBadHeader: 314, // bad header bucket: not a map, label in both, missing alg, crit
  CoseKidMismatch: 315, // kid is not the RFC 9679 thumbprint of the key used
  CertMalformed: 316, // certificate payload of the wrong shape
  CertUnknownIssuer: 317, // signed by no trusted authority
  CertExpired: 318, // current epoch after the certificate's last valid epoch
  CertNotYetValid: 319, // current epoch before the certificate's first valid epoch
  CertRoleDenied: 320, // certificate does not grant the required role
  KeyCommitmentMismatch: 321, // public key does not match the committed hash
  ReplayDuplicate: 322, // counter already seen inside the window
  ReplayTooOld: 323, // counter below the window (RFC 4303 §3.4.3)
  ReplayWrongEpoch: 324, // frame from a key epoch that is no longer accepted
  ReplayTableFull: 325, // no replay slot for a new sender; refused, nothing evicted
  SendCounterExhausted: 326, // the send counter reached its limit: rekey before sending
  SendCounterUnavailable: 327, // the counter source refused to hand out a value
  KeyEpochUnknown: 328, // no traffic key for that epoch
  MerkleBadProof: 329, // proof has the wrong number of hashes for the sizes
  MerkleRootMismatch: 330, // recomputed root differs from the expected root
  MerkleBadIndex: 331, // index or size out of range (index >= size, size1 > size2)
  FrameMalformed: 332, // protected frame shorter than its header, or unknown version
  KeyEpochMismatch: 333, // the frame's key phase names none of the previous, current and next epochs: a wrong epoch, not a forgery

  // storage 400..499 (hal BlockDevice, core/storage)
  DevicePowerLost: 400, // the device lost power during or before this operation; nothing after it ran
  DeviceFault: 401, // the flash driver failed (a Flash call threw)
  EraseFailed: 402, // the block did not erase (worn out); retired until the next mount
  ProgramFailed: 403, // read-back after programming did not match; the record is not acknowledged
  NotErased: 404, // program would turn a 0 bit into 1 (NOR programs only 1 -> 0)
  Misaligned: 405, // offset or length not a multiple of the device's write alignment
  StorageFull: 406, // live data fills the partition; nothing stored was changed
  Corrupt: 407, // CRC mismatch that re-reading did not clear
  NotMounted: 408, // the store stopped after a device failure; mount again
  BadGeometry: 409, // block size, count or alignment unusable for the configured store
  CounterExhausted: 410, // a reserved counter reached its configured maximum
  LogGap: 411, // consensus-log index not contiguous with the stored log
  LogCompacted: 412, // consensus-log index below the first retained entry
  CounterNotReserved: 413, // no durably reserved counter value left: prepare() (the persist phase) must run first
  CounterUnprovable: 414, // mount could not prove the highest value ever issued (records lost to corruption): never issue under this key again
  StoreFrozen: 415, // the store holds evidence of lost records (see MountReport.hiddenRecordsBound): no writes until the board is provisioned again
  ReceiveCeilingUnprovable: 416, // mount could not prove the receive ceilings (records lost to corruption): frames accepted before could be accepted again
  RingUnprovable: 417, // mount could not prove a mirrored ring's newest entries (the gateway's delivered-alert identities): one could be missing

  // mesh 500..599 (core/mesh link frames, routing, duty cycle; hal radios)
  MeshFrameTruncated: 500, // frame shorter than its header + tag
  MeshFrameOversized: 501, // frame longer than the radio MTU or the receive buffer
  MeshWrongVersion: 502, // link header version is not ours
  MeshUnknownType: 503, // unknown frame type or traffic class, or a reserved bit set
  MeshLooping: 504, // hops taken above the hop limit, or our own frame coming back
  MeshDuplicate: 505, // (source, counter) already accepted: a relay copy or a replay
  MeshQueueFull: 506, // the traffic class queue is full (refused or oldest dropped, by policy)
  MeshDutyCycleExhausted: 507, // the airtime budget of the sliding hour is spent for this class
  MeshMessageTooLarge: 508, // message longer than maxMessageBytes (or than fragments can carry)
  MeshBadNodeId: 509, // node id 0 or 0xffff where not allowed (source, unicast destination), or a send to ourselves
  MeshReassemblyFull: 510, // every reassembly slot is in use; nothing was evicted for it
  MeshReassemblySenderCap: 511, // this sender already holds its share of reassembly slots
  MeshReassemblyTimeout: 512, // a message's fragments did not all arrive in time
  MeshFragmentInvalid: 513, // fragment header inconsistent (index >= count, count or size changed)
  MeshAckTimeout: 514, // acknowledged send: no ack within the retry budget
  MeshPendingFull: 515, // no slot to hold another acknowledged send
  MeshRadioBusy: 516, // the radio is transmitting (half duplex)
  MeshRadioFault: 517, // the radio driver threw or reported an error (guarded)
  MeshChannelBusy: 518, // channel utilisation above the class's gate
  MeshInboxFull: 519, // delivered message refused: the inbox is full
  MeshStale: 520, // queued message older than its class's maximum age
  MeshKeyUnavailable: 521, // no traffic key to seal with (not keyed yet, or epoch retired)
  MeshReceiveCeiling: 522, // authenticated frame at or above its sender's durable receive ceiling: refused until the persist phase raises it

  // telemetry 800..899 (core/telemetry)
  TelemetryBadCapacity: 800, // ring, outbox or window sample capacity outside its documented range
  TelemetryBadWindow: 801, // aggregation window length outside its documented range
  TelemetryBadRule: 802, // rule with a bad source, direction, threshold, hysteresis or duration
  TelemetryUnknownChannel: 803, // channel index that the pipeline was not configured with
  TelemetryDuplicateId: 804, // two channels (or two rules) share a wire id
  TelemetryTooMany: 805, // more channels, or rules, than the configured limits allow
  TelemetryTimeWentBackwards: 806, // sample older than the channel's newest; refused, nothing changed
  TelemetryBadSample: 807, // value that is not an int32 reading (or is the no-reading marker)
  TelemetryOutboxFull: 808, // record refused: the outbox is full and nothing may be dropped for it
  TelemetryWindowFull: 809, // window already holds its maximum sample count; sample not aggregated
  TelemetryBadId: 810, // channel or rule wire id outside 0..65534

  // hal 900..999 (hal contracts and drivers)
  SensorClosed: 900, // sample or configure after close()
  SensorReadFailed: 901, // the driver threw or reported an error while sampling (guarded)
  SensorNoData: 902, // no reading for one or more channels (dropout, failed CRC, empty result)
  SensorOutOfRange: 903, // reading not finite or outside the channel's plausible range
  SensorBufferTooSmall: 904, // caller's sample array too short for every channel at that offset
  SensorConfigureFailed: 905, // the driver threw or reported an error in configure()
  SensorOpenFailed: 906, // the driver constructor threw or reported an error (wrong chip, no bus)
  SensorBadModel: 907, // simulated sensor: bad signal model (seed, base, drift, noise, channels)
  SensorBadScript: 908, // simulated sensor: bad or too long event script; the old script is kept

  // sim kernel 1000..1099 (host-sim/kernel)
  SimNoLink: 1000, // unicast to a node the sender has no link to
  SimNotInCallback: 1001, // a node context used outside that node's own callback
  SimInvariantViolated: 1002, // a run stopped on an invariant violation
  SimComponentFault: 1003, // a simulated component threw inside a callback
  SimEventQueueFull: 1004, // a run needed more event-queue slots than configured
  SimInvalidScenario: 1005, // scenario failed validation or topology building

  // agent 1100..1199 (agent/, host-sim/site)
  AgentBadConfig: 1100, // site configuration failed validation (every problem is listed by validateSiteConfig)
  AgentSensorMismatch: 1101, // the platform's sensors do not match the configuration (count or channel count)
  AgentSensorOpenFailed: 1102, // a configured sensor could not be opened (driver missing from this image, or open failed)
  AgentFeatureMissing: 1103, // the role needs code this image was built without (anchor/gateway in a sensor-only image)
  AgentStorageUnavailable: 1104, // the store did not mount: the agent runs without persistence (counted)
  AgentPendingFull: 1105, // every pending-alert slot is in use: the alert waits in the outbox
  AgentMessageMalformed: 1106, // an uplink message failed to decode (length, version, kind, record count)
  AgentNotGateway: 1107, // telemetry or an alert reached a node whose role is not gateway
  AgentNoGateway: 1108, // a record is ready but no gateway is configured
  AgentDuplicateAlert: 1109, // the gateway already handed this alert (source, incarnation, seq) to its sink
  AgentAlertAbandoned: 1110, // an alert used up its delivery attempts
  AgentNoRadio: 1111, // this image has no radio transport: the send is refused (counted)
  // provisioning (README "Building for a board": the board image's radio)
  AgentNotProvisioned: 1115, // no provisioning record in the board's store: the radio stays off (run `picket provision`)
  AgentProvisioningMalformed: 1116, // the stored provisioning record has the wrong length, magic or field values
  AgentProvisioningMismatch: 1117, // the record is for another authority, key epoch or group than the site configuration, or contradicts its gateways
  AgentProvisioningVersion: 1118, // the stored provisioning record has another layout version (e.g. v1, without a role): provision the board again
  SiteBadSpec: 1120, // a site file (host-sim/site) failed validation

  // membership 1200..1299 (core/membership)
  MembershipTransitionNotAllowed: 1200, // no lifecycle transition for this event in this state (e.g. Evicted -> Alive, Left -> Suspect)
  MembershipNotFromSelf: 1201, // only the member itself may do this (refute, announce or finish its leave)
  MembershipNotFromAuthority: 1202, // only the site's coordination may do this (evict, readmit)
  MembershipOriginRefused: 1203, // this origin may not produce this event here (e.g. a member suspecting itself)
  MembershipStaleIncarnation: 1204, // the event's incarnation is older than the transition requires
  MembershipTableFull: 1205, // no free slot and no member the eviction order may displace (tombstone past reap time, Left, Failed)
  MembershipIntroducerCapped: 1206, // this sender already introduced its share of members still Joining
} as const);

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A non-Ok error code. */
export type FailureCode = Exclude<ErrorCode, 0>;

const names: readonly (readonly [ErrorCode, string])[] = Object.freeze(
  Object.entries(ErrorCode).map(([name, code]) => Object.freeze([code, name] as const)),
);

/**
 * The constant's name for a code, for host-side rendering (logs, CLI).
 * Not for hot paths: it scans a small table.
 */
export function errorName(code: number): string {
  for (let i = 0; i < names.length; i++) {
    const entry = names[i];
    if (entry !== undefined && entry[0] === code) return entry[1];
  }
  return "Unknown";
}
