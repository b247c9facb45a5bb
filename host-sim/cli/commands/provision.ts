/**
 * `picket provision`: the storage-partition image that gives one board its
 * mesh keys (agent/provisioning.ts). The image is the agent's own flash
 * store (core/storage over the partition's geometry) holding the
 * provisioning record, so the board mounts it like any other boot; flash it
 * to the board's storage partition with the vendor tool. The firmware image
 * itself carries no secret.
 *
 * Before writing, the record is checked exactly as the board will check it
 * at boot (node id, key epoch, authority commitment, gateways within the
 * sender range), and the written image is mounted again and read back.
 */
import { randomFillSync } from "node:crypto";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { validateSiteConfig, type SiteConfig } from "../../../agent/config";
import { AgentStore } from "../../../agent/persistence";
import { provisionDevice } from "../../../agent/provision-device";
import { fieldsProblem, GROUP_SECRET_BYTES, PROVISIONING_RECORD_BYTES, ProvisioningRecord, SENDER_ID_LIMIT, type ProvisioningFields } from "../../../agent/provisioning";
import { recordProblems } from "../../../agent/radio-mesh";
import { keyCommitment } from "../../../core/crypto/index";
import { SimFlash } from "../../../hal/sim/flash";
import type { Command } from "../command";
import { CommandFailure, cryptoCli, describe, hexOption, integerOption, loadAkpKey, parse, readBytes, required, runCommand, toHex, UsageError } from "./keygen";

/** The "storage" partition of every board Picket builds for: 64 KB (boards/esp32/partitions.csv; nRF52's own, tools/build/moddable-modules.ts). */
export const DEFAULT_PARTITION_BYTES = 65_536;

const usage =
  "picket provision --config BOARD.json --group-secret FILE --site-size N --out IMAGE.bin\n" +
  "                 [--authority AUTHORITY.key.pub] [--group ID] [--partition-bytes N] [--block-bytes N] [--new-group-secret] [--force]\n" +
  "  BOARD.json          the board's site configuration (manifest.json config.picket): node id, keys.keyEpoch,\n" +
  "                      keys.authorityCommitment and uplink.alertPendingCapacity are taken from it\n" +
  "  --group-secret FILE the site's 32-byte group secret (hex); with --new-group-secret it is created (mode 0600)\n" +
  "  --site-size N       highest node id in the site (every sender 1..N gets a receive key; at most " +
  `${SENDER_ID_LIMIT})\n` +
  "  --authority FILE    the authority's public key: its commitment must match keys.authorityCommitment\n" +
  `  --partition-bytes   size of the board's storage partition (default ${DEFAULT_PARTITION_BYTES}); --block-bytes its erase unit (default 4096)\n` +
  "  writes IMAGE.bin (mode 0600): flash it to the board's storage partition, e.g.\n" +
  "    esptool.py write_flash <storage partition offset> IMAGE.bin";

function readConfig(path: string): SiteConfig {
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
  if (validated.config.keys === undefined) throw new CommandFailure(`${path}: keys: the configuration names no authority commitment and key epoch; a provisioned board checks its record against them`);
  return validated.config;
}

function groupSecret(path: string, create: boolean): Uint8Array {
  if (create) {
    if (existsSync(path)) throw new UsageError(`${path} exists: --new-group-secret never overwrites a site's secret`);
    const secret = new Uint8Array(GROUP_SECRET_BYTES);
    randomFillSync(secret);
    writeFileSync(path, `${toHex(secret)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
    process.stderr.write(`picket provision: created group secret ${path} (keep it offline; every board of the site needs it)\n`);
    return secret;
  }
  const secret = readBytes(path);
  if (secret.length !== GROUP_SECRET_BYTES) throw new CommandFailure(`${path}: a group secret is ${GROUP_SECRET_BYTES} bytes (got ${secret.length})`);
  return secret;
}

export const provisionCommand: Command = {
  name: "provision",
  summary: "write a board's storage-partition image with its mesh keys (provisioning record)",
  usage,
  run: (args) =>
    runCommand("provision", usage, () => {
      const { values } = parse(args, {
        config: { type: "string" },
        "group-secret": { type: "string" },
        "new-group-secret": { type: "boolean" },
        "site-size": { type: "string" },
        authority: { type: "string" },
        group: { type: "string" },
        "partition-bytes": { type: "string" },
        "block-bytes": { type: "string" },
        out: { type: "string" },
        force: { type: "boolean" },
      });
      const config = readConfig(required(values.config, "--config"));
      const keys = config.keys;
      if (keys === undefined) throw new CommandFailure("unreachable: keys checked above");
      const siteSize = integerOption(values["site-size"], "--site-size", 1, SENDER_ID_LIMIT);
      const highest = Math.max(config.nodeId, ...config.gateways);
      if (siteSize < highest) throw new UsageError(`--site-size ${siteSize} is below node ${highest} of this configuration (its own id or a gateway's)`);
      const groupId = values.group === undefined ? 1 : integerOption(values.group, "--group", 0, 0xffff);
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
      const secret = groupSecret(required(values["group-secret"], "--group-secret"), values["new-group-secret"] === true);
      const fields: ProvisioningFields = { nodeId: config.nodeId, keyEpoch: keys.keyEpoch, groupId, senderIdMax: siteSize, authorityCommitment: commitment, groupSecret: secret };
      const bad = fieldsProblem(fields);
      if (bad !== undefined) throw new CommandFailure(`record: ${bad}`);
      const flash = SimFlash.create({ blockSizeBytes: blockBytes, blockCount: partitionBytes / blockBytes });
      if (!flash.ok) throw new CommandFailure(`partition: ${describe(flash.code)}`);
      const written = provisionDevice(flash.value, fields, config.uplink.alertPendingCapacity);
      if (written !== 0) throw new CommandFailure(`writing the record: ${describe(written)} (is the partition large enough for the store?)`);
      // Read back as the board will: mount, parse, check against the configuration.
      const store = AgentStore.open(flash.value, config.uplink.alertPendingCapacity);
      const bytes = new Uint8Array(PROVISIONING_RECORD_BYTES);
      const record = ProvisioningRecord.parse(bytes, store.loadProvisioning(bytes, 0));
      if (typeof record === "number") throw new CommandFailure(`read-back: ${describe(record)}`);
      const problems = recordProblems(record, config);
      bytes.fill(0);
      if (problems.length > 0) throw new CommandFailure(`the board would refuse this record:\n  ${problems.join("\n  ")}`);
      const image = new Uint8Array(partitionBytes);
      flash.value.copyTo(image);
      writeFileSync(out, image, { mode: 0o600 });
      chmodSync(out, 0o600);
      image.fill(0);
      secret.fill(0);
      process.stdout.write(
        [
          `node        ${config.nodeId} (${config.siteName})`,
          `key epoch   ${keys.keyEpoch}, group ${groupId}, senders 1..${siteSize}`,
          `authority   ${keys.authorityCommitment}`,
          `partition   ${partitionBytes} bytes, ${blockBytes}-byte blocks, store for ${config.uplink.alertPendingCapacity} pending alerts`,
          `wrote       ${out} (mode 0600: it holds the group secret)`,
          "",
        ].join("\n"),
      );
      return 0;
    }),
};
