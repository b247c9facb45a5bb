/**
 * `picket provision`: the storage-partition image that gives one board its
 * identity (node id, role) and mesh keys (agent/provisioning.ts). The image
 * is the agent's own flash store (core/storage over the partition's
 * geometry) holding the provisioning record, so the board mounts it like
 * any other boot; flash it to the board's storage partition with the vendor
 * tool. The firmware image itself carries no secret and names no board: it
 * is built once per site and board type.
 *
 * Every input is checked before anything is written (the group secret file
 * included): the site configuration, the node id and role against it, the
 * record exactly as the board will check it at boot (key epoch, group,
 * authority commitment, gateways within the sender range); the written
 * image is mounted again and read back.
 *
 * Each provisioning of a board under one key takes the next provisioning
 * generation from the authority's ledger (host-sim/cli/provision-ledger.ts),
 * recorded durably before the image is written: a board provisioned again
 * sends in a counter range its earlier provisionings never used
 * (agent/provisioning.ts sendCounterRange; RFC 8613 §7.5).
 */
import { randomFillSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { readBoardIdentity } from "../../../agent/board-identity";
import { boardConfig, ROLE_NAMES, validateSiteConfig, type CompiledSiteConfig, type SiteConfig } from "../../../agent/config";
import { AgentStore, storeShapeOf } from "../../../agent/persistence";
import { provisionDevice } from "../../../agent/provision-device";
import {
  fieldsProblem,
  linkKeyFields,
  PREFERRED_GATEWAYS_MAX,
  PROVISIONING_GENERATIONS,
  PROVISIONING_RECORD_BYTES,
  ProvisioningRecord,
  SENDER_ID_LIMIT,
  sendCounterRange,
  type ProvisioningFields,
} from "../../../agent/provisioning";
import { recordProblems } from "../../../agent/radio-mesh";
import { keyCommitment } from "../../../core/crypto/index";
import { SimFlash } from "../../../hal/sim/flash";
import type { Command } from "../command";
import { CommandFailure, cryptoCli, describe, hexOption, integerOption, loadAkpKey, parse, required, runCommand, toHex, UsageError } from "./keygen";
import { defaultLedgerPath, ledgerTime, ProvisioningLedger } from "../provision-ledger";
import { readSecretHex, SecretWrites } from "../secret-files";

/** The "storage" partition of every board Picket builds for: 64 KB (boards/esp32/partitions.csv; nRF52's own, tools/build/moddable-modules.ts). */
export const DEFAULT_PARTITION_BYTES = 65_536;

const usage =
  "picket provision --config SITE.json --node-id N --role ROLE --group-secret FILE --site-size N --out IMAGE.bin\n" +
  "                 [--gateways ID,...] [--authority AUTHORITY.key.pub] [--partition-bytes N] [--block-bytes N] [--new-group-secret]\n" +
  "                 [--ledger FILE] [--new-ledger] [--force]\n" +
  "  SITE.json           the site configuration the firmware was built with (manifest.json, or its config.picket):\n" +
  "                      keys.keyEpoch, keys.groupId, keys.authorityCommitment and uplink.alertPendingCapacity are taken from it\n" +
  "  --node-id N         this board's mesh id, 1..65534 (at most --site-size)\n" +
  `  --role ROLE         this board's role: ${ROLE_NAMES.join(", ")} (a board the site lists in gateways must be gateway)\n` +
  "  --gateways ID,...   the site's gateways this board tries first, nearest first (default: the site's order)\n" +
  "  --group-secret FILE the site's 32-byte group secret (hex; - reads standard input); with --new-group-secret it is\n" +
  "                      created (mode 0600, atomically, together with the image: a failed run leaves neither)\n" +
  "  --ledger FILE       the authority's provisioning ledger (default: the group secret FILE + \".ledger\"; required with\n" +
  "                      --group-secret -): one JSON line per board provisioned, recorded and flushed before the image\n" +
  "                      is written. The Nth provisioning of a node under one key epoch and group gets generation N-1\n" +
  `                      (0..${PROVISIONING_GENERATIONS - 1}), whose send counters (a range of 2^28) no earlier provisioning used, so\n` +
  "                      provisioning a board again never reuses a nonce; after 16 a new key epoch is needed. An unreadable\n" +
  "                      or inconsistent ledger, or a missing one, is refused. --new-group-secret starts a new ledger (mode\n" +
  "                      0600; refused if one exists)\n" +
  "  --new-ledger        start a new ledger for an existing group secret: only if no board was ever provisioned with it\n" +
  "  --site-size N       highest node id in the site (every sender 1..N gets a receive key; at most the\n" +
  "                      configuration's radio.siteSize)\n" +
  "  --authority FILE    the authority's public key: its commitment must match keys.authorityCommitment\n" +
  `  --partition-bytes   size of the board's storage partition (default ${DEFAULT_PARTITION_BYTES}); --block-bytes its erase unit (default 4096)\n` +
  "  writes IMAGE.bin (mode 0600): flash it to the board's storage partition, e.g.\n" +
  "    esptool.py write_flash <storage partition offset> IMAGE.bin";

function readConfig(path: string): CompiledSiteConfig {
  if (!existsSync(path)) throw new UsageError(`${path}: no such file`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new CommandFailure(`${path}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const picket = typeof raw === "object" && raw !== null && "config" in raw ? (raw as { config?: { picket?: unknown } }).config?.picket : raw;
  const validated = validateSiteConfig(picket);
  if (!validated.ok) throw new CommandFailure(`${path}: not a valid site configuration:\n  ${validated.problems.map((p) => `${p.field}: ${p.reason}`).join("\n  ")}`);
  if (validated.site.keys === undefined) throw new CommandFailure(`${path}: keys: the configuration names no authority commitment and key epoch; a provisioned board checks its record against them`);
  return validated.site;
}

/** `--gateways 36,1`: node ids, first choice first (none: the site's order). */
function gatewayList(text: string | undefined): number[] {
  if (text === undefined) return [];
  const ids = text.split(",").map((part) => part.trim());
  if (ids.length > PREFERRED_GATEWAYS_MAX) throw new UsageError(`--gateways: at most ${PREFERRED_GATEWAYS_MAX} node ids`);
  return ids.map((id) => integerOption(id, "--gateways", 1, 0xfffe));
}

/** The board's configuration for `--node-id`, `--role` and `--gateways`, or a usage error naming the option (and the site field it contradicts). */
function boardIdentity(site: CompiledSiteConfig, nodeIdText: string | undefined, roleText: string | undefined, preferredGateways: readonly number[]): SiteConfig {
  const nodeId = integerOption(nodeIdText, "--node-id", 1, 0xfffe);
  const roleName = required(roleText, "--role");
  const role = ROLE_NAMES.find((name) => name === roleName);
  if (role === undefined) throw new UsageError(`--role: must be one of ${ROLE_NAMES.join(", ")} (got "${roleName}")`);
  const merged = boardConfig(site, { nodeId, role, preferredGateways });
  if (!merged.ok) throw new UsageError(`--node-id ${nodeId} --role ${role}${preferredGateways.length > 0 ? ` --gateways ${preferredGateways.join(",")}` : ""}: the site configuration says otherwise:\n  ${merged.problems.map((p) => `${p.field}: ${p.reason}`).join("\n  ")}`);
  return merged.config;
}

/** The site's group secret: read from `path`, or (`create`) made fresh, to be written with the image (nothing is written yet). */
function groupSecret(path: string, create: boolean): { readonly secret: Uint8Array; readonly created: boolean } {
  if (create) {
    if (path === "-") throw new UsageError("--new-group-secret needs a file to create (--group-secret FILE, not -)");
    if (existsSync(path)) throw new UsageError(`${path} exists: --new-group-secret never overwrites a site's secret`);
    const secret = new Uint8Array(32);
    randomFillSync(secret);
    return { secret, created: true };
  }
  const secret = readSecretHex(path, "--group-secret", 32, (line) => process.stderr.write(`picket provision: ${line}\n`));
  return { secret, created: false };
}

/** The image for `fields`, checked as the board will check it (mounted, parsed, held against the configuration), or a refusal. */
function buildImage(fields: ProvisioningFields, config: SiteConfig, site: CompiledSiteConfig, partitionBytes: number, blockBytes: number): Uint8Array {
  const flash = SimFlash.create({ blockSizeBytes: blockBytes, blockCount: partitionBytes / blockBytes });
  if (!flash.ok) throw new CommandFailure(`partition: ${describe(flash.code)}`);
  const written = provisionDevice(flash.value, fields, storeShapeOf(config));
  if (written !== 0) throw new CommandFailure(`writing the record: ${describe(written)} (is the partition large enough for the store?)`);
  // Read back as the board will: mount, parse, check against the configuration.
  const store = AgentStore.open(flash.value, storeShapeOf(config));
  const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
  const record = ProvisioningRecord.parse(bytes, store.loadProvisioning(bytes, 0));
  if (typeof record === "number") throw new CommandFailure(`read-back: ${describe(record)}`);
  const problems = recordProblems(record, config);
  if (record.generation !== fields.generation) problems.push(`read-back: the record holds generation ${record.generation}, not ${fields.generation}`);
  bytes.fill(0);
  const identity = readBoardIdentity(store, site);
  if (!identity.ok) problems.push(...identity.problems);
  else if (identity.identity.nodeId !== config.nodeId || identity.identity.role !== config.role) problems.push("read-back: the record names another board");
  if (problems.length > 0) throw new CommandFailure(`the board would refuse this record:\n  ${problems.join("\n  ")}`);
  const image = new Uint8Array(partitionBytes);
  flash.value.copyTo(image);
  return image;
}

/** The ledger this run uses: --ledger, else the one beside the group secret file (a secret from standard input has none). */
function ledgerPath(ledger: string | undefined, secretPath: string, newSecret: boolean): string {
  if (ledger !== undefined) return required(ledger, "--ledger");
  if (secretPath === "-" && !newSecret) throw new UsageError("--group-secret -: a secret read from standard input has no ledger beside it: give --ledger FILE (the site's provisioning ledger)");
  return defaultLedgerPath(secretPath);
}

export const provisionCommand: Command = {
  name: "provision",
  summary: "write a board's storage-partition image with its identity and mesh keys (provisioning record)",
  usage,
  run: (args) =>
    runCommand("provision", usage, () => {
      const { values } = parse(args, {
        config: { type: "string" },
        "group-secret": { type: "string" },
        "new-group-secret": { type: "boolean" },
        ledger: { type: "string" },
        "new-ledger": { type: "boolean" },
        "site-size": { type: "string" },
        "node-id": { type: "string" },
        role: { type: "string" },
        gateways: { type: "string" },
        authority: { type: "string" },
        "partition-bytes": { type: "string" },
        "block-bytes": { type: "string" },
        out: { type: "string" },
        force: { type: "boolean" },
      });
      const site = readConfig(required(values.config, "--config"));
      const preferredGateways = gatewayList(values.gateways);
      const config = boardIdentity(site, values["node-id"], values.role, preferredGateways);
      const keys = config.keys;
      if (keys === undefined) throw new CommandFailure("unreachable: keys checked above");
      const siteSize = integerOption(values["site-size"], "--site-size", 1, SENDER_ID_LIMIT);
      const highest = Math.max(config.nodeId, ...config.gateways);
      if (siteSize < highest) throw new UsageError(`--site-size ${siteSize} is below node ${highest} of this configuration (its own id or a gateway's)`);
      if (siteSize > config.radio.siteSize) {
        throw new UsageError(
          `--site-size ${siteSize} is above the configuration's radio.siteSize ${config.radio.siteSize}: the board keeps a receive ceiling only for senders 1..${config.radio.siteSize} and would refuse to start its radio`,
        );
      }
      const groupId = keys.groupId;
      const blockBytes = values["block-bytes"] === undefined ? 4096 : integerOption(values["block-bytes"], "--block-bytes", 256, 65_536);
      const partitionBytes = values["partition-bytes"] === undefined ? DEFAULT_PARTITION_BYTES : integerOption(values["partition-bytes"], "--partition-bytes", 2 * blockBytes, 16 * 1024 * 1024);
      if (partitionBytes % blockBytes !== 0) throw new UsageError(`--partition-bytes: must be a multiple of --block-bytes (${blockBytes})`);
      const out = required(values.out, "--out");
      if (!values.force && existsSync(out)) throw new UsageError(`${out} exists (use --force to overwrite)`);
      const commitment = hexOption(keys.authorityCommitment, "keys.authorityCommitment", 32);
      if (values.authority !== undefined) {
        const cli = cryptoCli();
        const authority = loadAkpKey(cli, values.authority);
        const computed = new Uint8Array(32);
        const status = keyCommitment(cli.provider, authority.alg, authority.pub, computed);
        if (status !== 0) throw new CommandFailure(`${values.authority}: commitment: ${describe(status)}`);
        if (toHex(computed) !== toHex(commitment)) throw new CommandFailure(`${values.authority}: its commitment ${toHex(computed)} is not the configuration's keys.authorityCommitment`);
      }
      const secretPath = required(values["group-secret"], "--group-secret");
      const newSecret = values["new-group-secret"] === true;
      const ledgerFile = ledgerPath(values.ledger, secretPath, newSecret);
      const at = ledgerTime();
      const { secret, created } = groupSecret(secretPath, newSecret);
      const warn = (line: string): boolean => process.stderr.write(`picket provision: ${line}\n`);
      let ledger: ProvisioningLedger | undefined;
      try {
        ledger = ProvisioningLedger.open(ledgerFile, newSecret || values["new-ledger"] === true, warn);
        const generation = ledger.nextGeneration(groupId, keys.keyEpoch, config.nodeId);
        const roleCode = ROLE_NAMES.indexOf(config.role) + 1;
        // The board's link secrets, from the site secret (core/crypto/site-keys.ts): it never leaves this host.
        const linkKeys = linkKeyFields(secret, groupId, keys.keyEpoch, config.nodeId, roleCode, config.gateways);
        if (typeof linkKeys === "number") throw new CommandFailure(`record: the link secrets could not be derived: ${describe(linkKeys)}`);
        const fields: ProvisioningFields = { nodeId: config.nodeId, role: roleCode, generation, preferredGateways, keyEpoch: keys.keyEpoch, groupId, senderIdMax: siteSize, authorityCommitment: commitment, ...linkKeys };
        const bad = fieldsProblem(fields);
        if (bad !== undefined) throw new CommandFailure(`record: ${bad}`);
        const image = buildImage(fields, config, site, partitionBytes, blockBytes);
        const secretText = created ? new TextEncoder().encode(`${toHex(secret)}\n`) : undefined;
        // The generation is taken durably before any image holding it is written: a crash in between burns it, never reuses it.
        const writes = new SecretWrites();
        try {
          ledger.append({ group: groupId, epoch: keys.keyEpoch, node: config.nodeId, generation, role: config.role, out: resolve(out), at });
          // Both files at once or neither: a failed provision leaves no new secret behind.
          if (secretText !== undefined) writes.stage(secretPath, secretText, false);
          writes.stage(out, image, values.force === true);
          writes.commit();
        } catch (error) {
          writes.abort();
          // A ledger started for a new secret that was not kept keys nothing: remove it too (so the run can be repeated).
          if (created) ledger.discard();
          throw error;
        } finally {
          image.fill(0);
          secretText?.fill(0);
        }
        if (created) process.stderr.write(`picket provision: created group secret ${secretPath} (mode 0600; keep it offline; every board of the site needs it)\n`);
        const range = sendCounterRange(generation);
        process.stdout.write(
          [
            `node        ${config.nodeId}, ${config.role} (${config.siteName}), gateways ${config.gateways.length === 0 ? "none" : config.gateways.join(", ")}`,
            `key epoch   ${keys.keyEpoch}, group ${groupId}, senders 1..${siteSize}`,
            `generation  ${generation} (of ${PROVISIONING_GENERATIONS} per key): send counters ${range?.firstValue ?? "?"}..${range?.maxValue ?? "?"} (recorded in ${ledgerFile})`,
            `authority   ${keys.authorityCommitment}`,
            `partition   ${partitionBytes} bytes, ${blockBytes}-byte blocks, store for ${config.uplink.alertPendingCapacity} pending alerts`,
            `wrote       ${out} (mode 0600: it holds the group secret)`,
            "",
          ].join("\n"),
        );
        return 0;
      } finally {
        ledger?.close();
        secret.fill(0);
      }
    }),
};
