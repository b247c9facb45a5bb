/**
 * The authority's provisioning ledger: which provisioning generation
 * (agent/provisioning.ts) each board was given under each key.
 *
 * Every receiver derives a sender's key from the group secret, group, key
 * epoch and node id alone, so a board provisioned again under the same
 * secret and epoch gets the same key, and its freshly formatted store has
 * forgotten which send counters it issued. A sender sequence number must
 * never be reused under one key (RFC 8613 §7.5, App. B.1.1), so each
 * provisioning of a (group, epoch, node) takes the next generation, whose
 * counter range no earlier one could have used; the ledger is what lets the
 * authority prove which generations are taken. Hence:
 *
 * - one JSON line per provisioning, appended and fsynced BEFORE the image
 *   is written: a crash between the two burns a generation (safe), never
 *   hands one out twice;
 * - a ledger that cannot be read, parsed or proven consistent (each line's
 *   generation is the count of earlier lines for its triple) is a refusal
 *   naming the file and line: fail closed, never guess;
 * - a missing ledger is a refusal too, unless the run starts one (a new
 *   group secret, or an explicit --new-ledger for a secret that has never
 *   provisioned a board);
 * - the file is created 0600 (it holds no secret, but says which boards
 *   exist), never read or written through a symbolic link, and one run at a
 *   time holds it (an exclusively created lock file beside it).
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, unlinkSync, writeSync, fsyncSync } from "node:fs";
import { ROLE_NAMES } from "../../agent/config";
import { PROVISIONING_GENERATIONS } from "../../agent/provisioning";
import { UsageError } from "./command";
import { CommandFailure } from "./commands/keygen";
import { entryAt, writeSecretFile } from "./secret-files";

/** One provisioning, as a ledger line holds it. */
export interface LedgerEntry {
  readonly group: number;
  readonly epoch: number;
  readonly node: number;
  readonly generation: number;
  readonly role: string;
  readonly out: string;
  readonly at: string;
}

const ENTRY_FIELDS: readonly (keyof LedgerEntry)[] = Object.freeze(["group", "epoch", "node", "generation", "role", "out", "at"]);

/** The ledger beside a group secret file (`--ledger` overrides it; a secret read from standard input has none). */
export function defaultLedgerPath(secretPath: string): string {
  return `${secretPath}.ledger`;
}

/** The time a ledger line records: SOURCE_DATE_EPOCH (seconds, reproducible-builds.org) when set, else now. */
export function ledgerTime(env: NodeJS.ProcessEnv = process.env): string {
  const fixed = env["SOURCE_DATE_EPOCH"];
  if (fixed === undefined) return new Date().toISOString();
  if (!/^[0-9]{1,12}$/.test(fixed)) throw new UsageError(`SOURCE_DATE_EPOCH: must be whole seconds since 1970 (got "${fixed}")`);
  return new Date(Number(fixed) * 1000).toISOString();
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
}

/** Why `value` is not a ledger entry (the first reason), or undefined. */
function entryProblem(value: unknown): string | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "not a JSON object";
  const fields = Object.keys(value);
  for (const field of fields) if (!(ENTRY_FIELDS as readonly string[]).includes(field)) return `unknown field "${field}"`;
  const entry = value as { readonly [K in keyof LedgerEntry]?: unknown };
  for (const field of ENTRY_FIELDS) if (!(field in entry)) return `no "${field}"`;
  if (!isInteger(entry.group, 0, 0xffff)) return '"group" must be an integer 0..65535';
  if (!isInteger(entry.epoch, 0, 0xffff)) return '"epoch" must be an integer 0..65535';
  if (!isInteger(entry.node, 1, 0xfffe)) return '"node" must be an integer 1..65534';
  if (!isInteger(entry.generation, 0, PROVISIONING_GENERATIONS - 1)) return `"generation" must be an integer 0..${PROVISIONING_GENERATIONS - 1}`;
  if (typeof entry.role !== "string" || !(ROLE_NAMES as readonly string[]).includes(entry.role)) return `"role" must be one of ${ROLE_NAMES.join(", ")}`;
  if (typeof entry.out !== "string" || entry.out.length === 0) return '"out" must be a path';
  if (typeof entry.at !== "string" || Number.isNaN(Date.parse(entry.at))) return '"at" must be an ISO 8601 time';
  return undefined;
}

function tripleKey(group: number, epoch: number, node: number): string {
  return `${group}/${epoch}/${node}`;
}


function refuseLink(path: string): never {
  throw new UsageError(`ledger ${path} is a symbolic link: the provisioning ledger is never read or written through a link (give the real path)`);
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * A ledger held by this run (its lock taken) with the generations it has
 * recorded. `open` reads and checks it; `append` records one provisioning
 * durably; `close` releases the lock; `discard` removes a ledger this run
 * started (when nothing it keyed was written).
 */
export class ProvisioningLedger {
  readonly path: string;
  readonly #lockPath: string;
  /** This run creates the file (it did not exist). */
  readonly #fresh: boolean;
  readonly #counts = new Map<string, number>();
  #created = false;
  #locked = true;

  private constructor(path: string, fresh: boolean) {
    this.path = path;
    this.#lockPath = `${path}.lock`;
    this.#fresh = fresh;
  }

  /**
   * Take the ledger at `path`: `fresh` starts a new one (refused if anything
   * is at `path`); otherwise it must exist, and every line must parse and
   * be consistent. Warnings (a ledger others can read) go to `warn`.
   */
  static open(path: string, fresh: boolean, warn: (line: string) => void): ProvisioningLedger {
    const lockPath = `${path}.lock`;
    try {
      closeSync(openSync(lockPath, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") {
        throw new CommandFailure(`ledger ${path}: ${lockPath} exists: another picket provision holds this ledger; if none is running (one was killed), remove ${lockPath} and run again`);
      }
      throw new CommandFailure(`ledger ${path}: cannot create its lock ${lockPath} (${reason(error)})`);
    }
    const ledger = new ProvisioningLedger(path, fresh);
    try {
      ledger.#load(warn);
    } catch (error) {
      ledger.close();
      throw error;
    }
    return ledger;
  }

  #load(warn: (line: string) => void): void {
    const path = this.path;
    const entry = entryAt(path);
    if (entry === "link") refuseLink(path);
    if (this.#fresh) {
      if (entry !== "none") throw new UsageError(`ledger ${path} exists: a new ledger is started only where none is (a ledger is never overwritten: it proves which generations are taken)`);
      return;
    }
    if (entry === "none") {
      throw new CommandFailure(
        `ledger ${path}: no such file: without it the authority cannot prove which provisioning generations of this key were given out, and a board provisioned again would reuse send counters. ` +
          "Give the site's ledger (--ledger FILE), or provision the site with a new key epoch (a new keys.keyEpoch, or --new-group-secret); " +
          "only if no board was ever provisioned with this group secret, start one with --new-ledger",
      );
    }
    if (entry === "other") throw new CommandFailure(`ledger ${path}: not a regular file`);
    let text: string;
    let fd: number | undefined;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw new CommandFailure(`ledger ${path}: not a regular file`);
      if ((stat.mode & 0o077) !== 0) warn(`ledger ${path} can be read by other users (mode ${(stat.mode & 0o777).toString(8)}); it says which boards exist: chmod 600 it`);
      text = readFileSync(fd, "utf8");
    } catch (error) {
      if (error instanceof CommandFailure) throw error;
      if ((error as NodeJS.ErrnoException).code === "ELOOP") refuseLink(path);
      throw new CommandFailure(`ledger ${path}: cannot be read (${reason(error)})`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    this.#parse(text);
  }

  #parse(text: string): void {
    if (text.length === 0) return;
    const lines = text.split("\n");
    const torn = lines.pop();
    const refuse = (line: number, problem: string): never => {
      throw new CommandFailure(`ledger ${this.path}, line ${line}: ${problem}; the ledger must prove which provisioning generations were given out: repair it from a backup, or provision the site with a new key epoch`);
    };
    if (torn !== "") refuse(lines.length + 1, "not a complete line (no newline at the end: a write was cut short?)");
    for (let i = 0; i < lines.length; i++) {
      let value: unknown;
      try {
        value = JSON.parse(lines[i] ?? "");
      } catch (error) {
        refuse(i + 1, `not JSON (${reason(error)})`);
      }
      const problem = entryProblem(value);
      if (problem !== undefined) refuse(i + 1, problem);
      const entry = value as LedgerEntry;
      const key = tripleKey(entry.group, entry.epoch, entry.node);
      const earlier = this.#counts.get(key) ?? 0;
      if (entry.generation !== earlier) {
        refuse(i + 1, `node ${entry.node} (group ${entry.group}, key epoch ${entry.epoch}) has generation ${entry.generation}, but ${earlier} earlier line(s) for it mean generation ${earlier}`);
      }
      this.#counts.set(key, earlier + 1);
    }
  }

  /** How many provisionings of (group, epoch, node) the ledger holds: the next one's generation. */
  provisioned(group: number, epoch: number, node: number): number {
    return this.#counts.get(tripleKey(group, epoch, node)) ?? 0;
  }

  /**
   * The generation the next provisioning of (group, epoch, node) takes,
   * or a refusal once all PROVISIONING_GENERATIONS are used.
   */
  nextGeneration(group: number, epoch: number, node: number): number {
    const generation = this.provisioned(group, epoch, node);
    if (generation >= PROVISIONING_GENERATIONS) {
      throw new CommandFailure(
        `node ${node} has been provisioned ${generation} times under key epoch ${epoch} of group ${group} (ledger ${this.path}): ` +
          `all ${PROVISIONING_GENERATIONS} provisioning generations of its key are used, and another would reuse its send counters. ` +
          "Provision the site with a new key epoch (raise keys.keyEpoch in the site configuration, or start a new group secret with --new-group-secret)",
      );
    }
    return generation;
  }

  /** Record `entry` durably (written and fsynced) before anything it keys is written. */
  append(entry: LedgerEntry): void {
    if (!this.#locked) throw new CommandFailure(`ledger ${this.path}: not held`);
    if (entry.generation !== this.provisioned(entry.group, entry.epoch, entry.node)) throw new CommandFailure(`ledger ${this.path}: generation ${entry.generation} is not the next for node ${entry.node}`);
    const line = new TextEncoder().encode(`${JSON.stringify(entry, ENTRY_FIELDS as string[])}\n`);
    if (this.#fresh && !this.#created) {
      // A new ledger appears whole (temporary file, 0600 from its first byte, renamed into place; never through a link).
      writeSecretFile(this.path, line, false);
      this.#created = true;
    } else {
      let fd: number | undefined;
      try {
        fd = openSync(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_NOFOLLOW);
        if (!fstatSync(fd).isFile()) throw new CommandFailure(`ledger ${this.path}: not a regular file`);
        let written = 0;
        while (written < line.length) written += writeSync(fd, line, written, line.length - written);
        fsyncSync(fd);
      } catch (error) {
        if (error instanceof CommandFailure) throw error;
        if ((error as NodeJS.ErrnoException).code === "ELOOP") refuseLink(this.path);
        throw new CommandFailure(`ledger ${this.path}: cannot be written (${reason(error)}); nothing was provisioned`);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
    }
    this.#counts.set(tripleKey(entry.group, entry.epoch, entry.node), entry.generation + 1);
  }

  /** Remove the ledger this run started (only when no key it recorded was written anywhere). */
  discard(): void {
    if (!this.#fresh || !this.#created) return;
    try {
      unlinkSync(this.path);
    } catch {
      // already gone
    }
    this.#created = false;
  }

  /** Release the lock. */
  close(): void {
    if (!this.#locked) return;
    this.#locked = false;
    try {
      unlinkSync(this.#lockPath);
    } catch {
      // already gone
    }
  }
}
