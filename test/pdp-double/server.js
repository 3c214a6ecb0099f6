// A local Filecoin PDP service provider for hybridmusic's tests and demo:
// Curio's HTTP API as shared/design/pdp-protocol.md §2 and §6 describe it
// (routes, status codes, Location headers, server-side CommP of every
// upload, strict PieceCID v2 parsing, findability lag, pending then
// confirmed transactions, FWSS's EIP-712 checks in strict mode) plus fault
// injection.  Loopback only; prints {"port":N} on its first stdout line.
//
// Settings (environment):
//   PDP_FWSS            record keeper (FWSS) address the double accepts (required)
//   PDP_PAYEE           the provider's payee address signatures must name (required)
//   PDP_CHAIN_ID        EIP-712 chain id (314159)
//   PDP_STRICT          1: verify extraData signatures and nonces (1)
//   PDP_FIND_LAG        404s a parked piece answers before it is findable (2)
//   PDP_PENDING_POLLS   pending answers of a status URL before it settles (2)
//   PDP_PORT            port (0 = any free one)
//
// Test control (not part of Curio's API): POST /test/faults with
// {"route", "fault", "count", "retryAfter"} queues a fault for the next
// count requests of a route; GET /test/state shows data sets, pieces and
// request counts.  Routes: upload_session upload_put upload_finalize
// piece_post piece_put piece_get create_and_add create add create_status
// add_status data_set.  Faults: status429 status500 stall drop_after_accept
// tx_failed rbf.
import http from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { commp, parseV2, MIN_RAW, MAX_RAW } from './commp.js';
import * as eip712 from './eip712.js';

const config = {
  fwss: (process.env.PDP_FWSS || '').toLowerCase(),
  payee: (process.env.PDP_PAYEE || '').toLowerCase(),
  chainId: Number(process.env.PDP_CHAIN_ID || 314159),
  strict: (process.env.PDP_STRICT || '1') === '1',
  findLag: Number(process.env.PDP_FIND_LAG || 2),
  pendingPolls: Number(process.env.PDP_PENDING_POLLS || 2),
  port: Number(process.env.PDP_PORT || 0),
};
const ADDRESS = /^0x[0-9a-f]{40}$/;
if (!ADDRESS.test(config.fwss) || !ADDRESS.test(config.payee)) {
  console.error('pdp-double: PDP_FWSS and PDP_PAYEE must be 0x + 40 hex digits');
  process.exit(2);
}
const domain = eip712.domainSeparator(config.chainId, config.fwss);

const sessions = new Map();    // streaming upload uuid -> { data, cid, finalized }
const classic = new Map();     // classic upload uuid -> { cid, uploaded }
const parked = new Map();      // piece cid -> { polls } (findable once polls >= findLag)
const txs = new Map();         // tx hash -> { kind, polls, ... }
const dataSets = new Map();    // id -> { id, payer, clientDataSetId, pieces: [{ pieceId, pieceCid }] }
const addStatus = new Map();   // `${dataSetId}/${txHash}` -> tx hash
const usedNonces = new Set();  // `${payer}:${value}`, shared by clientDataSetIds and nonces
const faults = [];             // { route, fault, count, retryAfter }
const counts = {};             // route -> requests seen
let nextDataSetId = 1;

class HttpError extends Error {
  constructor(status, message, headers = {}) { super(message); this.status = status; this.headers = headers; }
}

const txHash = () => '0x' + randomBytes(32).toString('hex');
const isFindable = (cid) => parked.has(cid) && parked.get(cid).polls >= config.findLag;

function takeFault(route) {
  const i = faults.findIndex((f) => f.route === route);
  if (i < 0) return null;
  const f = faults[i];
  if (--f.count <= 0) faults.splice(i, 1);
  return f;
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) { req.pause(); reject(new HttpError(413, 'piece exceeds the maximum size')); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

async function readJson(req) {
  const body = await readBody(req, 1 << 20);
  try {
    return JSON.parse(body.toString('utf8') || 'null') ?? {};
  } catch {
    throw new HttpError(400, 'invalid JSON body');
  }
}

function parseCidOr400(text) {
  try {
    return parseV2(text);
  } catch (e) {
    throw new HttpError(400, `invalid pieceCid: ${e.message}`);
  }
}

function hexBytes(text, what) {
  if (typeof text !== 'string') throw new HttpError(400, `${what} must be hex`);
  const h = text.startsWith('0x') ? text.slice(2) : text;
  if (!/^([0-9a-fA-F]{2})*$/.test(h)) throw new HttpError(400, `${what} must be hex`);
  return Buffer.from(h, 'hex');
}

function checkRecordKeeper(rk) {
  if (typeof rk !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(rk) || /^0x0{40}$/.test(rk))
    throw new HttpError(400, 'recordKeeper must be a non-zero address');
  if (rk.toLowerCase() !== config.fwss) throw new HttpError(403, 'recordKeeper is not the FWSS address of this network');
}

// Checks a request's pieces like Curio and returns their CIDs.
function checkPieces(pieces) {
  if (!Array.isArray(pieces) || pieces.length < 1 || pieces.length > 40)
    throw new HttpError(400, 'pieces must hold 1 to 40 entries');
  return pieces.map((p) => {
    if (!p || !Array.isArray(p.subPieces) || p.subPieces.length === 0) throw new HttpError(400, 'each piece needs subPieces');
    const piece = parseCidOr400(p.pieceCid);
    const seen = new Set();
    for (const s of p.subPieces) {
      const sub = parseCidOr400(s && s.subPieceCid);
      if (seen.has(sub.cid)) throw new HttpError(400, 'duplicate subPieceCid');
      seen.add(sub.cid);
      if (!isFindable(sub.cid)) throw new HttpError(400, `subPiece ${sub.cid} is not parked`);
    }
    if (p.subPieces.length !== 1 || p.subPieces[0].subPieceCid !== piece.cid)
      throw new HttpError(400, 'pieceCid does not match the aggregate of its subPieces');
    return piece;
  });
}

// What FWSS would check when the transaction runs; a message on failure.
function verifyCreate(extra) {
  if (!config.strict) return { payer: null, clientDataSetId: null };
  const c = eip712.decodeCreate(extra);
  if (c.keys.length !== c.values.length || c.keys.length > 10 || new Set(c.keys).size !== c.keys.length)
    throw new Error('invalid data set metadata');
  const digest = eip712.createDigest(domain, c.clientDataSetId, config.payee, c.keys, c.values);
  if (eip712.recover(digest, c.signature) !== c.payer) throw new Error('InvalidSignature (CreateDataSet)');
  if (usedNonces.has(`${c.payer}:${c.clientDataSetId}`)) throw new Error('ClientDataSetAlreadyRegistered');
  return c;
}

function verifyAdd(extra, payer, clientDataSetId, pieces) {
  if (!config.strict) return null;
  const a = eip712.decodeAdd(extra);
  if (a.keys.length !== pieces.length || a.values.length !== pieces.length)
    throw new Error('metadata arrays must have one entry per piece');
  a.keys.forEach((k, i) => {
    if (k.length !== a.values[i].length || k.length > 3) throw new Error('invalid piece metadata');
  });
  const digest = eip712.addDigest(domain, clientDataSetId, a.nonce, pieces.map((p) => p.bytes), a.keys, a.values);
  if (eip712.recover(digest, a.signature) !== payer) throw new Error('InvalidSignature (AddPieces)');
  if (usedNonces.has(`${payer}:${a.nonce}`)) throw new Error('ClientDataSetAlreadyRegistered (nonce reused)');
  return a;
}

// Runs a transaction once its pending polls are over: the on-chain effects.
function settle(tx) {
  if (tx.settled) return;
  tx.settled = true;
  if (tx.injectedFailure) { tx.error = 'injected failure'; return; }
  try {
    if (tx.kind === 'create' || tx.kind === 'create_and_add') {
      const c = verifyCreate(tx.createExtra);
      let add = null;
      if (tx.kind === 'create_and_add') add = verifyAdd(tx.addExtra, c.payer, c.clientDataSetId, tx.pieces);
      const ds = { id: nextDataSetId++, payer: c.payer, clientDataSetId: c.clientDataSetId, pieces: [], nextPieceId: 0 };
      dataSets.set(ds.id, ds);
      if (config.strict) usedNonces.add(`${c.payer}:${c.clientDataSetId}`);
      tx.dataSetId = ds.id;
      if (tx.kind === 'create_and_add') {
        if (add) usedNonces.add(`${c.payer}:${add.nonce}`);
        addStatus.set(`${ds.id}/${tx.hash}`, tx.hash);
        tx.pieceIds = tx.pieces.map((p) => addPiece(ds, p));
      }
    } else {
      const ds = dataSets.get(tx.dataSetId);
      const a = verifyAdd(tx.addExtra, ds.payer, ds.clientDataSetId, tx.pieces);
      if (a) usedNonces.add(`${ds.payer}:${a.nonce}`);
      tx.pieceIds = tx.pieces.map((p) => addPiece(ds, p));
    }
  } catch (e) {
    tx.error = e.message;
  }
}

function addPiece(ds, piece) {
  const pieceId = ds.nextPieceId++;
  ds.pieces.push({ pieceId, pieceCid: piece.cid, subPieceCid: piece.cid, subPieceOffset: 0 });
  return pieceId;
}

// Counts a poll of a transaction; settles it once it has been pending long enough.
function poll(tx) {
  if (++tx.polls > config.pendingPolls) settle(tx);
  return tx.settled;
}

function txStatusFields(tx) {
  if (!tx.settled) return { txStatus: 'pending', ok: null };
  return { txStatus: tx.error ? 'failed' : 'confirmed', ok: !tx.error };
}

function newTx(kind, fields, fault) {
  const tx = { kind, hash: txHash(), polls: 0, settled: false, ...fields };
  if (fault && fault.fault === 'tx_failed') tx.injectedFailure = true;
  if (fault && fault.fault === 'rbf') tx.confirmedHash = txHash();
  txs.set(tx.hash, tx);
  return tx;
}

const routes = [
  ['GET', /^\/pdp\/ping$/, 'ping', async () => ({ status: 200, text: 'curio-pdp' })],
  ['POST', /^\/pdp\/piece\/uploads$/, 'upload_session', async () => {
    const id = randomUUID();
    sessions.set(id, { data: null, finalized: false });
    return { status: 201, headers: { Location: `/pdp/piece/uploads/${id}` } };
  }],
  ['PUT', /^\/pdp\/piece\/uploads\/([^/]+)$/, 'upload_put', async (req, [id]) => {
    if (!/^[0-9a-fA-F-]+$/.test(id)) throw new HttpError(400, 'invalid upload id');
    const s = sessions.get(id);
    if (!s) throw new HttpError(404, 'upload session not found');
    const data = await readBody(req, MAX_RAW);
    if (data.length < MIN_RAW) throw new HttpError(400, `piece is smaller than ${MIN_RAW} bytes`);
    s.data = data;
    s.piece = commp(data);
    return { status: 204 };
  }],
  ['POST', /^\/pdp\/piece\/uploads\/([^/]+)$/, 'upload_finalize', async (req, [id]) => {
    const s = sessions.get(id);
    if (!s) throw new HttpError(404, 'upload session not found');
    const body = await readJson(req);
    const claimed = parseCidOr400(body.pieceCid);
    if (!s.piece) throw new HttpError(500, 'upload not complete');
    if (claimed.rawSize !== s.data.length) throw new HttpError(400, 'pieceCid size does not match uploaded piece size');
    if (claimed.cid !== s.piece.cid) throw new HttpError(400, 'pieceCid does not match the calculated pieceCid');
    if (!parked.has(s.piece.cid)) parked.set(s.piece.cid, { polls: 0 });
    sessions.delete(id);
    return { status: 200 };
  }],
  ['POST', /^\/pdp\/piece$/, 'piece_post', async (req) => {
    const body = await readJson(req);
    const piece = parseCidOr400(body.pieceCid);
    if (piece.rawSize < MIN_RAW) throw new HttpError(400, `piece is smaller than ${MIN_RAW} bytes`);
    if (piece.rawSize > MAX_RAW) throw new HttpError(413, 'piece exceeds the maximum size');
    if (parked.has(piece.cid)) return { status: 200, json: { pieceCid: piece.cid } };
    const id = randomUUID();
    classic.set(id, { piece, uploaded: false });
    return { status: 201, headers: { Location: `/pdp/piece/upload/${id}` } };
  }],
  ['PUT', /^\/pdp\/piece\/upload\/([^/]+)$/, 'piece_put', async (req, [id]) => {
    if (!/^[0-9a-fA-F-]+$/.test(id)) throw new HttpError(400, 'invalid upload id');
    const u = classic.get(id);
    if (!u) throw new HttpError(404, 'upload not found');
    if (u.uploaded) throw new HttpError(409, 'already uploaded');
    const data = await readBody(req, MAX_RAW);
    if (data.length !== u.piece.rawSize) throw new HttpError(400, 'size does not match the size declared in the pieceCid');
    if (commp(data).cid !== u.piece.cid) throw new HttpError(400, 'data does not match the pieceCid');
    u.uploaded = true;
    if (!parked.has(u.piece.cid)) parked.set(u.piece.cid, { polls: 0 });
    return { status: 204 };
  }],
  ['GET', /^\/pdp\/piece$/, 'piece_get', async (req, _m, url) => {
    const piece = parseCidOr400(url.searchParams.get('pieceCid'));
    const p = parked.get(piece.cid);
    if (!p) throw new HttpError(404, '404 page not found');
    if (p.polls < config.findLag) { p.polls++; throw new HttpError(404, '404 page not found'); }
    return { status: 200, json: { pieceCid: piece.cid } };
  }],
  ['POST', /^\/pdp\/data-sets\/create-and-add$/, 'create_and_add', async (req, _m, _u, fault) => {
    const body = await readJson(req);
    checkRecordKeeper(body.recordKeeper);
    const pieces = checkPieces(body.pieces);
    const extra = hexBytes(body.extraData, 'extraData');
    let parts;
    try { parts = eip712.decodeCreateAndAdd(extra); } catch { parts = { create: Buffer.alloc(0), add: Buffer.alloc(0) }; }
    const tx = newTx('create_and_add', { createExtra: parts.create, addExtra: parts.add, pieces }, fault);
    return { status: 201, headers: { Location: `/pdp/data-sets/created/${tx.hash}` } };
  }],
  ['POST', /^\/pdp\/data-sets$/, 'create', async (req, _m, _u, fault) => {
    const body = await readJson(req);
    checkRecordKeeper(body.recordKeeper);
    const extra = hexBytes(body.extraData, 'extraData');
    if (extra.length > 4096) throw new HttpError(400, 'extraData exceeds 4096 bytes');
    const tx = newTx('create', { createExtra: extra }, fault);
    return { status: 201, headers: { Location: `/pdp/data-sets/created/${tx.hash}` } };
  }],
  ['GET', /^\/pdp\/data-sets\/created\/([^/]+)$/, 'create_status', async (req, [hash]) => {
    if (!/^0x[0-9a-f]{64}$/.test(hash)) throw new HttpError(400, 'invalid tx hash');
    const tx = txs.get(hash);
    if (!tx || (tx.kind !== 'create' && tx.kind !== 'create_and_add')) throw new HttpError(404, 'data set creation not found');
    poll(tx);
    const s = txStatusFields(tx);
    const json = { createMessageHash: hash, dataSetCreated: s.ok === true, service: 'public', txStatus: s.txStatus, ok: s.ok };
    if (s.ok) json.dataSetId = tx.dataSetId;
    if (tx.settled && tx.confirmedHash) json.confirmedTxHash = tx.confirmedHash;
    return { status: 200, json };
  }],
  ['POST', /^\/pdp\/data-sets\/(\d+)\/pieces$/, 'add', async (req, [id], _u, fault) => {
    const ds = dataSets.get(Number(id));
    const body = await readJson(req);
    if (!ds) throw new HttpError(404, 'data set not found');
    const pieces = checkPieces(body.pieces);
    const extra = hexBytes(body.extraData, 'extraData');
    const tx = newTx('add', { dataSetId: ds.id, addExtra: extra, pieces }, fault);
    addStatus.set(`${ds.id}/${tx.hash}`, tx.hash);
    return { status: 201, headers: { Location: `/pdp/data-sets/${ds.id}/pieces/added/${tx.hash}` } };
  }],
  ['GET', /^\/pdp\/data-sets\/(\d+)\/pieces\/added\/([^/]+)$/, 'add_status', async (req, [id, hash]) => {
    if (!/^0x[0-9a-f]{64}$/.test(hash)) throw new HttpError(400, 'invalid tx hash');
    const txKey = addStatus.get(`${Number(id)}/${hash}`);
    if (!txKey) throw new HttpError(404, 'piece addition not found');
    const tx = txs.get(txKey);
    poll(tx);
    const s = txStatusFields(tx);
    const json = { txHash: hash, txStatus: s.txStatus, dataSetId: Number(id), pieceCount: new Set(tx.pieces.map((p) => p.cid)).size,
      addMessageOk: s.ok, piecesAdded: s.ok === true };
    if (s.ok) json.confirmedPieceIds = [...tx.pieceIds].sort((a, b) => a - b);
    if (tx.settled && tx.confirmedHash) json.confirmedTxHash = tx.confirmedHash;
    return { status: 200, json };
  }],
  ['GET', /^\/pdp\/data-sets\/(\d+)$/, 'data_set', async (req, [id]) => {
    const ds = dataSets.get(Number(id));
    if (!ds) throw new HttpError(404, 'data set not found');
    // the chain moves on whether or not anyone polls the status URL
    for (const tx of txs.values()) if (tx.dataSetId === ds.id) poll(tx);
    return { status: 200, json: { id: ds.id, nextChallengeEpoch: 0, pieces: ds.pieces } };
  }],
  ['POST', /^\/test\/faults$/, 'test', async (req) => {
    const f = await readJson(req);
    faults.push({ route: f.route, fault: f.fault, count: f.count || 1, retryAfter: f.retryAfter ?? 1 });
    return { status: 204 };
  }],
  ['GET', /^\/test\/state$/, 'test', async () => ({
    status: 200,
    json: { counts, pendingFaults: faults.length,
      dataSets: [...dataSets.values()].map((d) => ({ id: d.id, payer: d.payer, clientDataSetId: String(d.clientDataSetId), pieces: d.pieces })),
      failedTxs: [...txs.values()].filter((t) => t.error).map((t) => ({ kind: t.kind, error: t.error })) },
  })],
];

async function handle(req, res) {
  const url = new URL(req.url, 'http://localhost');
  const route = routes.find(([method, re]) => method === req.method && re.test(url.pathname));
  if (!route) {
    // Go's mux answers 405 for a known path with another method; 404 otherwise
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    req.resume();
    return;
  }
  const [, re, name, fn] = route;
  counts[name] = (counts[name] || 0) + 1;
  const fault = name === 'test' ? null : takeFault(name);
  if (fault && (fault.fault === 'status429' || fault.fault === 'status500')) {
    req.resume();
    const status = fault.fault === 'status429' ? 429 : 500;
    const headers = { 'Content-Type': 'text/plain; charset=utf-8' };
    if (status === 429) headers['Retry-After'] = String(fault.retryAfter);
    res.writeHead(status, headers).end(`${status === 429 ? 'too many requests' : 'internal error'} [eid: ${randomUUID()}]\n`);
    return;
  }
  try {
    const out = await fn(req, url.pathname.match(re).slice(1), url, fault);
    if (fault && fault.fault === 'drop_after_accept') {
      res.socket.destroy();
      return;
    }
    const headers = { ...(out.headers || {}) };
    let body = '';
    if (out.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(out.json) + '\n';
    } else if (out.text !== undefined) {
      headers['Content-Type'] = 'text/plain';
      body = out.text;
    }
    if (fault && fault.fault === 'stall') {
      // headers and half the body, then nothing: the client must time out
      res.writeHead(out.status, { ...headers, 'Content-Length': Buffer.byteLength(body) + 1 });
      res.write(body.slice(0, body.length >> 1));
      return;
    }
    res.writeHead(out.status, headers).end(body);
  } catch (e) {
    const status = e instanceof HttpError ? e.status : 500;
    if (!(e instanceof HttpError)) console.error(e);
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' })
      .end(`${e.message} [eid: ${randomUUID()}]\n`);
  }
}

const server = http.createServer((req, res) => { handle(req, res); });
server.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
