/**
 * picket keygen / cert / merkle / inspect: the provisioning flow end to end
 * on files, exit codes (0 ok, 1 invalid, 2 usage), and the published
 * ML-DSA-44 example through `inspect`.
 */
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureOutput } from "../../support/capture-output";
import { main } from "../../../host-sim/cli/main";
import { repoRoot } from "../../../tools/build/targets";

let dir: string;
const at = (name: string): string => join(dir, name);

async function picket(...args: string[]): Promise<{ status: number; out: string; err: string }> {
  const run = await captureOutput(() => main(args));
  return { status: run.code, out: run.stdout, err: run.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "picket-crypto-cli-"));
  expect((await picket("keygen", "--alg", "ml-dsa-65", "--out", at("site.key"))).status).toBe(0);
  expect((await picket("keygen", "--alg", "ml-dsa-44", "--out", at("node.key"))).status).toBe(0);
  expect((await picket("keygen", "--alg", "ml-kem-512", "--out", at("kem.key"))).status).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("picket keygen", () => {
  it("writes a private key readable only by its owner and a public key with the RFC 9679 kid", async () => {
    expect(statSync(at("node.key")).mode & 0o777).toBe(0o600);
    const inspected = await picket("inspect", at("node.key.pub"));
    expect(inspected.status).toBe(0);
    expect(inspected.out).toMatch(/COSE_Key, key type AKP/);
    expect(inspected.out).toMatch(/private {5}no/);
  });

  it("the all-zero seed reproduces the draft's ML-DSA-44 kid", async () => {
    writeFileSync(at("zero.seed"), "00".repeat(32), { mode: 0o600 });
    const result = await picket("keygen", "--alg", "ml-dsa-44", "--out", at("zero.key"), "--seed-file", at("zero.seed"));
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/kid {9}b8969ab4b37da9f0684e42647eb8a0be8b5b661ebf5d76f0583bf5b8d3a8059a/);
    expect(result.err).toMatch(/tests only/);
  });

  it("refuses bad arguments with exit 2 and a clear message", async () => {
    const cases = [
      ["keygen", "--alg", "rsa", "--out", at("x")],
      ["keygen", "--out", at("x")],
      ["keygen", "--alg", "ml-dsa-44"],
      ["keygen", "--alg", "ml-dsa-44", "--out", at("node.key")], // exists, no --force
      ["keygen", "--alg", "ml-dsa-44", "--out", at("y"), "--seed-file", at("no-such.seed")],
      ["keygen", "--alg", "ml-dsa-44", "--out", at("y"), "--bogus"],
    ];
    for (const args of cases) {
      const result = await picket(...args);
      expect(result.status, args.join(" ")).toBe(2);
      expect(result.err).toMatch(/^picket keygen: .+\nusage:/);
    }
    expect(existsSync(at("y"))).toBe(false);
  });

  it("takes no seed on the command line: --seed is refused, naming --seed-file, without echoing the value", async () => {
    for (const args of [["--seed", "11".repeat(32)], [`--seed=${"11".repeat(32)}`]]) {
      const result = await picket("keygen", "--alg", "ml-dsa-44", "--out", at("cmdline.key"), ...args);
      expect(result.status).toBe(2);
      expect(result.err).toContain("--seed: secrets are not taken on the command line");
      expect(result.err).toContain("--seed-file FILE");
      expect(result.err).not.toContain("11".repeat(32));
      expect(existsSync(at("cmdline.key"))).toBe(false);
    }
  });

  it("a seed file of the wrong length is refused with its size; a file others can read is used with a warning", async () => {
    writeFileSync(at("short.seed"), "ab".repeat(16));
    const short = await picket("keygen", "--alg", "ml-dsa-44", "--out", at("short.key"), "--seed-file", at("short.seed"));
    expect(short.status).toBe(2);
    expect(short.err).toContain("must hold 32 bytes (got 16)");
    expect(existsSync(at("short.key"))).toBe(false);
    writeFileSync(at("open.seed"), "00".repeat(32));
    chmodSync(at("open.seed"), 0o644);
    const open = await picket("keygen", "--alg", "ml-dsa-44", "--out", at("open.key"), "--seed-file", at("open.seed"));
    expect(open.status).toBe(0);
    expect(open.err).toContain("can be read by other users (mode 644)");
  });

  it("never writes a key through a symbolic link, even with --force: the link and its target stay as they were", async () => {
    writeFileSync(at("target.txt"), "untouched");
    symlinkSync(at("target.txt"), at("link.key"));
    const result = await picket("keygen", "--alg", "ml-dsa-44", "--out", at("link.key"), "--force");
    expect(result.status).toBe(2);
    expect(result.err).toContain("is a symbolic link");
    expect(readFileSync(at("target.txt"), "utf8")).toBe("untouched");
    expect(lstatSync(at("link.key")).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  it("overwriting with --force replaces the key atomically and keeps it 0600", async () => {
    writeFileSync(at("old.key"), "old");
    chmodSync(at("old.key"), 0o644);
    const result = await picket("keygen", "--alg", "ml-dsa-44", "--out", at("old.key"), "--force");
    expect(result.status).toBe(0);
    expect(statSync(at("old.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(at("old.key"), "utf8")).not.toBe("old");
  });
});

describe("picket cert", () => {
  it("issue then verify: valid inside the epochs, with the node key and role", async () => {
    const issued = await picket(
      "cert", "issue", "--authority", at("site.key"), "--node-key", at("node.key.pub"), "--kem-key", at("kem.key.pub"),
      "--node-id", "42", "--roles", "sensor,gateway", "--first-epoch", "5", "--last-epoch", "8", "--out", at("node.cert"),
    );
    expect(issued.status).toBe(0);
    const verified = await picket("cert", "verify", "--cert", at("node.cert"), "--authority", at("site.key.pub"), "--epoch", "6", "--node-key", at("node.key.pub"), "--role", "gateway");
    expect(verified.status).toBe(0);
    expect(verified.out).toMatch(/node id +42/);
    expect(verified.out).toMatch(/VALID$/m);
  });

  it("invalid certificates exit 1 with the specific reason", async () => {
    const expired = await picket("cert", "verify", "--cert", at("node.cert"), "--authority", at("site.key.pub"), "--epoch", "9");
    expect(expired.status).toBe(1);
    expect(expired.err).toMatch(/CertExpired/);
    const role = await picket("cert", "verify", "--cert", at("node.cert"), "--authority", at("site.key.pub"), "--epoch", "6", "--role", "anchor");
    expect(role.err).toMatch(/CertRoleDenied/);
    const wrongNode = await picket("cert", "verify", "--cert", at("node.cert"), "--authority", at("site.key.pub"), "--epoch", "6", "--node-key", at("zero.key.pub"));
    expect(wrongNode.err).toMatch(/KeyCommitmentMismatch/);
    const tampered = readFileSync(at("node.cert"));
    tampered[tampered.length - 100] = (tampered[tampered.length - 100] ?? 0) ^ 1;
    writeFileSync(at("tampered.cert"), tampered);
    const bad = await picket("cert", "verify", "--cert", at("tampered.cert"), "--authority", at("site.key.pub"), "--epoch", "6");
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/CryptoBadSignature/);
  });

  it("usage errors exit 2", async () => {
    expect((await picket("cert")).status).toBe(2);
    expect((await picket("cert", "revoke")).status).toBe(2);
    expect((await picket("cert", "issue", "--authority", at("site.key"))).status).toBe(2);
    expect((await picket("cert", "verify", "--cert", at("node.cert"), "--authority", at("site.key.pub"), "--epoch", "-1")).status).toBe(2);
  });
});

describe("picket merkle", () => {
  it("root, prove and verify agree; a wrong index exits 1", async () => {
    const files = [0, 1, 2, 3, 4].map((i) => {
      writeFileSync(at(`leaf${i}`), `member ${i}`);
      return at(`leaf${i}`);
    });
    const root = (await picket("merkle", "root", ...files)).out.match(/root ([0-9a-f]{64})/)?.[1] ?? "";
    expect(root).toHaveLength(64);
    expect((await picket("merkle", "prove", "--index", "2", "--out", at("p.txt"), ...files)).status).toBe(0);
    expect((await picket("merkle", "verify", "--root", root, "--size", "5", "--index", "2", "--proof", at("p.txt"), "--leaf", at("leaf2"))).out).toBe("VALID\n");
    const wrong = await picket("merkle", "verify", "--root", root, "--size", "5", "--index", "1", "--proof", at("p.txt"), "--leaf", at("leaf2"));
    expect(wrong.status).toBe(1);
    expect(wrong.err).toMatch(/MerkleRootMismatch/);
    const oldRoot = (await picket("merkle", "root", "--size", "3", ...files)).out.match(/root ([0-9a-f]{64})/)?.[1] ?? "";
    expect((await picket("merkle", "prove", "--consistency", "3", "--out", at("c.txt"), ...files)).status).toBe(0);
    expect((await picket("merkle", "verify", "--consistency", "3", "--old-root", oldRoot, "--root", root, "--size", "5", "--proof", at("c.txt"))).status).toBe(0);
  });

  it("the CT test leaves give the RFC 6962 root", async () => {
    const hexLeaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
    const files = hexLeaves.map((h, i) => {
      writeFileSync(at(`ct${i}`), Buffer.from(h, "hex"));
      return at(`ct${i}`);
    });
    expect((await picket("merkle", "root", ...files)).out).toMatch(/root 5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328/);
  });

  it("usage errors exit 2", async () => {
    expect((await picket("merkle", "root")).status).toBe(2);
    expect((await picket("merkle", "verify", "--root", "zz")).status).toBe(2);
    expect((await picket("merkle", "prove", "--index", "9", at("leaf0"))).status).toBe(2);
  });
});

describe("picket inspect", () => {
  it("decodes the draft's ML-DSA-44 example and verifies it with its published key", async () => {
    // Make the published public key into a COSE_Key file with the zero seed's keygen (same key).
    const result = await picket("inspect", join(repoRoot, "test/vectors/cose-ml-dsa-44.sign1.hex"), "--key", at("zero.key.pub"));
    expect(result.status).toBe(0);
    expect(result.out).toMatch(/^ {2}18\(\[h'a201382f0458/m);
    expect(result.out).toMatch(/COSE_Sign1/);
    expect(result.out).toMatch(/signature {3}VALID/);
  });

  it("a certificate checked with the wrong key exits 1 with the reason", async () => {
    const result = await picket("inspect", at("node.cert"), "--key", at("node.key.pub"));
    expect(result.status).toBe(1);
    expect(result.out).toMatch(/node certificate: node 42/);
    expect(result.out).toMatch(/INVALID: CryptoUnknownAlgorithm/);
  });

  it("a MAC with its key is VALID, with another INVALID", async () => {
    writeFileSync(at("mac.hex"), "d18443a10105a054546869732069732074686520636f6e74656e742e5820a1a848d3471f9d61ee49018d244c824772f223ad4f935293f1789fc3a08d8c58");
    const key = "849b57219dae48de646d07dbb533566e976686457c1491be3a76dcea6c427188";
    writeFileSync(at("mac.key"), key, { mode: 0o600 });
    writeFileSync(at("zero-mac.key"), "00".repeat(32), { mode: 0o600 });
    expect((await picket("inspect", at("mac.hex"), "--mac-key-file", at("mac.key"))).out).toMatch(/tag {9}VALID/);
    const wrong = await picket("inspect", at("mac.hex"), "--mac-key-file", at("zero-mac.key"));
    expect(wrong.status).toBe(1);
    expect(wrong.out).toMatch(/INVALID: CryptoAuthFailed/);
    const onCommandLine = await picket("inspect", at("mac.hex"), "--mac-key", key);
    expect(onCommandLine.status).toBe(2);
    expect(onCommandLine.err).toContain("--mac-key: secrets are not taken on the command line");
    expect(onCommandLine.err).not.toContain(key);
    expect(onCommandLine.out).toBe("");
  });

  it("a private key's seed is never printed unless --show-secrets asks for it", async () => {
    const seed = readFileSync(at("zero.seed"), "utf8");
    const hidden = await picket("inspect", at("zero.key"));
    expect(hidden.status).toBe(0);
    expect(hidden.out).toContain("withheld, the key holds private material (label -2); --show-secrets prints it");
    expect(hidden.out).toMatch(/private {5}yes \(32-byte seed\)/);
    expect(hidden.out).not.toContain(seed);
    const random = await picket("inspect", at("node.key"));
    expect(random.out).toContain("withheld");
    const shown = await picket("inspect", at("zero.key"), "--show-secrets");
    expect(shown.out).toContain(`h'${seed}'`);
  });

  it("a protected frame header is shown; garbage is refused with exit 2", async () => {
    writeFileSync(at("frame.bin"), Buffer.from("1100070002000000090102030405060708090a0b0c0d0e0f1011", "hex"));
    const frame = await picket("inspect", at("frame.bin"));
    expect(frame.status).toBe(0);
    expect(frame.out).toMatch(/sender {6}7/);
    expect(frame.out).toMatch(/counter {5}9/);
    writeFileSync(at("junk.bin"), Buffer.from([0xff, 0x00]));
    expect((await picket("inspect", at("junk.bin"))).status).toBe(2);
    expect((await picket("inspect")).status).toBe(2);
  });
});
