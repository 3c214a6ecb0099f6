// FWSS's checks of a request's extraData (pdp-protocol.md §3): ABI
// decoding, the EIP-712 digests, and the signer they recover to.
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';

const keccak = (...parts) => Buffer.from(keccak_256(Buffer.concat(parts.map((p) => Buffer.from(p)))));
const text = (s) => Buffer.from(s, 'utf8');
const u256 = (n) => Buffer.from(BigInt(n).toString(16).padStart(64, '0'), 'hex');

const TH = {
  domain: keccak(text('EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)')),
  metadata: keccak(text('MetadataEntry(string key,string value)')),
  create: keccak(text('CreateDataSet(uint256 clientDataSetId,address payee,MetadataEntry[] metadata)MetadataEntry(string key,string value)')),
  cid: keccak(text('Cid(bytes data)')),
  pieceMetadata: keccak(text('PieceMetadata(uint256 pieceIndex,MetadataEntry[] metadata)MetadataEntry(string key,string value)')),
  add: keccak(text('AddPieces(uint256 clientDataSetId,uint256 nonce,Cid[] pieceData,PieceMetadata[] pieceMetadata)Cid(bytes data)MetadataEntry(string key,string value)PieceMetadata(uint256 pieceIndex,MetadataEntry[] metadata)')),
};

export function domainSeparator(chainId, fwss) {
  return keccak(TH.domain, keccak(text('FilecoinWarmStorageService')), keccak(text('1')), u256(chainId),
    Buffer.concat([Buffer.alloc(12), Buffer.from(fwss.slice(2), 'hex')]));
}

const metadataHash = (keys, values) =>
  keccak(...keys.map((k, i) => keccak(TH.metadata, keccak(text(k)), keccak(text(values[i])))));

export function createDigest(domain, clientDataSetId, payee, keys, values) {
  const structHash = keccak(TH.create, u256(clientDataSetId),
    Buffer.concat([Buffer.alloc(12), Buffer.from(payee.slice(2), 'hex')]), metadataHash(keys, values));
  return keccak(Buffer.from([0x19, 0x01]), domain, structHash);
}

export function addDigest(domain, clientDataSetId, nonce, cidBytes, keys, values) {
  const cids = keccak(...cidBytes.map((b) => keccak(TH.cid, keccak(b))));
  const metas = keccak(...keys.map((k, i) => keccak(TH.pieceMetadata, u256(i), metadataHash(k, values[i]))));
  const structHash = keccak(TH.add, u256(clientDataSetId), u256(nonce), cids, metas);
  return keccak(Buffer.from([0x19, 0x01]), domain, structHash);
}

// The address a 65-byte r||s||v signature over digest recovers to, or null.
export function recover(digest, sig) {
  if (sig.length !== 65) return null;
  let v = sig[64];
  if (v >= 27) v -= 27;
  if (v > 1) return null;
  try {
    const recovered = Buffer.concat([Buffer.from([v]), sig.subarray(0, 64)]);
    const pub = secp256k1.Signature.fromBytes(recovered, 'recovered').recoverPublicKey(digest).toBytes(false);
    return '0x' + keccak(pub.subarray(1)).subarray(12).toString('hex');
  } catch {
    return null;
  }
}

// A bounds-checked reader of abi.encode output.
class Abi {
  constructor(buf) { this.buf = buf; }
  word(at) {
    if (at + 32 > this.buf.length) throw new Error('extraData too short');
    return this.buf.subarray(at, at + 32);
  }
  uint(at) { return BigInt('0x' + this.word(at).toString('hex')); }
  small(at) {
    const n = this.uint(at);
    if (n > BigInt(this.buf.length)) throw new Error('offset or length out of range');
    return Number(n);
  }
  address(at) { return '0x' + this.word(at).subarray(12).toString('hex'); }
  bytes(base, head) {
    const at = base + this.small(head);
    const len = this.small(at);
    if (at + 32 + len > this.buf.length) throw new Error('bytes out of range');
    return this.buf.subarray(at + 32, at + 32 + len);
  }
  strings(base, head) {
    const at = base + this.small(head);
    const n = this.small(at);
    return Array.from({ length: n }, (_, i) => this.bytes(at + 32, at + 32 + 32 * i).toString('utf8'));
  }
  stringArrays(base, head) {
    const at = base + this.small(head);
    const n = this.small(at);
    return Array.from({ length: n }, (_, i) => this.strings(at + 32, at + 32 + 32 * i));
  }
}

// abi.encode(address payer, uint256 clientDataSetId, string[] keys, string[] values, bytes signature)
export function decodeCreate(buf) {
  const a = new Abi(buf);
  return { payer: a.address(0), clientDataSetId: a.uint(32), keys: a.strings(0, 64), values: a.strings(0, 96), signature: a.bytes(0, 128) };
}

// abi.encode(uint256 nonce, string[][] keys, string[][] values, bytes signature)
export function decodeAdd(buf) {
  const a = new Abi(buf);
  return { nonce: a.uint(0), keys: a.stringArrays(0, 32), values: a.stringArrays(0, 64), signature: a.bytes(0, 96) };
}

// abi.encode(bytes createExtraData, bytes addExtraData)
export function decodeCreateAndAdd(buf) {
  const a = new Abi(buf);
  return { create: a.bytes(0, 0), add: a.bytes(0, 32) };
}
