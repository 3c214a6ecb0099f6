// Conformance tests of the PDP double against pdp-protocol.md: run with
// `node --test test/pdp-double/` (scripts/test does).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { commp, parseV2 } from './commp.js';

const FWSS = '0x02925630df557f957f70e112ba06e50965417ca0';
const PAYEE = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
let server, base;

before(async () => {
  server = spawn(process.execPath, [new URL('./server.js', import.meta.url).pathname], {
    env: { ...process.env, PDP_FWSS: FWSS, PDP_PAYEE: PAYEE, PDP_FIND_LAG: '2', PDP_PENDING_POLLS: '2' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = await once(server.stdout, 'data');
  base = `http://127.0.0.1:${JSON.parse(line).port}`;
});
after(() => server.kill());

const ramp = (n) => Buffer.from(Array.from({ length: n }, (_, i) => i & 0xff));
const req = (method, path, body, headers = {}) => fetch(base + path, {
  method, headers: body && !(body instanceof Uint8Array) ? { 'Content-Type': 'application/json', ...headers } : headers,
  body: body === undefined ? undefined : body instanceof Uint8Array ? body : JSON.stringify(body),
});
const fault = (route, f, extra = {}) => req('POST', '/test/faults', { route, fault: f, ...extra });

// Polls GET /pdp/piece until it answers 200; returns how many 404s came first.
async function waitFindable(cid) {
  for (let misses = 0; misses < 20; misses++) {
    const r = await req('GET', `/pdp/piece?pieceCid=${cid}`);
    if (r.status === 200) { assert.deepEqual(await r.json(), { pieceCid: cid }); return misses; }
    assert.equal(r.status, 404);
    await r.text();
  }
  assert.fail('piece never became findable');
}

async function uploadClassic(data) {
  const cid = commp(data).cid;
  const r = await req('POST', '/pdp/piece', { pieceCid: cid });
  if (r.status === 200) return cid;
  assert.equal(r.status, 201);
  const put = await req('PUT', r.headers.get('location'), data, { 'Content-Type': 'application/octet-stream' });
  assert.equal(put.status, 204);
  return cid;
}

async function pollUntilSettled(path) {
  for (let i = 0; i < 20; i++) {
    const j = await (await req('GET', path)).json();
    if (j.txStatus !== 'pending') return j;
  }
  assert.fail('status never settled');
}

test('CommP matches the protocol vectors', () => {
  assert.equal(commp(Buffer.alloc(127)).cid, 'bafkzcibcaabdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy');
  assert.equal(commp(Buffer.alloc(128)).cid, 'bafkzcibcpybwiktap34inmaex4wbs6cghlq5i2j2yd2bb2zndn5ep7ralzphkdy');
  assert.equal(commp(ramp(1000)).cid, 'bafkzcibccaczkoh4cjw2k3gkvmluved57mca6x6dw6p4onbdyvlzefcuzzih4ky');
  assert.equal(commp(Buffer.alloc(0)).cid, 'bafkzcibcp4bdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy');
  assert.equal(parseV2('bafkzcibertksae2h5gohz3y4gc6o3uvrljmh4fyz4bexjywokbejjiy63uv2vxzqcq').rawSize, 16110964);
  assert.throws(() => parseV2('baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy'));
});

test('ping, unknown routes', async () => {
  const r = await req('GET', '/pdp/ping');
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'curio-pdp');
  assert.equal((await req('GET', '/pdp/nothing')).status, 404);
});

test('streaming upload: 201 + Location, 204, finalize checks size and CID', async () => {
  const data = ramp(1000);
  let r = await req('POST', '/pdp/piece/uploads');
  assert.equal(r.status, 201);
  const loc = r.headers.get('location');
  assert.match(loc, /^\/pdp\/piece\/uploads\/[0-9a-f-]+$/);
  // chunked body (a stream without Content-Length)
  const stream = new ReadableStream({ start(c) { c.enqueue(data.subarray(0, 500)); c.enqueue(data.subarray(500)); c.close(); } });
  r = await fetch(base + loc, { method: 'PUT', body: stream, duplex: 'half' });
  assert.equal(r.status, 204);
  r = await req('POST', loc, { pieceCid: commp(ramp(999)).cid });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /size does not match/);
  r = await req('POST', loc, { pieceCid: commp(Buffer.alloc(1000)).cid });
  assert.equal(r.status, 400);
  assert.match(await r.text(), /does not match the calculated/);
  r = await req('POST', loc, { pieceCid: commp(data).cid });
  assert.equal(r.status, 200);
  assert.equal(await waitFindable(commp(data).cid), 2);
  r = await req('POST', '/pdp/piece/uploads');
  r = await req('PUT', r.headers.get('location'), ramp(126));
  assert.equal(r.status, 400);
});

test('classic upload: 201 then 204, 409 on a re-PUT, 200 when already parked, 400 on a bad CID', async () => {
  const data = ramp(300);
  const cid = commp(data).cid;
  let r = await req('POST', '/pdp/piece', { pieceCid: cid });
  assert.equal(r.status, 201);
  const loc = r.headers.get('location');
  assert.match(loc, /^\/pdp\/piece\/upload\/[0-9a-f-]+$/);
  assert.equal((await req('PUT', loc, ramp(301))).status, 400);
  assert.equal((await req('PUT', loc, data)).status, 204);
  assert.equal((await req('PUT', loc, data)).status, 409);
  assert.equal((await req('PUT', '/pdp/piece/upload/00000000-0000-0000-0000-000000000000', data)).status, 404);
  r = await req('POST', '/pdp/piece', { pieceCid: cid });
  assert.equal(r.status, 200);
  assert.equal((await req('POST', '/pdp/piece', { pieceCid: 'baga6ea4seaqdomn3tgwgrh3g532zopskstnbrd2n3sxfqbze7rxt7vqn7veigmy' })).status, 400);
  assert.equal((await req('GET', '/pdp/piece?pieceCid=garbage')).status, 400);
});

test('create data set (protocol vector 1, strict): pending, then confirmed; the same extraData again fails on chain', async () => {
  const extra = '0x' + [
    '2e988a386a799f506693793c6a5af6b54dfaabfb'.padStart(64, '0'), '3039'.padStart(64, '0'),
    'a0'.padStart(64, '0'), '120'.padStart(64, '0'), '1a0'.padStart(64, '0'),
    '1'.padStart(64, '0'), '20'.padStart(64, '0'), '5'.padStart(64, '0'), Buffer.from('title').toString('hex').padEnd(64, '0'),
    '1'.padStart(64, '0'), '20'.padStart(64, '0'), 'b'.padStart(64, '0'), Buffer.from('TestDataSet').toString('hex').padEnd(64, '0'),
    '41'.padStart(64, '0'),
    '71b76dc59fda32a090b48744f047748725f1989d69c24b25713ff7c175f365255d96f112712439fc01a2a9c6fb6cd5e0e78bd57888677cb5172f08acebfc34e2',
    '1b'.padEnd(64, '0')].join('');
  assert.equal((await req('POST', '/pdp/data-sets', { recordKeeper: '0x' + '11'.repeat(20), extraData: extra })).status, 403);
  assert.equal((await req('POST', '/pdp/data-sets', { recordKeeper: '0x' + '00'.repeat(20), extraData: extra })).status, 400);
  let r = await req('POST', '/pdp/data-sets', { recordKeeper: FWSS, extraData: extra });
  assert.equal(r.status, 201);
  const loc = r.headers.get('location');
  assert.match(loc, /^\/pdp\/data-sets\/created\/0x[0-9a-f]{64}$/);
  const first = await (await req('GET', loc)).json();
  assert.equal(first.txStatus, 'pending');
  assert.equal(first.ok, null);
  const done = await pollUntilSettled(loc);
  assert.equal(done.ok, true);
  assert.equal(done.dataSetCreated, true);
  assert.ok(Number.isSafeInteger(done.dataSetId));
  r = await req('POST', '/pdp/data-sets', { recordKeeper: FWSS, extraData: extra });
  const again = await pollUntilSettled(r.headers.get('location'));
  assert.equal(again.ok, false);
  assert.equal(again.txStatus, 'failed');
  assert.equal(again.dataSetCreated, false);
  // a signature over other metadata does not verify
  r = await req('POST', '/pdp/data-sets', { recordKeeper: FWSS, extraData: extra.replace('7469746c65', '7469746c66') });
  assert.equal((await pollUntilSettled(r.headers.get('location'))).ok, false);
});

test('add pieces (not strict): 404 on an unknown data set, 400 on an unparked piece, ids in order, faults', async () => {
  const lax = spawn(process.execPath, [new URL('./server.js', import.meta.url).pathname], {
    env: { ...process.env, PDP_FWSS: FWSS, PDP_PAYEE: PAYEE, PDP_STRICT: '0', PDP_FIND_LAG: '0', PDP_PENDING_POLLS: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const [line] = await once(lax.stdout, 'data');
    const saved = base;
    base = `http://127.0.0.1:${JSON.parse(line).port}`;
    try {
      const cids = [await uploadClassic(ramp(127)), await uploadClassic(ramp(128))];
      for (const c of cids) await waitFindable(c);
      const pieces = cids.map((c) => ({ pieceCid: c, subPieces: [{ subPieceCid: c }] }));
      let r = await req('POST', '/pdp/data-sets/create-and-add', { recordKeeper: FWSS, pieces, extraData: '0x' });
      assert.equal(r.status, 201);
      const created = await pollUntilSettled(r.headers.get('location'));
      assert.equal(created.ok, true);
      const id = created.dataSetId;
      const added = await pollUntilSettled(`/pdp/data-sets/${id}/pieces/added/${created.createMessageHash}`);
      assert.deepEqual(added.confirmedPieceIds, [0, 1]);
      assert.equal((await req('POST', '/pdp/data-sets/999/pieces', { pieces, extraData: '0x' })).status, 404);
      const unparked = commp(ramp(5000)).cid;
      assert.equal((await req('POST', `/pdp/data-sets/${id}/pieces`, { pieces: [{ pieceCid: unparked, subPieces: [{ subPieceCid: unparked }] }], extraData: '0x' })).status, 400);
      assert.equal((await req('POST', `/pdp/data-sets/${id}/pieces`, { pieces: [], extraData: '0x' })).status, 400);
      assert.equal((await req('POST', `/pdp/data-sets/${id}/pieces`, { pieces, extraData: 'zz' })).status, 400);

      await fault('add', 'status429', { retryAfter: 3 });
      r = await req('POST', `/pdp/data-sets/${id}/pieces`, { pieces: [pieces[0]], extraData: '0x' });
      assert.equal(r.status, 429);
      assert.equal(r.headers.get('retry-after'), '3');
      await fault('add', 'tx_failed');
      r = await req('POST', `/pdp/data-sets/${id}/pieces`, { pieces: [pieces[0]], extraData: '0x' });
      const failed = await pollUntilSettled(r.headers.get('location'));
      assert.equal(failed.addMessageOk, false);
      assert.equal(failed.piecesAdded, false);
      await fault('add', 'rbf');
      r = await req('POST', `/pdp/data-sets/${id}/pieces`, { pieces: [pieces[1]], extraData: '0x' });
      const rbf = await pollUntilSettled(r.headers.get('location'));
      assert.notEqual(rbf.confirmedTxHash, rbf.txHash);
      assert.deepEqual(rbf.confirmedPieceIds, [2]);
      await fault('add', 'drop_after_accept');
      await assert.rejects(req('POST', `/pdp/data-sets/${id}/pieces`, { pieces: [pieces[0]], extraData: '0x' }));
      // the dropped request was accepted: its piece shows up in the data set
      let listed;
      for (let i = 0; i < 5; i++) listed = await (await req('GET', `/pdp/data-sets/${id}`)).json();
      assert.deepEqual(listed.pieces.map((p) => p.pieceId), [0, 1, 2, 3]);
      await fault('piece_get', 'status500');
      assert.equal((await req('GET', `/pdp/piece?pieceCid=${cids[0]}`)).status, 500);
      assert.equal((await req('GET', `/pdp/piece?pieceCid=${cids[0]}`)).status, 200);
    } finally {
      base = saved;
    }
  } finally {
    lax.kill();
  }
});
