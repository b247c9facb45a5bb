/**
 * `picket inspect FILE`: decode any envelope to CBOR diagnostic notation
 * (RFC 8949 §8) and say what it is: COSE_Sign1 (a node certificate when its
 * payload is one), COSE_Mac0, COSE_Encrypt0, an AKP COSE_Key, any other
 * CBOR (manifests, messages), a protected mesh frame, or a board's
 * storage-partition image from `picket provision` (its provisioning record,
 * the group secret withheld). With keys, each
 * signature, MAC or ciphertext gets a verdict; exit status 1 when any
 * verdict is INVALID or the input does not decode.
 */
import {
  CoseAlg,
  CoseKeyLabel,
  CoseTag,
  FRAME_OVERHEAD_BYTES,
  HeaderLabel,
  KeyKind,
  akpThumbprint,
  decodeAkpKey,
  decodeCertificatePayload,
  decodeEncrypt0,
  decodeMac0,
  decodeSign1,
  isSignatureAlg,
  openEncrypt0,
  parseFrameHeader,
  FrameHeader,
  verifyMac0,
  verifySign1,
  type CoseParts,
} from "../../../core/crypto/index";
import { asTagged } from "../../../core/codec/cbor";
import { toDiagnostic } from "../../../core/codec/diag";
import { ErrorCode } from "../../../core/runtime/errors";
import { readU32, SUPER_MAGIC } from "../../../core/storage/layout";
import { ROLE_NAMES } from "../../../agent/config";
import { AgentStore } from "../../../agent/persistence";
import { PROVISIONING_GENERATIONS, PROVISIONING_RECORD_BYTES, ProvisioningRecord, sendCounterRange } from "../../../agent/provisioning";
import { SimFlash } from "../../../hal/sim/flash";
import type { Command } from "../command";
import { readSecretHex, refuseSecretArguments } from "../secret-files";
import { UsageError, cryptoCli, describe, loadAkpKey, parse, readBytes, runCommand, toHex, type CryptoCli } from "./keygen";

const USAGE =
  "picket inspect FILE [--key PUBLIC.key.pub ...] [--mac-key-file FILE|-] [--aead-key-file FILE|-] [--show-secrets]\n" +
  "  FILE may be binary or hex text; --key checks COSE_Sign1 signatures, --mac-key-file COSE_Mac0 tags,\n" +
  "  --aead-key-file decrypts COSE_Encrypt0 (ChaCha20/Poly1305); both read a 32-byte key as hex from a file\n" +
  "  (- reads standard input): no secret is taken on the command line. A key file's private material is\n" +
  "  never printed unless --show-secrets is given. A storage-partition image from `picket provision` shows its\n" +
  "  provisioning record (node, role, provisioning generation and send-counter range; the group secret withheld).";

/**
 * The labels of a COSE_Key that hold secret material, by key type (RFC 9053
 * §7.1-7.2 OKP/EC2 d = -4, §7.4 Symmetric k = -1; AKP priv = -2,
 * draft-ietf-cose-dilithium §3).
 */
const SECRET_KEY_LABELS: Readonly<Record<number, readonly number[]>> = Object.freeze({
  1: [-4],
  2: [-4],
  4: [-1],
  7: [CoseKeyLabel.Priv],
});

/** The secret labels `value` (a decoded COSE_Key map) holds, or none. */
function secretLabels(value: unknown): readonly number[] {
  if (!(value instanceof Map) || !value.has(CoseKeyLabel.Kty)) return [];
  const kty: unknown = value.get(CoseKeyLabel.Kty);
  const labels = typeof kty === "number" ? (SECRET_KEY_LABELS[kty] ?? []) : [];
  return labels.filter((label) => value.has(label));
}

const ALG_NAMES: Readonly<Record<number, string>> = Object.freeze({
  [CoseAlg.MlDsa44]: "ML-DSA-44",
  [CoseAlg.MlDsa65]: "ML-DSA-65",
  [CoseAlg.MlDsa87]: "ML-DSA-87",
  [CoseAlg.Hmac256]: "HMAC 256/256",
  [CoseAlg.ChaCha20Poly1305]: "ChaCha20/Poly1305",
  [-70_512]: "ML-KEM-512 (local)",
  [-70_768]: "ML-KEM-768 (local)",
});

function algName(alg: number): string {
  return `${ALG_NAMES[alg] ?? "unsupported"} (${alg})`;
}

function diagOf(bytes: Uint8Array): string {
  const rendered = toDiagnostic(bytes);
  return rendered.ok ? rendered.value : `h'${toHex(bytes)}' (not CBOR: ${describe(rendered.code)})`;
}

interface Report {
  readonly lines: string[];
  invalid: boolean;
}

function headerLines(report: Report, parts: CoseParts): void {
  report.lines.push(`  protected   ${parts.protectedBytes.length === 0 ? "{}" : diagOf(parts.protectedBytes)}`);
  report.lines.push(`  alg         ${algName(parts.alg)}`);
  if (parts.kid !== null) report.lines.push(`  kid         ${toHex(parts.kid)}`);
}

function verdict(report: Report, what: string, status: number): void {
  if (status === ErrorCode.Ok) report.lines.push(`  ${what.padEnd(11)} VALID`);
  else {
    report.lines.push(`  ${what.padEnd(11)} INVALID: ${describe(status)}`);
    report.invalid = true;
  }
}

function inspectSign1(cli: CryptoCli, bytes: Uint8Array, keys: readonly string[], report: Report): void {
  const decoded = decodeSign1(cli.codecs, bytes);
  if (!decoded.ok) return verdict(report, "structure", decoded.code);
  const message = decoded.value;
  report.lines.push("COSE_Sign1 (RFC 9052 §4.2)");
  headerLines(report, message);
  report.lines.push(`  signature   ${message.signature.length} bytes`);
  if (message.payload !== null) {
    const cert = decodeCertificatePayload(cli.codecs, message.payload);
    if (cert.ok) {
      const c = cert.value;
      report.lines.push(`  payload     node certificate: node ${c.nodeId}, roles ${c.roles}, epochs ${c.firstEpoch}..${c.lastEpoch}`);
      report.lines.push(`              key commitment ${toHex(c.signingKeyCommitment)}, KEM commitment ${toHex(c.kemKeyCommitment)}`);
    } else {
      report.lines.push(`  payload     ${diagOf(message.payload)}`);
    }
  } else {
    report.lines.push("  payload     detached (nil)");
  }
  if (keys.length === 0) {
    report.lines.push("  signature   not checked (give --key)");
    return;
  }
  for (const path of keys) {
    const key = loadAkpKey(cli, path);
    if (!isSignatureAlg(key.alg)) {
      verdict(report, "signature", ErrorCode.CryptoUnknownAlgorithm);
      continue;
    }
    verdict(report, "signature", verifySign1(cli.provider, cli.codecs, message, key.alg, key.pub));
    report.lines.push(`              (with ${path})`);
  }
}

function inspectMac0(cli: CryptoCli, bytes: Uint8Array, macKey: Uint8Array | null, report: Report): void {
  const decoded = decodeMac0(cli.codecs, bytes);
  if (!decoded.ok) return verdict(report, "structure", decoded.code);
  report.lines.push("COSE_Mac0 (RFC 9052 §6.2)");
  headerLines(report, decoded.value);
  report.lines.push(`  payload     ${diagOf(decoded.value.payload)}`);
  if (macKey === null) return void report.lines.push("  tag         not checked (give --mac-key-file)");
  const key = cli.provider.importSymmetricKey(KeyKind.Mac, macKey);
  if (!key.ok) return verdict(report, "tag", key.code);
  verdict(report, "tag", verifyMac0(cli.provider, cli.codecs, decoded.value, key.value));
}

function inspectEncrypt0(cli: CryptoCli, bytes: Uint8Array, aeadKey: Uint8Array | null, report: Report): void {
  const decoded = decodeEncrypt0(cli.codecs, bytes);
  if (!decoded.ok) return verdict(report, "structure", decoded.code);
  report.lines.push("COSE_Encrypt0 (RFC 9052 §5.2)");
  headerLines(report, decoded.value);
  if (decoded.value.iv !== null) report.lines.push(`  iv          ${toHex(decoded.value.iv)}`);
  report.lines.push(`  ciphertext  ${decoded.value.ciphertext.length} bytes`);
  if (aeadKey === null) return void report.lines.push("  plaintext   not decrypted (give --aead-key-file)");
  const key = cli.provider.importSymmetricKey(KeyKind.Aead, aeadKey);
  if (!key.ok) return verdict(report, "plaintext", key.code);
  const opened = openEncrypt0(cli.provider, cli.codecs, decoded.value, key.value);
  if (!opened.ok) return verdict(report, "plaintext", opened.code);
  verdict(report, "tag", ErrorCode.Ok);
  report.lines.push(`  plaintext   ${diagOf(opened.value)}`);
}

function inspectKey(cli: CryptoCli, bytes: Uint8Array, report: Report): void {
  const key = decodeAkpKey(cli.codecs.strict, bytes);
  if (!key.ok) return verdict(report, "COSE_Key", key.code);
  report.lines.push("COSE_Key, key type AKP (draft-ietf-cose-dilithium §3)");
  report.lines.push(`  alg         ${algName(key.value.alg)}`);
  report.lines.push(`  public key  ${key.value.pub.length} bytes`);
  report.lines.push(`  private     ${key.value.priv === null ? "no" : `yes (${key.value.priv.length}-byte seed)`}`);
  if (isSignatureAlg(key.value.alg)) {
    const thumb = new Uint8Array(32);
    akpThumbprint(cli.provider, cli.codecs.strict, key.value.alg, key.value.pub, thumb);
    report.lines.push(`  thumbprint  ${toHex(thumb)} (RFC 9679)`);
    if (key.value.kid !== null && toHex(key.value.kid) !== toHex(thumb)) verdict(report, "kid", ErrorCode.CoseKidMismatch);
  }
}

function inspectFrame(bytes: Uint8Array, report: Report): boolean {
  const header = new FrameHeader();
  if (parseFrameHeader(bytes, header) !== ErrorCode.Ok) return false;
  report.lines.push("protected mesh frame (core/crypto/frame-protect.ts)");
  report.lines.push(`  channel     ${header.channel === 0 ? "group" : "pairwise"}`);
  report.lines.push(`  sender      ${header.senderId}`);
  report.lines.push(`  key epoch   ${header.epoch}`);
  report.lines.push(`  counter     ${header.counter}`);
  report.lines.push(`  ciphertext  ${bytes.length - FRAME_OVERHEAD_BYTES} bytes + 16-byte tag (not checked: needs the session's traffic key)`);
  return true;
}

/** Offsets of a superblock record's geometry (core/storage/superblock.ts). */
const SUPER_BLOCK_BYTES_AT = 16;
const SUPER_BLOCK_COUNT_AT = 20;

/** The geometry of a flash-store image (a superblock in block 0 or 1 that describes `bytes`), or undefined. */
function storeGeometry(bytes: Uint8Array): { readonly blockBytes: number; readonly blockCount: number } | undefined {
  for (let blockBytes = 256; blockBytes <= 65_536; blockBytes *= 2) {
    if (bytes.length % blockBytes !== 0 || bytes.length / blockBytes < 2) continue;
    for (const at of [0, blockBytes]) {
      if (readU32(bytes, at) !== SUPER_MAGIC) continue;
      if (readU32(bytes, at + SUPER_BLOCK_BYTES_AT) === blockBytes && readU32(bytes, at + SUPER_BLOCK_COUNT_AT) * blockBytes === bytes.length) return { blockBytes, blockCount: bytes.length / blockBytes };
    }
  }
  return undefined;
}

/** A `picket provision` image: its provisioning record, the group secret withheld unless `showSecrets`. False if `bytes` is no flash store. */
function inspectProvisioningImage(bytes: Uint8Array, showSecrets: boolean, report: Report): boolean {
  const geometry = storeGeometry(bytes);
  if (geometry === undefined) return false;
  const flash = SimFlash.create({ blockSizeBytes: geometry.blockBytes, blockCount: geometry.blockCount });
  if (!flash.ok || flash.value.load(bytes) !== ErrorCode.Ok) return false;
  report.lines.push(`flash store image (core/storage): ${geometry.blockCount} blocks of ${geometry.blockBytes} bytes`);
  // Alert slots and site size size only the keys after the record's (agent/persistence.ts StoreKey), so neither is needed to read it.
  const store = AgentStore.open(flash.value, { alertSlots: 0, siteSize: 1 });
  const recordBytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const length = store.mounted ? store.loadProvisioning(recordBytes, 0) : -store.mountStatus;
  const record = length < 0 ? -length : ProvisioningRecord.parse(recordBytes, length);
  if (typeof record === "number") {
    recordBytes.fill(0);
    verdict(report, "record", record);
    return true;
  }
  const range = sendCounterRange(record.generation);
  report.lines.push("provisioning record (agent/provisioning.ts, layout version 3)");
  report.lines.push(`  node        ${record.nodeId}, ${ROLE_NAMES[record.role - 1] ?? "?"}`);
  report.lines.push(`  generation  ${record.generation} (of ${PROVISIONING_GENERATIONS} per key): send counters ${range?.firstValue ?? "?"}..${range?.maxValue ?? "?"}`);
  report.lines.push(`  key epoch   ${record.keyEpoch}, group ${record.groupId}, senders 1..${record.senderIdMax}`);
  report.lines.push(`  gateways    ${record.preferredGateways.length === 0 ? "the site's order" : record.preferredGateways.join(", ")}`);
  report.lines.push(`  authority   ${toHex(record.authorityCommitment)}`);
  report.lines.push(`  pair keys   with ${record.keyedPeers.length === 0 ? "no board" : record.keyedPeers.join(", ")}${allZero(record.gatewayRoot) ? "" : "; a gateway root for every other board"}`);
  if (showSecrets) {
    report.lines.push(`  secret      ${toHex(record.floodSecret)} (flood secret F)`);
    if (!allZero(record.gatewayRoot)) report.lines.push(`  secret      ${toHex(record.gatewayRoot)} (gateway root)`);
    record.pairSecrets.forEach((secret, i) => report.lines.push(`  secret      ${toHex(secret)} (pair secret with ${record.keyedPeers[i] ?? "?"})`));
  } else {
    const count = 1 + record.pairSecrets.length + (allZero(record.gatewayRoot) ? 0 : 1);
    report.lines.push(`  secrets     withheld: ${count} secret(s) of 32 bytes (flood secret${record.pairSecrets.length > 0 ? ", pair secrets" : ""}${allZero(record.gatewayRoot) ? "" : ", gateway root"}); --show-secrets prints them`);
  }
  recordBytes.fill(0);
  return true;
}

export const inspectCommand: Command = {
  name: "inspect",
  summary: "decode an envelope, certificate, key, frame or manifest to CBOR diagnostic notation",
  usage: USAGE,
  run: (args) =>
    runCommand("inspect", USAGE, () => {
      refuseSecretArguments(args, ["--mac-key", "--aead-key"]);
      const { values, positionals } = parse(
        args,
        { key: { type: "string", multiple: true }, "mac-key-file": { type: "string" }, "aead-key-file": { type: "string" }, "show-secrets": { type: "boolean" } },
        true,
      );
      if (positionals.length !== 1) throw new UsageError("needs exactly one FILE");
      if (values["mac-key-file"] === "-" && values["aead-key-file"] === "-") throw new UsageError("--mac-key-file and --aead-key-file cannot both read standard input");
      const bytes = readBytes(positionals[0] ?? "");
      const warn = (line: string): boolean => process.stderr.write(`picket inspect: ${line}\n`);
      const macKey = values["mac-key-file"] === undefined ? null : readSecretHex(values["mac-key-file"], "--mac-key-file", 32, warn);
      const aeadKey = values["aead-key-file"] === undefined ? null : readSecretHex(values["aead-key-file"], "--aead-key-file", 32, warn);
      const cli = cryptoCli();
      const report: Report = { lines: [], invalid: false };
      const rendered = inspectProvisioningImage(bytes, values["show-secrets"] === true, report) ? undefined : toDiagnostic(bytes);
      if (rendered === undefined) {
        // a storage-partition image: reported above
      } else if (!rendered.ok) {
        if (!inspectFrame(bytes, report)) throw new UsageError(`not CBOR and not a protected frame: ${describe(rendered.code)}`);
      } else {
        const decoded = cli.codecs.interop.decode(bytes);
        const secrets = decoded.ok ? secretLabels(decoded.value) : [];
        if (secrets.length === 0 || values["show-secrets"] === true) report.lines.push(`diagnostic (${bytes.length} bytes):`, `  ${rendered.value}`, "");
        else report.lines.push(`diagnostic (${bytes.length} bytes): withheld, the key holds private material (label ${secrets.join(", ")}); --show-secrets prints it`, "");
        const tag = decoded.ok ? asTagged(decoded.value)?.tag : undefined;
        if (tag === CoseTag.Sign1) inspectSign1(cli, bytes, values.key ?? [], report);
        else if (tag === CoseTag.Mac0) inspectMac0(cli, bytes, macKey, report);
        else if (tag === CoseTag.Encrypt0) inspectEncrypt0(cli, bytes, aeadKey, report);
        else if (decoded.ok && decoded.value instanceof Map && decoded.value.has(CoseKeyLabel.Kty)) inspectKey(cli, bytes, report);
        else if (decoded.ok && decoded.value instanceof Map && decoded.value.has(HeaderLabel.Alg)) report.lines.push("a CBOR map (header-like)");
        else report.lines.push(decoded.ok ? "CBOR data item (no known envelope)" : `CBOR data item (outside the COSE decoding policy: ${describe(decoded.code)})`);
      }
      process.stdout.write(`${report.lines.join("\n")}\n`);
      return report.invalid ? 1 : 0;
    }),
};

function allZero(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0);
}
