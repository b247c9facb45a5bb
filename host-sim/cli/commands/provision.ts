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
 */
import { randomFillSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { readBoardIdentity } from "../../../agent/board-identity";
import { boardConfig, ROLE_NAMES, validateSiteConfig, type CompiledSiteConfig, type SiteConfig } from "../../../agent/config";
import { AgentStore } from "../../../agent/persistence";
import { provisionDevice } from "../../../agent/provision-device";
import { fieldsProblem, GROUP_SECRET_BYTES, PREFERRED_GATEWAYS_MAX, PROVISIONING_RECORD_BYTES, ProvisioningRecord, SENDER_ID_LIMIT, type ProvisioningFields } from "../../../agent/provisioning";
import { recordProblems } from "../../../agent/radio-mesh";
import { keyCommitment } from "../../../core/crypto/index";
import { SimFlash } from "../../../hal/sim/flash";
import type { Command } from "../command";
import { CommandFailure, cryptoCli, describe, hexOption, integerOption, loadAkpKey, parse, required, runCommand, toHex, UsageError } from "./keygen";
import { readSecretHex, SecretWrites } from "../secret-files";

/** The "storage" partition of every board Picket builds for: 64 KB (boards/esp32/partitions.csv; nRF52's own, tools/build/moddable-modules.ts). */
export const DEFAULT_PARTITION_BYTES = 65_536;

const usage =
  "picket provision --config SITE.json --node-id N --role ROLE --group-secret FILE --site-size N --out IMAGE.bin\n" +
  "                 [--gateways ID,...] [--authority AUTHORITY.key.pub] [--partition-bytes N] [--block-bytes N] [--new-group-secret] [--force]\n" +
  "  SITE.json           the site configuration the firmware was built with (manifest.json, or its config.picket):\n" +
  "                      keys.keyEpoch, keys.groupId, keys.authorityCommitment and uplink.alertPendingCapacity are taken from it\n" +
  "  --node-id N         this board's mesh id, 1..65534 (at most --site-size)\n" +
  `  --role ROLE         this board's role: ${ROLE_NAMES.join(", ")} (a board the site lists in gateways must be gateway)\n` +
  "  --gateways ID,...   the site's gateways this board tries first, nearest first (default: the site's order)\n" +
  "  --group-secret FILE the site's 32-byte group secret (hex; - reads standard input); with --new-group-secret it is\n" +
  "                      created (mode 0600, atomically, together with the image: a failed run leaves neither)\n" +
  "  --site-size N       highest node id in the site (every sender 1..N gets a receive key; at most " +
  `${SENDER_ID_LIMIT})\n` +
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
    const secret = new Uint8Array(GROUP_SECRET_BYTES);
    randomFillSync(secret);
    return { secret, created: true };
  }
  const secret = readSecretHex(path, "--group-secret", GROUP_SECRET_BYTES, (line) => process.stderr.write(`picket provision: ${line}\n`));
  return { secret, created: false };
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
      const { secret, created } = groupSecret(secretPath, values["new-group-secret"] === true);
      const roleCode = ROLE_NAMES.indexOf(config.role) + 1;
      const fields: ProvisioningFields = { nodeId: config.nodeId, role: roleCode, preferredGateways, keyEpoch: keys.keyEpoch, groupId, senderIdMax: siteSize, authorityCommitment: commitment, groupSecret: secret };
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
      const identity = readBoardIdentity(store, site);
      if (!identity.ok) problems.push(...identity.problems);
      else if (identity.identity.nodeId !== config.nodeId || identity.identity.role !== config.role) problems.push("read-back: the record names another board");
      if (problems.length > 0) throw new CommandFailure(`the board would refuse this record:\n  ${problems.join("\n  ")}`);
      const image = new Uint8Array(partitionBytes);
      flash.value.copyTo(image);
      // Both files at once or neither: a failed provision leaves no new secret behind.
      const writes = new SecretWrites();
      const secretText = created ? new TextEncoder().encode(`${toHex(secret)}\n`) : undefined;
      try {
        if (secretText !== undefined) writes.stage(secretPath, secretText, false);
        writes.stage(out, image, values.force === true);
        writes.commit();
      } catch (error) {
        writes.abort();
        throw error;
      } finally {
        image.fill(0);
        secret.fill(0);
        secretText?.fill(0);
      }
      if (created) process.stderr.write(`picket provision: created group secret ${secretPath} (mode 0600; keep it offline; every board of the site needs it)\n`);
      process.stdout.write(
        [
          `node        ${config.nodeId}, ${config.role} (${config.siteName}), gateways ${config.gateways.length === 0 ? "none" : config.gateways.join(", ")}`,
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
