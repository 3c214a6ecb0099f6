// Piece commitments (CommP) and strict PieceCID v2 parsing, as Curio
// computes and checks them (shared/design/pdp-protocol.md §4).  Written
// independently of src/piece_cid.c, in the plainest form (whole tree in
// memory), so the double checks the extension rather than repeating it.
import { createHash } from 'node:crypto';

export const MIN_RAW = 127;
export const MAX_RAW = 1065353216;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function node(left, right) {
  const h = createHash('sha256').update(left).update(right).digest();
  h[31] &= 0x3f;
  return h;
}

function fr32(quad) {
  const out = Buffer.alloc(128);
  // bit view: output word w holds input bits 254w .. 254w+253
  for (let w = 0; w < 4; w++) {
    for (let k = 0; k < 254; k++) {
      const bit = 254 * w + k;
      if (bit >= 1016) break;
      if ((quad[bit >> 3] >> (bit & 7)) & 1) out[32 * w + (k >> 3)] |= 1 << (k & 7);
    }
  }
  return out;
}

function varint(n) {
  const out = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return Buffer.from(out);
}

export function base32(bytes) {
  let out = 'b', bits = 0, value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= 0xff;
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

// { padding, height, root, rawSize, cid (string), bytes (binary CID) }
export function commp(data) {
  const quads = Math.max(1, Math.ceil(data.length / 127));
  let treeQuads = 1, height = 2;
  while (treeQuads < quads) { treeQuads *= 2; height++; }
  const padded = Buffer.concat([data, Buffer.alloc(treeQuads * 127 - data.length)]);
  let level = [];
  for (let q = 0; q < treeQuads; q++) {
    const leaves = fr32(padded.subarray(127 * q, 127 * q + 127));
    for (let i = 0; i < 4; i++) level.push(leaves.subarray(32 * i, 32 * i + 32));
  }
  while (level.length > 1) {
    const next = [];
    for (let i = 0; i < level.length; i += 2) next.push(node(level[i], level[i + 1]));
    level = next;
  }
  return encode({ padding: treeQuads * 127 - data.length, height, root: level[0] });
}

export function encode({ padding, height, root }) {
  const pv = varint(padding);
  const bytes = Buffer.concat([Buffer.from([0x01, 0x55, 0x91, 0x20, pv.length + 33]), pv, Buffer.from([height]), root]);
  return { padding, height, root, rawSize: 2 ** (height - 2) * 127 - padding, bytes, cid: base32(bytes) };
}

// Parses a PieceCID v2 string; throws Error(reason) for anything else.
export function parseV2(text) {
  if (typeof text !== 'string' || !text.startsWith('b')) throw new Error('not a multibase base32 CID');
  const bytes = [];
  let bits = 0, value = 0;
  for (const c of text.slice(1)) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) throw new Error('invalid base32 character');
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) { bytes.push((value >>> (bits - 8)) & 0xff); bits -= 8; value &= 0xff; }
  }
  const buf = Buffer.from(bytes);
  if (base32(buf) !== text) throw new Error('non-canonical base32');
  if (buf.length < 5 || buf[0] !== 0x01 || buf[1] !== 0x55 || buf[2] !== 0x91 || buf[3] !== 0x20)
    throw new Error('not a PieceCIDv2 (CIDv1, raw codec, fr32-sha256-trunc254-padbintree)');
  const digestLen = buf[4];
  if (digestLen & 0x80 || digestLen !== buf.length - 5) throw new Error('digest length mismatch');
  let pos = 5, padding = 0, mul = 1, b;
  do {
    if (pos >= buf.length) throw new Error('truncated padding');
    b = buf[pos++];
    padding += (b & 0x7f) * mul;
    mul *= 128;
  } while (b & 0x80);
  if (!varint(padding).equals(buf.subarray(5, pos))) throw new Error('non-minimal padding varint');
  if (buf.length - pos !== 33) throw new Error('digest is not padding, height and a 32-byte root');
  const height = buf[pos];
  const root = buf.subarray(pos + 1);
  if (height < 2 || height > 50) throw new Error('height out of range');
  if (padding > 2 ** (height - 2) * 127) throw new Error('padding exceeds the tree');
  return encode({ padding, height, root: Buffer.from(root) });
}
