/**
 * `picket keygen`: make an ML-DSA or ML-KEM key pair as AKP COSE_Key files
 * (draft-ietf-cose-dilithium §3-§4: the private key is the seed).
 *
 * Also home to the small helpers the other crypto commands share (cert,
 * merkle, inspect): argument parsing, host entropy, key files.
 */
import { randomFillSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { parseStrict, type OptionsConfig, type ParsedArgs } from "../args";
import {
  CoseAlg,
  KemAlg,
  NobleCryptoProvider,
  akpThumbprint,
  coseAlgFromKem,
  createCoseCodecs,
  decodeAkpKey,
  encodeAkpKey,
  isSignatureAlg,
  kemAlgFromCose,
  keyCommitment,
  type AkpKey,
  type CoseCodecs,
  type EntropySource,
  type KeyHandle,
} from "../../../core/crypto/index";
import { ErrorCode, errorName } from "../../../core/runtime/errors";
import type { Result, Status } from "../../../core/runtime/result";
import { SeededEntropy } from "../../../hal/sim/entropy";
import { usageError, UsageError, type Command } from "../command";
import { readSecretHex, refuseSecretArguments, SecretWrites } from "../secret-files";

/** Host randomness for real keys (Node's CSPRNG); the simulator uses seeded entropy instead. */
export class HostEntropy implements EntropySource {
  fill(out: Uint8Array): Status {
    randomFillSync(out);
    return ErrorCode.Ok;
  }
}

export interface CryptoCli {
  readonly provider: NobleCryptoProvider;
  readonly codecs: CoseCodecs;
}

export function cryptoCli(entropy: EntropySource = new HostEntropy()): CryptoCli {
  const provider = NobleCryptoProvider.create(entropy, {
    symmetricSlots: 16,
    signingSlots: 4,
    largestSignatureAlg: CoseAlg.MlDsa87,
    kemSlots: 4,
    largestKemAlg: KemAlg.MlKem768,
  });
  const codecs = createCoseCodecs();
  if (!provider.ok || !codecs.ok) throw new Error("crypto setup failed");
  return { provider: provider.value, codecs: codecs.value };
}

/** Thrown for bad command lines; commands turn it into exit status 2. */
export { UsageError };

/** The one strict parser (host-sim/cli/args.ts), typed by `options`; a usage error names the option and suggests the nearest. */
export function parse<const O extends OptionsConfig>(args: readonly string[], options: O, positionals = false): ParsedArgs<O> {
  const result = parseStrict(args, options, positionals);
  if (!result.ok) throw new UsageError(result.message);
  return result.parsed;
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value.length === 0) throw new UsageError(`${flag} is required`);
  return value;
}

export function integerOption(value: string | undefined, flag: string, min: number, max: number): number {
  const text = required(value, flag);
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${flag}: must be an integer ${min}..${max}`);
  return n;
}

export function hexOption(value: string | undefined, flag: string, bytes?: number): Uint8Array {
  const text = required(value, flag).replace(/\s+/g, "").toLowerCase();
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new UsageError(`${flag}: must be hexadecimal bytes`);
  const out = new Uint8Array(Buffer.from(text, "hex"));
  if (bytes !== undefined && out.length !== bytes) throw new UsageError(`${flag}: must be ${bytes} bytes (got ${out.length})`);
  return out;
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** A file's bytes; a file that is entirely hex text (whitespace allowed) is decoded. */
export function readBytes(path: string): Uint8Array {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file`);
  const raw = new Uint8Array(readFileSync(path));
  const text = Buffer.from(raw).toString("latin1").replace(/\s+/g, "");
  if (text.length > 0 && text.length % 2 === 0 && /^[0-9a-fA-F]+$/.test(text)) return new Uint8Array(Buffer.from(text, "hex"));
  return raw;
}

export function describe(code: number): string {
  return `${errorName(code)} (${code})`;
}

export function unwrapOr<T>(result: Result<T>, what: string): T {
  if (!result.ok) throw new CommandFailure(`${what}: ${describe(result.code)}`);
  return result.value;
}

/** A failure the user should see (exit status 1). */
export class CommandFailure extends Error {}

/** Run a command body; usage errors exit 2, failures 1, with clear messages. */
export async function runCommand(name: string, usage: string, body: () => Promise<number> | number): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) return usageError(name, error.message, usage);
    if (error instanceof CommandFailure) {
      process.stderr.write(`picket ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

export function loadAkpKey(cli: CryptoCli, path: string): AkpKey {
  return unwrapOr(decodeAkpKey(cli.codecs.strict, readBytes(path)), `${path}: not a usable AKP COSE_Key`);
}

/** A signing key handle from a private COSE_Key file (seed). */
export function loadSigningKey(cli: CryptoCli, path: string): { key: KeyHandle; alg: number } {
  const file = loadAkpKey(cli, path);
  if (file.priv === null || !isSignatureAlg(file.alg)) throw new CommandFailure(`${path}: not a private ML-DSA key`);
  const key = unwrapOr(cli.provider.importSigningSeed(file.alg, file.priv), `${path}: key import`);
  file.priv.fill(0);
  return { key, alg: file.alg };
}

const ALGORITHMS: Readonly<Record<string, number>> = Object.freeze({
  "ml-dsa-44": CoseAlg.MlDsa44,
  "ml-dsa-65": CoseAlg.MlDsa65,
  "ml-dsa-87": CoseAlg.MlDsa87,
  "ml-kem-512": coseAlgFromKem(KemAlg.MlKem512),
  "ml-kem-768": coseAlgFromKem(KemAlg.MlKem768),
});

export const keygenCommand: Command = {
  name: "keygen",
  summary: "make an ML-DSA or ML-KEM key pair (AKP COSE_Key files)",
  usage:
    "picket keygen --alg ml-dsa-44|ml-dsa-65|ml-dsa-87|ml-kem-512|ml-kem-768 --out FILE [--seed-file FILE|-] [--force]\n" +
    "  writes FILE (private: the seed, mode 0600, created atomically) and FILE.pub (public key, kid = RFC 9679 thumbprint)\n" +
    "  --seed-file F  derive from a fixed seed read from F as hex (32 bytes ML-DSA, 64 bytes ML-KEM; - reads standard\n" +
    "                 input): tests only, never for real keys. No secret is taken on the command line.",
  run: (args) =>
    runCommand("keygen", keygenCommand.usage, () => {
      refuseSecretArguments(args, ["--seed"]);
      const { values } = parse(args, { alg: { type: "string" }, out: { type: "string" }, "seed-file": { type: "string" }, force: { type: "boolean" } });
      const algName = required(values.alg, "--alg");
      const alg = ALGORITHMS[algName];
      if (alg === undefined) throw new UsageError(`--alg: unknown algorithm "${algName}" (known: ${Object.keys(ALGORITHMS).join(", ")})`);
      const out = required(values.out, "--out");
      if (!values.force && (existsSync(out) || existsSync(`${out}.pub`))) throw new UsageError(`${out} exists (use --force to overwrite)`);
      const kem = kemAlgFromCose(alg);
      const seedBytes = kem === 0 ? 32 : 64;
      const seedFile = values["seed-file"];
      const warn = (line: string): boolean => process.stderr.write(`picket keygen: ${line}\n`);
      const seed = seedFile === undefined ? new Uint8Array(seedBytes) : readSecretHex(seedFile, "--seed-file", seedBytes, warn);
      if (seedFile === undefined) randomFillSync(seed);
      else warn("WARNING: key derived from a given seed; use for tests only");
      const cli = cryptoCli(new SeededEntropy(0));
      const key = isSignatureAlg(alg)
        ? unwrapOr(cli.provider.importSigningSeed(alg, seed), "key generation")
        : unwrapOr(cli.provider.importKemSeed(kem === 0 ? KemAlg.MlKem512 : kem, seed), "key generation");
      const pub = new Uint8Array(4096);
      const pubLength = cli.provider.publicKey(key, pub);
      if (pubLength < 0) throw new CommandFailure(`public key: ${describe(-pubLength)}`);
      const publicKey = pub.slice(0, pubLength);
      let kid: Uint8Array | null = null;
      if (isSignatureAlg(alg)) {
        kid = new Uint8Array(32);
        akpThumbprint(cli.provider, cli.codecs.strict, alg, publicKey, kid);
      }
      const commitment = new Uint8Array(32);
      keyCommitment(cli.provider, alg, publicKey, commitment);
      const record = { alg, pub: publicKey, priv: seed, kid };
      const privateBytes = unwrapOr(encodeAkpKey(cli.codecs.strict, record, true), "encode private key");
      const writes = new SecretWrites();
      try {
        writes.stage(out, privateBytes, values.force === true);
        writes.stage(`${out}.pub`, unwrapOr(encodeAkpKey(cli.codecs.strict, record, false), "encode public key"), values.force === true, 0o644);
        writes.commit();
      } catch (error) {
        writes.abort();
        throw error;
      } finally {
        privateBytes.fill(0);
        seed.fill(0);
      }
      process.stdout.write(
        [
          `algorithm   ${algName} (COSE alg ${alg})`,
          `private     ${out} (seed, mode 0600)`,
          `public      ${out}.pub (${publicKey.length} byte key)`,
          ...(kid === null ? [] : [`kid         ${toHex(kid)}`]),
          `commitment  ${toHex(commitment)}`,
          "",
        ].join("\n"),
      );
      return 0;
    }),
};
