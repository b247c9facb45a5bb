/**
 * RFC 8439 known answers (ChaCha20, Poly1305, AEAD_CHACHA20_POLY1305),
 * transcribed from the RFC's text: §2.3.2, §2.4.2, §2.5.2, §2.6.2, §2.8.2
 * and Appendix A.1-A.5. Facts from the standard, no code. A TypeScript
 * module (not JSON) so that XS bundles and the platform-neutral
 * conformance suites can import it; ASCII texts are kept as text.
 */

export interface BlockVector {
  readonly clause: string;
  readonly keyHex: string;
  readonly nonceHex: string;
  readonly counter: number;
  readonly blockHex: string;
}

export interface StreamVector {
  readonly clause: string;
  readonly keyHex: string;
  readonly nonceHex: string;
  readonly counter: number;
  readonly plaintextHex: string;
  readonly ciphertextHex: string;
}

export interface MacVector {
  readonly clause: string;
  readonly keyHex: string;
  readonly messageHex: string;
  readonly tagHex: string;
}

export interface KeyGenVector {
  readonly clause: string;
  readonly keyHex: string;
  readonly nonceHex: string;
  readonly oneTimeKeyHex: string;
}

export interface AeadVector {
  readonly clause: string;
  readonly keyHex: string;
  readonly nonceHex: string;
  readonly aadHex: string;
  readonly plaintextHex: string;
  readonly ciphertextHex: string;
  readonly tagHex: string;
}

const HEX_DIGITS = "0123456789abcdef";

/** ASCII text as hex (the RFC prints these plaintexts next to their bytes). */
function asciiHex(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    out += (HEX_DIGITS[c >>> 4] ?? "") + (HEX_DIGITS[c & 15] ?? "");
  }
  return out;
}

function zeros(bytes: number): string {
  return "00".repeat(bytes);
}

const KEY_SEQUENCE = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_80 = "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f";
const KEY_1C92 = "1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0";
const KEY_ONE = zeros(31) + "01";
const NONCE_TWO = zeros(11) + "02";

const SUNSCREEN = asciiHex("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
const IETF_SUBMISSION = asciiHex(
  "Any submission to the IETF intended by the Contributor for publication as all or part of an IETF Internet-Draft " +
    'or RFC and any statement made within the context of an IETF activity is considered an "IETF Contribution". Such statements ' +
    "include oral statements in IETF sessions, as well as written and electronic communications made at any time or place, which are addressed to",
);
const JABBERWOCKY = asciiHex("'Twas brillig, and the slithy toves\nDid gyre and gimble in the wabe:\nAll mimsy were the borogoves,\nAnd the mome raths outgrabe.");

const A1_1_KEYSTREAM =
  "76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586";

/** §2.3.2 and A.1 #1-#5: the serialized ChaCha20 block. */
export const BLOCK_VECTORS: readonly BlockVector[] = Object.freeze([
  {
    clause: "§2.3.2",
    keyHex: KEY_SEQUENCE,
    nonceHex: "000000090000004a00000000",
    counter: 1,
    blockHex:
      "10f1e7e4d13b5915500fdd1fa32071c4c7d1f4c733c068030422aa9ac3d46c4ed2826446079faa0914c2d705d98b02a2b5129cd1de164eb9cbd083e8a2503c4e",
  },
  { clause: "A.1 #1", keyHex: zeros(32), nonceHex: zeros(12), counter: 0, blockHex: A1_1_KEYSTREAM },
  {
    clause: "A.1 #2",
    keyHex: zeros(32),
    nonceHex: zeros(12),
    counter: 1,
    blockHex:
      "9f07e7be5551387a98ba977c732d080dcb0f29a048e3656912c6533e32ee7aed29b721769ce64e43d57133b074d839d531ed1f28510afb45ace10a1f4b794d6f",
  },
  {
    clause: "A.1 #3",
    keyHex: KEY_ONE,
    nonceHex: zeros(12),
    counter: 1,
    blockHex:
      "3aeb5224ecf849929b9d828db1ced4dd832025e8018b8160b82284f3c949aa5a8eca00bbb4a73bdad192b5c42f73f2fd4e273644c8b36125a64addeb006c13a0",
  },
  {
    clause: "A.1 #4",
    keyHex: "00ff" + zeros(30),
    nonceHex: zeros(12),
    counter: 2,
    blockHex:
      "72d54dfbf12ec44b362692df94137f328fea8da73990265ec1bbbea1ae9af0ca13b25aa26cb4a648cb9b9d1be65b2c0924a66c54d545ec1b7374f4872e99f096",
  },
  {
    clause: "A.1 #5",
    keyHex: zeros(32),
    nonceHex: NONCE_TWO,
    counter: 0,
    blockHex:
      "c2c64d378cd536374ae204b9ef933fcd1a8b2288b3dfa49672ab765b54ee27c78a970e0e955c14f3a88e741b97c286f75f8fc299e8148362fa198a39531bed6d",
  },
]);

/** §2.4.2 and A.2 #1-#3: ChaCha20 encryption from an initial counter. */
export const STREAM_VECTORS: readonly StreamVector[] = Object.freeze([
  {
    clause: "§2.4.2",
    keyHex: KEY_SEQUENCE,
    nonceHex: "000000000000004a00000000",
    counter: 1,
    plaintextHex: SUNSCREEN,
    ciphertextHex:
      "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0bf91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8" +
      "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab77937365af90bbf74a35be6b40b8eedf2785e42874d",
  },
  { clause: "A.2 #1", keyHex: zeros(32), nonceHex: zeros(12), counter: 0, plaintextHex: zeros(64), ciphertextHex: A1_1_KEYSTREAM },
  {
    clause: "A.2 #2",
    keyHex: KEY_ONE,
    nonceHex: NONCE_TWO,
    counter: 1,
    plaintextHex: IETF_SUBMISSION,
    ciphertextHex:
      "a3fbf07df3fa2fde4f376ca23e82737041605d9f4f4f57bd8cff2c1d4b7955ec2a97948bd3722915c8f3d337f7d370050e9e96d647b7c39f56e031ca5eb6250d" +
      "4042e02785ececfa4b4bb5e8ead0440e20b6e8db09d881a7c6132f420e52795042bdfa7773d8a9051447b3291ce1411c680465552aa6c405b7764d5e87bea85a" +
      "d00f8449ed8f72d0d662ab052691ca66424bc86d2df80ea41f43abf937d3259dc4b2d0dfb48a6c9139ddd7f76966e928e635553ba76c5c879d7b35d49eb2e62b" +
      "0871cdac638939e25e8a1e0ef9d5280fa8ca328b351c3c765989cbcf3daa8b6ccc3aaf9f3979c92b3720fc88dc95ed84a1be059c6499b9fda236e7e818b04b0b" +
      "c39c1e876b193bfe5569753f88128cc08aaa9b63d1a16f80ef2554d7189c411f5869ca52c5b83fa36ff216b9c1d30062bebcfd2dc5bce0911934fda79a86f6e6" +
      "98ced759c3ff9b6477338f3da4f9cd8514ea9982ccafb341b2384dd902f3d1ab7ac61dd29c6f21ba5b862f3730e37cfdc4fd806c22f221",
  },
  {
    clause: "A.2 #3",
    keyHex: KEY_1C92,
    nonceHex: NONCE_TWO,
    counter: 42,
    plaintextHex: JABBERWOCKY,
    ciphertextHex:
      "62e6347f95ed87a45ffae7426f27a1df5fb69110044c0d73118effa95b01e5cf166d3df2d721caf9b21e5fb14c616871fd84c54f9d65b283196c7fe4f60553eb" +
      "f39c6402c42234e32a356b3e764312a61a5532055716ead6962568f87d3f3f7704c6a8d1bcd1bf4d50d6154b6da731b187b58dfd728afa36757a797ac188d1",
  },
]);

const A3_EDGE_R1_HI4 = "01" + zeros(7) + "04" + zeros(7); // A.3 #10/#11 r
const A3_131_BIT_TEXT = "e33594d7505e43b9" + zeros(8) + "3394d7505e4379cd01" + zeros(7) + zeros(16);

/** §2.5.2 and A.3 #1-#11 (#5-#11: the reduction and carry edge cases). Key = r || s. */
export const MAC_VECTORS: readonly MacVector[] = Object.freeze([
  {
    clause: "§2.5.2",
    keyHex: "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b",
    messageHex: asciiHex("Cryptographic Forum Research Group"),
    tagHex: "a8061dc1305136c6c22b8baf0c0127a9",
  },
  { clause: "A.3 #1 (zero key)", keyHex: zeros(32), messageHex: zeros(64), tagHex: zeros(16) },
  {
    clause: "A.3 #2 (r = 0: the tag is s)",
    keyHex: zeros(16) + "36e5f6b5c5e06070f0efca96227a863e",
    messageHex: IETF_SUBMISSION,
    tagHex: "36e5f6b5c5e06070f0efca96227a863e",
  },
  { clause: "A.3 #3 (s = 0)", keyHex: "36e5f6b5c5e06070f0efca96227a863e" + zeros(16), messageHex: IETF_SUBMISSION, tagHex: "f3477e7cd95417af89a6b8794c310cf0" },
  { clause: "A.3 #4", keyHex: KEY_1C92, messageHex: JABBERWOCKY, tagHex: "4541669a7eaaee61e708dc7cbcc5eb62" },
  {
    clause: "A.3 #5 (partially reduced result not fully reduced)",
    keyHex: "02" + zeros(15) + zeros(16),
    messageHex: "ff".repeat(16),
    tagHex: "03" + zeros(15),
  },
  {
    clause: "A.3 #6 (adding s overflows 2^128)",
    keyHex: "02" + zeros(15) + "ff".repeat(16),
    messageHex: "02" + zeros(15),
    tagHex: "03" + zeros(15),
  },
  {
    clause: "A.3 #7 (data limb all ones with a carry from the lower limb)",
    keyHex: "01" + zeros(15) + zeros(16),
    messageHex: "ff".repeat(16) + "f0" + "ff".repeat(15) + "11" + zeros(15),
    tagHex: "05" + zeros(15),
  },
  {
    clause: "A.3 #8 (polynomial part exactly 2^130-5)",
    keyHex: "01" + zeros(15) + zeros(16),
    messageHex: "ff".repeat(16) + "fb" + "fe".repeat(15) + "01".repeat(16),
    tagHex: zeros(16),
  },
  {
    clause: "A.3 #9 (polynomial part exactly 2^130-6)",
    keyHex: "02" + zeros(15) + zeros(16),
    messageHex: "fd" + "ff".repeat(15),
    tagHex: "fa" + "ff".repeat(15),
  },
  {
    clause: "A.3 #10 (5*H+L reduction gives a 131-bit intermediate)",
    keyHex: A3_EDGE_R1_HI4 + zeros(16),
    messageHex: A3_131_BIT_TEXT + "01" + zeros(15),
    tagHex: "14" + zeros(7) + "55" + zeros(7),
  },
  {
    clause: "A.3 #11 (5*H+L reduction gives a 131-bit final result)",
    keyHex: A3_EDGE_R1_HI4 + zeros(16),
    messageHex: A3_131_BIT_TEXT,
    tagHex: "13" + zeros(15),
  },
]);

/** §2.6.2 and A.4 #1-#3: the Poly1305 one-time key (first 32 bytes of block 0). */
export const KEYGEN_VECTORS: readonly KeyGenVector[] = Object.freeze([
  { clause: "§2.6.2", keyHex: KEY_80, nonceHex: "000000000001020304050607", oneTimeKeyHex: "8ad5a08b905f81cc815040274ab29471a833b637e3fd0da508dbb8e2fdd1a646" },
  { clause: "A.4 #1", keyHex: zeros(32), nonceHex: zeros(12), oneTimeKeyHex: A1_1_KEYSTREAM.slice(0, 64) },
  { clause: "A.4 #2", keyHex: KEY_ONE, nonceHex: NONCE_TWO, oneTimeKeyHex: "ecfa254f845f647473d3cb140da9e87606cb33066c447b87bc2666dde3fbb739" },
  { clause: "A.4 #3", keyHex: KEY_1C92, nonceHex: NONCE_TWO, oneTimeKeyHex: "965e3bc6f9ec7ed9560808f4d229f94b137ff275ca9b3fcbdd59deaad23310ae" },
]);

/** §2.8.2 (sealing) and A.5 (opening: verify the tag, then decrypt). */
export const AEAD_VECTORS: readonly AeadVector[] = Object.freeze([
  {
    clause: "§2.8.2",
    keyHex: KEY_80,
    nonceHex: "070000004041424344454647",
    aadHex: "50515253c0c1c2c3c4c5c6c7",
    plaintextHex: SUNSCREEN,
    ciphertextHex:
      "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
      "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116",
    tagHex: "1ae10b594f09e26a7e902ecbd0600691",
  },
  {
    clause: "A.5",
    keyHex: KEY_1C92,
    nonceHex: "000000000102030405060708",
    aadHex: "f33388860000000000004e91",
    // "Internet-Drafts are draft documents ... /“work in progress./”" (UTF-8 curly quotes).
    plaintextHex:
      "496e7465726e65742d4472616674732061726520647261667420646f63756d656e74732076616c696420666f722061206d6178696d756d206f6620736978206d" +
      "6f6e74687320616e64206d617920626520757064617465642c207265706c616365642c206f72206f62736f6c65746564206279206f7468657220646f63756d65" +
      "6e747320617420616e792074696d652e20497420697320696e617070726f70726961746520746f2075736520496e7465726e65742d447261667473206173207265" +
      "666572656e6365206d6174657269616c206f7220746f2063697465207468656d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67726573" +
      "732e2fe2809d",
    ciphertextHex:
      "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb24c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf" +
      "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c8559797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4" +
      "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523eaf4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" +
      "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a1049e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29" +
      "a6ad5cb4022b02709b",
    tagHex: "eead9d67890cbb22392336fea1851f38",
  },
]);
