/**
 * `picket cert issue|verify`: node certificates (core/crypto/certificate.ts).
 *
 *   issue:  the site authority (ML-DSA-65/87 private key file) signs a node's
 *           ML-DSA-44 and ML-KEM public keys' commitments, id, roles and
 *           validity epochs into a COSE_Sign1.
 *   verify: check a certificate against one or more trusted authority public
 *           keys at an epoch; optionally the node's key and a required role.
 */
import { writeFileSync } from "node:fs";
import {
  CoseAlg,
  Role,
  SigningMode,
  checkCertificateRole,
  checkCertificateSigningKey,
  issueNodeCertificate,
  isSignatureAlg,
  kemAlgFromCose,
  keyCommitment,
  trustAuthority,
  verifyNodeCertificate,
  type NodeCertificate,
  type TrustedAuthority,
} from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Command } from "../command";
import {
  CommandFailure,
  UsageError,
  cryptoCli,
  describe,
  integerOption,
  loadAkpKey,
  loadSigningKey,
  parse,
  readBytes,
  required,
  runCommand,
  toHex,
  unwrapOr,
  type CryptoCli,
} from "./keygen";

const ROLE_NAMES: Readonly<Record<string, number>> = Object.freeze({ sensor: Role.Sensor, anchor: Role.Anchor, gateway: Role.Gateway });

function parseRoles(text: string): number {
  let roles = 0;
  for (const name of text.split(",")) {
    const bit = ROLE_NAMES[name.trim()];
    if (bit === undefined) throw new UsageError(`--roles: unknown role "${name}" (known: sensor, anchor, gateway)`);
    roles |= bit;
  }
  return roles;
}

function roleNames(roles: number): string {
  return Object.entries(ROLE_NAMES)
    .filter(([, bit]) => (roles & bit) !== 0)
    .map(([name]) => name)
    .join(",");
}

const USAGE =
  "picket cert issue --authority AUTHORITY.key --node-key NODE.key.pub --kem-key NODE-KEM.key.pub --node-id N\n" +
  "                  --roles sensor,anchor,gateway --first-epoch E --last-epoch E --out FILE [--deterministic]\n" +
  "       picket cert verify --cert FILE --authority AUTHORITY.key.pub [--authority ...] --epoch E\n" +
  "                  [--node-key NODE.key.pub] [--role ROLE]";

function issue(args: readonly string[]): number {
  const { values } = parse(args, {
    authority: { type: "string" },
    "node-key": { type: "string" },
    "kem-key": { type: "string" },
    "node-id": { type: "string" },
    roles: { type: "string" },
    "first-epoch": { type: "string" },
    "last-epoch": { type: "string" },
    out: { type: "string" },
    deterministic: { type: "boolean" },
  });
  const cli = cryptoCli();
  const authority = loadSigningKey(cli, required(values.authority, "--authority"));
  if (authority.alg === CoseAlg.MlDsa44) process.stderr.write("picket cert: note: the site authority should use ML-DSA-65 or -87\n");
  const node = loadAkpKey(cli, required(values["node-key"], "--node-key"));
  if (node.alg !== CoseAlg.MlDsa44) throw new UsageError("--node-key: node identities are ML-DSA-44 keys");
  const kem = loadAkpKey(cli, required(values["kem-key"], "--kem-key"));
  if (kemAlgFromCose(kem.alg) === 0) throw new UsageError("--kem-key: must be an ML-KEM-512 or -768 key");
  const signingKeyCommitment = new Uint8Array(32);
  const kemKeyCommitment = new Uint8Array(32);
  keyCommitment(cli.provider, node.alg, node.pub, signingKeyCommitment);
  keyCommitment(cli.provider, kem.alg, kem.pub, kemKeyCommitment);
  const cert: NodeCertificate = {
    nodeId: integerOption(values["node-id"], "--node-id", 1, 0xffff_ffff),
    signingKeyCommitment,
    kemKeyCommitment,
    roles: parseRoles(required(values.roles, "--roles")),
    firstEpoch: integerOption(values["first-epoch"], "--first-epoch", 0, 0xffff_ffff),
    lastEpoch: integerOption(values["last-epoch"], "--last-epoch", 0, 0xffff_ffff),
  };
  if (cert.firstEpoch > cert.lastEpoch) throw new UsageError("--first-epoch must not be after --last-epoch");
  process.stderr.write("picket cert: signing (ML-DSA)...\n");
  const mode = values.deterministic === true ? SigningMode.Deterministic : SigningMode.Hedged;
  const bytes = unwrapOr(issueNodeCertificate(cli.provider, cli.codecs, authority.key, cert, mode), "issue");
  const out = required(values.out, "--out");
  writeFileSync(out, bytes);
  process.stdout.write(`certificate for node ${cert.nodeId} (${roleNames(cert.roles)}, epochs ${cert.firstEpoch}..${cert.lastEpoch}): ${out}, ${bytes.length} bytes\n`);
  return 0;
}

function trust(cli: CryptoCli, path: string): TrustedAuthority {
  const key = loadAkpKey(cli, path);
  if (!isSignatureAlg(key.alg)) throw new UsageError(`${path}: not an ML-DSA public key`);
  return unwrapOr(trustAuthority(cli.provider, cli.codecs, key.alg, key.pub), path);
}

function verify(args: readonly string[]): number {
  const { values } = parse(args, {
    cert: { type: "string" },
    authority: { type: "string", multiple: true },
    epoch: { type: "string" },
    "node-key": { type: "string" },
    role: { type: "string" },
  });
  const cli = cryptoCli();
  const authorities = (values.authority ?? []).map((path) => trust(cli, path));
  if (authorities.length === 0) throw new UsageError("--authority is required (one or more)");
  const epoch = integerOption(values.epoch, "--epoch", 0, 0xffff_ffff);
  const bytes = readBytes(required(values.cert, "--cert"));
  const result = verifyNodeCertificate(cli.provider, cli.codecs, bytes, authorities, epoch);
  if (!result.ok) throw new CommandFailure(`INVALID: ${describe(result.code)}`);
  const cert = result.value;
  const lines = [
    `node id        ${cert.nodeId}`,
    `roles          ${roleNames(cert.roles)}`,
    `valid epochs   ${cert.firstEpoch}..${cert.lastEpoch} (checked at ${epoch})`,
    `key commitment ${toHex(cert.signingKeyCommitment)}`,
    `KEM commitment ${toHex(cert.kemKeyCommitment)}`,
  ];
  if (values["node-key"] !== undefined) {
    const node = loadAkpKey(cli, values["node-key"]);
    const status = isSignatureAlg(node.alg) ? checkCertificateSigningKey(cli.provider, cert, node.alg, node.pub) : ErrorCode.CryptoUnknownAlgorithm;
    if (status !== ErrorCode.Ok) throw new CommandFailure(`INVALID: node key: ${describe(status)}`);
    lines.push("node key       matches the commitment");
  }
  if (values.role !== undefined) {
    const status = checkCertificateRole(cert, parseRoles(values.role));
    if (status !== ErrorCode.Ok) throw new CommandFailure(`INVALID: role ${values.role}: ${describe(status)}`);
  }
  lines.push("VALID");
  process.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

export const certCommand: Command = {
  name: "cert",
  summary: "issue or verify node certificates (COSE_Sign1 by the site authority)",
  usage: USAGE,
  run: (args) =>
    runCommand("cert", USAGE, () => {
      const [sub, ...rest] = args;
      if (sub === "issue") return issue(rest);
      if (sub === "verify") return verify(rest);
      throw new UsageError(sub === undefined ? "needs a subcommand: issue or verify" : `unknown subcommand "${sub}"`);
    }),
};
