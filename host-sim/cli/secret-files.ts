/**
 * Secrets in files, never on a command line (README "Secrets on the host").
 *
 * A command line is visible to every user of the machine (`ps`, /proc) and
 * is kept in shell history, so the CLI takes no secret as an argument: keys
 * and seeds come from a file, or from standard input with `-`.
 *
 * Files that hold secrets are written so that no other user can ever read
 * them and no one is left half-written: the bytes go to a new temporary file
 * in the same directory, created exclusively (O_CREAT|O_EXCL, so it cannot
 * be a symlink planted in advance) with mode 0600 from its first byte,
 * flushed to disk, then renamed over the destination. A destination that is
 * a symbolic link is refused: rename would replace the link, but the user
 * named a link and may expect its target to change, so neither is done.
 * Several files written by one command are staged first and committed
 * together, so a failure leaves none of the new files behind.
 */
import { closeSync, fsyncSync, lstatSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { basename, dirname, join } from "node:path";
import { UsageError } from "./command";

/** Options that used to take a secret on the command line, and the file option that replaces each. */
export const SECRET_ARGUMENT_REPLACEMENTS: Readonly<Record<string, string>> = Object.freeze({
  "--mac-key": "--mac-key-file",
  "--aead-key": "--aead-key-file",
  "--seed": "--seed-file",
});

/** Refuse, before parsing, any of `flags` given on the command line (with `--flag=value` too), naming the file option to use. */
export function refuseSecretArguments(args: readonly string[], flags: readonly string[]): void {
  for (const arg of args) {
    const flag = arg.split("=", 1)[0] ?? "";
    if (flags.includes(flag)) {
      const replacement = SECRET_ARGUMENT_REPLACEMENTS[flag] ?? `${flag}-file`;
      throw new UsageError(
        `${flag}: secrets are not taken on the command line (other users can read it, shells keep it): put it in a file readable only by you and give ${replacement} FILE, or ${replacement} - to read standard input`,
      );
    }
  }
}

/** Standard input, all of it (for `-`). */
function readStdin(): Buffer {
  return readFileSync(0);
}

/**
 * A secret of `bytes` bytes (hexadecimal text, whitespace ignored) from the
 * file `source`, or from standard input when `source` is `-`. A file that
 * others can read is used, with a warning: removable media carried into an
 * air-gapped site often have no permissions at all.
 */
export function readSecretHex(source: string, flag: string, bytes: number, warn: (line: string) => void): Uint8Array {
  let raw: Buffer;
  if (source === "-") raw = readStdin();
  else {
    let mode: number;
    try {
      const stat = lstatSync(source);
      if (!stat.isFile()) throw new UsageError(`${flag} ${source}: not a regular file`);
      mode = stat.mode;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${flag} ${source}: no such file`);
    }
    if ((mode & 0o077) !== 0) warn(`${source} can be read by other users (mode ${(mode & 0o777).toString(8)}); chmod 600 it`);
    raw = readFileSync(source);
  }
  const text = raw.toString("latin1").replace(/\s+/g, "").toLowerCase();
  raw.fill(0);
  const where = source === "-" ? "standard input" : source;
  if (!/^([0-9a-f]{2})*$/.test(text)) throw new UsageError(`${flag} ${where}: must hold hexadecimal bytes`);
  if (text.length !== 2 * bytes) throw new UsageError(`${flag} ${where}: must hold ${bytes} bytes (got ${text.length / 2})`);
  const out = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) out[i] = Number.parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** What is at `path` without following a link: "none", "link", "file" or "other". */
export function entryAt(path: string): "none" | "link" | "file" | "other" {
  try {
    const stat = lstatSync(path);
    return stat.isSymbolicLink() ? "link" : stat.isFile() ? "file" : "other";
  } catch {
    return "none";
  }
}

interface Staged {
  readonly path: string;
  readonly temporary: string;
  /** Nothing was at `path` before this command (so an abort after commit removes it). */
  readonly fresh: boolean;
  committed: boolean;
}

/**
 * Files one command writes, staged then committed together. `stage` checks
 * the destination and writes the temporary file; `commit` renames every
 * staged file into place; `abort` removes every temporary file, and every
 * committed file that did not exist before.
 */
export class SecretWrites {
  readonly #staged: Staged[] = [];

  /** Stage `data` for `path` (mode 0600). UsageError if `path` is a link, not a regular file, or exists without `overwrite`. */
  stage(path: string, data: Uint8Array, overwrite: boolean, mode = 0o600): void {
    const entry = entryAt(path);
    if (entry === "link") throw new UsageError(`${path} is a symbolic link: secret files are never written through a link (give the real path)`);
    if (entry === "other") throw new UsageError(`${path} exists and is not a regular file`);
    if (entry === "file" && !overwrite) throw new UsageError(`${path} exists (use --force to overwrite)`);
    const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
    let fd: number;
    try {
      fd = openSync(temporary, "wx", mode);
    } catch (error) {
      throw new UsageError(`${path}: cannot create a file in ${dirname(path)} (${error instanceof Error ? error.message : String(error)})`);
    }
    const staged: Staged = { path, temporary, fresh: entry === "none", committed: false };
    this.#staged.push(staged);
    try {
      let written = 0;
      while (written < data.length) written += writeSync(fd, data, written, data.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  /** Rename every staged file into place (in staging order); on a failure, abort and rethrow. */
  commit(): void {
    try {
      for (const staged of this.#staged) {
        renameSync(staged.temporary, staged.path);
        staged.committed = true;
      }
      for (const dir of new Set(this.#staged.map((s) => dirname(s.path)))) syncDirectory(dir);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  /** Remove what this command wrote: temporary files, and committed files that are new. */
  abort(): void {
    for (const staged of this.#staged) {
      const target = staged.committed ? (staged.fresh ? staged.path : undefined) : staged.temporary;
      if (target === undefined) continue;
      try {
        unlinkSync(target);
      } catch {
        // already gone
      }
    }
    this.#staged.length = 0;
  }
}

/** Make a rename durable: fsync the directory that holds it (POSIX; where a directory cannot be opened, the rename stands as the system made it). */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, "r");
    fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Write one secret file (see SecretWrites). */
export function writeSecretFile(path: string, data: Uint8Array, overwrite: boolean): void {
  const writes = new SecretWrites();
  try {
    writes.stage(path, data, overwrite);
    writes.commit();
  } catch (error) {
    writes.abort();
    throw error;
  }
}
