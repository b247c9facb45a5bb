/**
 * `picket merkle root|prove|verify`: RFC 9162 Merkle trees over files
 * (core/crypto/merkle.ts). Leaves are whole files (one per argument), or
 * with --chunk-bytes N the consecutive N-byte chunks of one file (a
 * firmware image). Proofs are text: one 32-byte hash in hex per line.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { MERKLE_CAPACITY_MAX, MERKLE_PROOF_MAX_HASHES, MerkleTree, verifyConsistency, verifyInclusion } from "../../../core/crypto/index";
import { ErrorCode } from "../../../core/runtime/errors";
import type { Command } from "../command";
import { CommandFailure, UsageError, cryptoCli, describe, hexOption, integerOption, parse, readBytes, required, runCommand, toHex, unwrapOr } from "./keygen";

const USAGE =
  "picket merkle root [--chunk-bytes N] FILE...\n" +
  "       picket merkle prove --index I [--size N] [--chunk-bytes N] [--out PROOF] FILE...\n" +
  "       picket merkle prove --consistency OLD_SIZE [--size N] [--chunk-bytes N] [--out PROOF] FILE...\n" +
  "       picket merkle verify --root HEX --size N --index I --proof PROOF (--leaf FILE | --leaf-hash HEX)\n" +
  "       picket merkle verify --consistency OLD_SIZE --old-root HEX --root HEX --size N --proof PROOF\n" +
  "  leaves are whole files, or with --chunk-bytes the N-byte chunks of one file; proofs are hex, one hash per line";

const TREE_OPTIONS = {
  "chunk-bytes": { type: "string" },
  size: { type: "string" },
} as const;

/** Build the tree from the command's leaf arguments, printing progress for big inputs. */
function buildTree(files: readonly string[], chunkText: string | undefined): MerkleTree {
  if (files.length === 0) throw new UsageError("needs at least one FILE");
  const cli = cryptoCli();
  let leaves: Uint8Array[];
  if (chunkText !== undefined) {
    if (files.length !== 1) throw new UsageError("--chunk-bytes takes exactly one FILE");
    const chunk = integerOption(chunkText, "--chunk-bytes", 1, 1 << 24);
    const data = new Uint8Array(readFileSync(required(files[0], "FILE")));
    leaves = [];
    for (let at = 0; at < data.length; at += chunk) leaves.push(data.subarray(at, Math.min(at + chunk, data.length)));
  } else {
    leaves = files.map((file) => new Uint8Array(readFileSync(file)));
  }
  if (leaves.length === 0) throw new UsageError("no leaves (empty file?)");
  if (leaves.length > MERKLE_CAPACITY_MAX) throw new UsageError(`too many leaves (${leaves.length} > ${MERKLE_CAPACITY_MAX}); use a larger --chunk-bytes`);
  const tree = unwrapOr(MerkleTree.create(cli.provider, leaves.length), "tree");
  for (let i = 0; i < leaves.length; i++) {
    const status = tree.appendData(leaves[i] ?? new Uint8Array(0));
    if (status !== ErrorCode.Ok) throw new CommandFailure(`leaf ${i}: ${describe(status)}`);
    if (leaves.length >= 10_000 && i % 10_000 === 9_999) process.stderr.write(`picket merkle: hashed ${i + 1}/${leaves.length} leaves\n`);
  }
  return tree;
}

function readProof(path: string): Uint8Array {
  const bytes = readBytes(path);
  if (bytes.length % 32 !== 0) throw new UsageError(`${path}: a proof is a list of 32-byte hashes`);
  return bytes;
}

function root(args: readonly string[]): number {
  const { values, positionals } = parse(args, TREE_OPTIONS, true);
  const tree = buildTree(positionals, values["chunk-bytes"]);
  const out = new Uint8Array(32);
  const size = values.size === undefined ? tree.size : integerOption(values.size, "--size", 0, tree.size);
  tree.root(out, size);
  process.stdout.write(`size ${size}\nroot ${toHex(out)}\n`);
  return 0;
}

function prove(args: readonly string[]): number {
  const { values, positionals } = parse(args, { ...TREE_OPTIONS, index: { type: "string" }, consistency: { type: "string" }, out: { type: "string" } }, true);
  const tree = buildTree(positionals, values["chunk-bytes"]);
  const size = values.size === undefined ? tree.size : integerOption(values.size, "--size", 1, tree.size);
  const proof = new Uint8Array(MERKLE_PROOF_MAX_HASHES * 32);
  let count: number;
  let what: string;
  if (values.consistency !== undefined) {
    const old = integerOption(values.consistency, "--consistency", 1, size);
    count = tree.consistencyProof(old, size, proof);
    what = `consistency ${old} -> ${size}`;
  } else {
    const index = integerOption(values.index, "--index", 0, size - 1);
    count = tree.inclusionProof(index, size, proof);
    what = `inclusion of leaf ${index} in ${size}`;
  }
  if (count < 0) throw new CommandFailure(describe(-count));
  const lines = Array.from({ length: count }, (_, i) => toHex(proof.subarray(i * 32, (i + 1) * 32)));
  const text = lines.length === 0 ? "" : `${lines.join("\n")}\n`;
  if (values.out !== undefined) {
    writeFileSync(values.out, text);
    process.stdout.write(`${what}: ${count} hashes -> ${values.out}\n`);
  } else {
    process.stdout.write(text);
  }
  return 0;
}

function verify(args: readonly string[]): number {
  const { values } = parse(args, {
    root: { type: "string" },
    "old-root": { type: "string" },
    size: { type: "string" },
    index: { type: "string" },
    consistency: { type: "string" },
    proof: { type: "string" },
    leaf: { type: "string" },
    "leaf-hash": { type: "string" },
  });
  const cli = cryptoCli();
  const rootHash = hexOption(values.root, "--root", 32);
  const size = integerOption(values.size, "--size", 0, 0xffff_ffff);
  const proof = readProof(required(values.proof, "--proof"));
  let status: number;
  if (values.consistency !== undefined) {
    const old = integerOption(values.consistency, "--consistency", 0, size);
    status = verifyConsistency(cli.provider, old, size, hexOption(values["old-root"], "--old-root", 32), rootHash, proof);
  } else {
    const index = integerOption(values.index, "--index", 0, 0xffff_ffff);
    let leafHash: Uint8Array;
    if (values["leaf-hash"] !== undefined) leafHash = hexOption(values["leaf-hash"], "--leaf-hash", 32);
    else {
      leafHash = new Uint8Array(32);
      cli.provider.hashParts(0x00, new Uint8Array(readFileSync(required(values.leaf, "--leaf or --leaf-hash"))), null, leafHash);
    }
    status = verifyInclusion(cli.provider, leafHash, index, size, proof, rootHash);
  }
  if (status !== ErrorCode.Ok) throw new CommandFailure(`INVALID: ${describe(status)}`);
  process.stdout.write("VALID\n");
  return 0;
}

export const merkleCommand: Command = {
  name: "merkle",
  summary: "RFC 9162 Merkle root, inclusion and consistency proofs over files",
  usage: USAGE,
  run: (args) =>
    runCommand("merkle", USAGE, () => {
      const [sub, ...rest] = args;
      if (sub === "root") return root(rest);
      if (sub === "prove") return prove(rest);
      if (sub === "verify") return verify(rest);
      throw new UsageError(sub === undefined ? "needs a subcommand: root, prove or verify" : `unknown subcommand "${sub}"`);
    }),
};
