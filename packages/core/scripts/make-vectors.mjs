// Generates packages/core/test/vectors/casetrail-v1.json and casetrail-v2.json:
// casetrail's own test vectors for entries of version 1 and version 2
// (docs/format.md), from fixed keys, salts, nonces and times, so that a
// second implementation can check every step: statement → commitment → entry
// bytes → leaf hash → roots → signed checkpoint → proofs, plus negative cases
// that name the error code a decoder must give. The version 1 file keeps its
// entries as they were; version 2 adds the nonce, statements bound to the
// ledger, the case and the nonce, and idempotency keys.
//
// Usage (after `pnpm run build`): node packages/core/scripts/make-vectors.mjs [--check]
// --check regenerates in memory and exits 1 if a committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  actorSignatureMessage,
  consistencyProof,
  ed25519PublicKey,
  ed25519Sign,
  encodeEntry,
  encodeStatement,
  formatCheckpoint,
  formatSignatureLine,
  formatSignerKey,
  formatVerifierKey,
  genesisLink,
  idempotencyNonce,
  inclusionProof,
  keyId,
  leafHash,
  nodeHash,
  payloadCommitment,
  rootAt,
  sha256,
  signStatement,
  statementDigest,
  toBase64,
  toHex,
  utf8,
  ZERO_HASH,
} from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(here, '../test/vectors/casetrail-v1.json');
const outV2 = resolve(here, '../test/vectors/casetrail-v2.json');

const seedOf = (label) => sha256(utf8(`casetrail-v1 test seed: ${label}`));
const ORIGIN = 'vectors.casetrail.example/v1';
const logSeed = seedOf('log');
const actorSeeds = [seedOf('actor-a'), seedOf('actor-b')];
const T0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z

const steps = [
  { caseId: 'JJ-2026-0001', type: 'case.opened', actor: 'clerk:li', data: { summary: '问题线索', source: 'hotline' } },
  { caseId: 'JJ-2026-0001', type: 'evidence.added', actor: 'investigator:wang', data: { item: 'contract', pages: 14 } },
  { caseId: 'JJ-2026-0002', type: 'case.opened', actor: 'clerk:li', data: null },
  { caseId: 'JJ-2026-0001', type: 'approval.granted', actor: 'director:zhao', data: { approved: true }, signers: [0] },
  { caseId: 'JJ-2026-0002', type: 'interview.held', actor: 'investigator:wang', data: { minutes: 95 }, signers: [1, 0] },
  { caseId: 'JJ-2026-0001', type: 'case.closed', actor: 'clerk:li', data: { outcome: 'warning' } },
  { caseId: 'JJ-2026-0003', type: 'case.opened', actor: 'clerk:chen', data: ['a', 1, true] },
];

/**
 * The entries of `steps` as a writer of `version` makes them: version 1 as
 * the first release did; version 2 with a nonce (a fixed one per seq, or
 * the one derived from the step's idempotency key) and statements that
 * name the origin.
 */
function buildEntries(list, version) {
  const out = [];
  const leafList = [];
  const tails = new Map();
  let prevLeaf = genesisLink(ORIGIN);
  list.forEach((s, seq) => {
    const payload = utf8(JSON.stringify(s.data));
    const salt = sha256(utf8(`casetrail-v1 test salt: ${seq}`));
    const commit = payloadCommitment(salt, payload);
    const time = T0 + seq * 60_000;
    const nonce =
      version === 1 ? undefined : s.idempotencyKey === undefined ? sha256(utf8(`casetrail-v2 test nonce: ${seq}`)).slice(0, 16) : idempotencyNonce(s.caseId, s.idempotencyKey);
    const statement =
      version === 1 ? { time, caseId: s.caseId, type: s.type, actor: s.actor, commit } : { v: 2, time, caseId: s.caseId, type: s.type, actor: s.actor, commit, nonce, origin: ORIGIN };
    const sigs = (s.signers ?? []).map((i) => signStatement(statement, actorSeeds[i]));
    sigs.sort((x, y) => Buffer.compare(Buffer.from(x.publicKey), Buffer.from(y.publicKey)));
    const tail = tails.get(s.caseId);
    const entry = {
      v: version,
      seq,
      prev: prevLeaf,
      time,
      caseId: s.caseId,
      step: (tail?.step ?? 0) + 1,
      casePrev: tail?.leaf ?? ZERO_HASH,
      type: s.type,
      actor: s.actor,
      commit,
      sigs,
      ...(nonce === undefined ? {} : { nonce }),
    };
    const bytes = encodeEntry(entry);
    const leaf = leafHash(bytes);
    out.push({
      seq,
      payload: JSON.stringify(s.data),
      payloadHex: toHex(payload),
      salt: toHex(salt),
      commit: toHex(commit),
      time,
      caseId: s.caseId,
      step: entry.step,
      type: s.type,
      actor: s.actor,
      prev: toHex(prevLeaf),
      casePrev: toHex(entry.casePrev),
      ...(nonce === undefined ? {} : { nonce: toHex(nonce) }),
      ...(s.idempotencyKey === undefined ? {} : { idempotencyKey: s.idempotencyKey }),
      actorSigners: (s.signers ?? []).map((i) => `actor-${'ab'[i]}`),
      statement: toHex(encodeStatement(statement)),
      statementDigest: toHex(statementDigest(statement)),
      actorSignatureMessage: toHex(actorSignatureMessage(statement)),
      sigs: sigs.map((g) => ({ publicKey: toHex(g.publicKey), signature: toHex(g.signature) })),
      entry: toHex(bytes),
      leafHash: toHex(leaf),
    });
    leafList.push(leaf);
    tails.set(s.caseId, { step: entry.step, leaf });
    prevLeaf = leaf;
  });
  return { entries: out, leaves: leafList };
}

/** A NodeReader over in-memory leaves (perfect subtrees computed directly). */
function readerOf(leafList) {
  return {
    node(level, index) {
      const width = 2 ** level;
      let layer = leafList.slice(index * width, (index + 1) * width);
      while (layer.length > 1) {
        const next = [];
        for (let i = 0; i < layer.length; i += 2) next.push(nodeHash(layer[i], layer[i + 1]));
        layer = next;
      }
      return layer[0];
    },
  };
}

const { entries, leaves } = buildEntries(steps, 1);
const reader = readerOf(leaves);

const roots = leaves.map((_, i) => toHex(rootAt(reader, i + 1)));
const size = leaves.length;
const root = rootAt(reader, size);
const body = formatCheckpoint({ origin: ORIGIN, size, root, extensions: [] });
const logPub = ed25519PublicKey(logSeed);
const note = `${body}\n${formatSignatureLine(ORIGIN, keyId(ORIGIN, logPub), ed25519Sign(logSeed, utf8(body)))}`;

const inclusion = [];
for (const [index, treeSize] of [[0, 1], [0, 7], [3, 7], [6, 7], [4, 5], [2, 4]]) {
  inclusion.push({ index, treeSize, proof: inclusionProof(reader, index, treeSize).map(toHex) });
}
const consistency = [];
for (const [oldSize, newSize] of [[1, 7], [3, 7], [4, 7], [6, 7], [2, 5], [7, 7]]) {
  consistency.push({ oldSize, newSize, proof: consistencyProof(reader, oldSize, newSize).map(toHex) });
}

// Negative vectors: each names the error code a strict decoder must give.
const e0 = Buffer.from(entries[0].entry, 'hex');
const mutate = (f) => {
  const b = Buffer.from(e0);
  f(b);
  return b.toString('hex');
};
const otherSeed = seedOf('not-the-log');
const otherNote = `${body}\n${formatSignatureLine(ORIGIN, keyId(ORIGIN, logPub), ed25519Sign(otherSeed, utf8(body)))}`;
const negative = {
  entries: [
    { name: 'trailing byte after the map', entry: entries[0].entry + '00', expect: 'MALFORMED_CBOR' },
    { name: 'truncated by one byte', entry: entries[0].entry.slice(0, -2), expect: 'MALFORMED_CBOR' },
    { name: 'version 3', entry: mutate((b) => (b[2] = 0x03)), expect: 'UNSUPPORTED_VERSION' },
    { name: 'version 2 without its nonce', entry: mutate((b) => (b[2] = 0x02)), expect: 'MALFORMED_ENTRY' },
    { name: 'map header says 12 items', entry: mutate((b) => (b[0] = 0xac)), expect: 'MALFORMED_CBOR' },
    { name: 'version written as a 1-byte-argument integer (0x18 0x01)', entry: mutateLongVersion(), expect: 'NON_CANONICAL_CBOR' },
    { name: 'keys 0 and 1 swapped', entry: swapFirstKeys(), expect: 'NON_CANONICAL_CBOR' },
    { name: 'indefinite-length map', entry: 'bf' + entries[0].entry.slice(2) + 'ff', expect: 'NON_CANONICAL_CBOR' },
    { name: 'empty input', entry: '', expect: 'MALFORMED_CBOR' },
    { name: 'a CBOR tag around the entry', entry: 'd818' + entries[0].entry, expect: 'MALFORMED_CBOR' },
  ],
  checkpoints: [
    { name: 'signed by another key under the log key name and ID', note: otherNote, expect: 'INVALID_SIGNATURE' },
    { name: 'size changed after signing', note: note.replace(`\n${size}\n`, `\n${size + 1}\n`), expect: 'INVALID_SIGNATURE' },
    { name: 'no signature line', note: `${body}\n`, expect: 'MALFORMED_NOTE' },
    { name: 'missing blank line before signatures', note: note.replace('\n\n', '\n'), expect: 'MALFORMED_NOTE' },
  ],
};

function mutateLongVersion() {
  // a. 00 01 → a. 00 18 01: same value, non-shortest argument.
  const b = Buffer.from(e0);
  return Buffer.concat([b.subarray(0, 2), Buffer.from([0x18, 0x01]), b.subarray(3)]).toString('hex');
}

function swapFirstKeys() {
  // Entry starts: map header, 00 01 (v: 1), 01 00 (seq: 0). Swap the two pairs.
  const b = Buffer.from(e0);
  return Buffer.concat([b.subarray(0, 1), Buffer.from([0x01, 0x00, 0x00, 0x01]), b.subarray(5)]).toString('hex');
}

const vectors = {
  description:
    'casetrail format v1 vectors (docs/format.md). Generated by packages/core/scripts/make-vectors.mjs from fixed seeds; every value is reproducible. Bytes are lowercase hex; payload is the JSON text whose UTF-8 bytes are payloadHex.',
  origin: ORIGIN,
  genesis: toHex(genesisLink(ORIGIN)),
  keys: {
    log: {
      seed: toHex(logSeed),
      publicKey: toHex(logPub),
      keyId: keyId(ORIGIN, logPub).toString(16).padStart(8, '0'),
      skey: formatSignerKey(ORIGIN, logSeed),
      vkey: formatVerifierKey(ORIGIN, logPub),
    },
    actors: Object.fromEntries(actorSeeds.map((s, i) => [`actor-${'ab'[i]}`, { seed: toHex(s), publicKey: toHex(ed25519PublicKey(s)) }])),
  },
  entries,
  tree: { roots, size, root: toHex(root), checkpointBody: body, checkpointNote: note, checkpointRootBase64: toBase64(root) },
  inclusion,
  consistency,
  negative,
};

// ---------------------------------------------------------------------------
// Version 2: the same steps, each with a nonce (a fixed one, or one derived
// from an idempotency key), actor signatures over version 2 statements that
// name the ledger's origin.

const v2Steps = steps.map((s, seq) => (seq === 2 ? { ...s, idempotencyKey: 'import-2026-01-01:line-3' } : s));
const { entries: v2Entries, leaves: v2Leaves } = buildEntries(v2Steps, 2);
const v2Reader = readerOf(v2Leaves);
const v2Root = rootAt(v2Reader, size);
const v2Body = formatCheckpoint({ origin: ORIGIN, size, root: v2Root, extensions: [] });
const v2Note = `${v2Body}\n${formatSignatureLine(ORIGIN, keyId(ORIGIN, logPub), ed25519Sign(logSeed, utf8(v2Body)))}`;
const v2e = Buffer.from(v2Entries[0].entry, 'hex');
const v2Mutate = (f) => {
  const b = Buffer.from(v2e);
  f(b);
  return b.toString('hex');
};
// The signed entry 3 (approval by actor-a) and the statement each replay would need.
const signed = v2Entries[3];
const signedStatement = { v: 2, time: signed.time, caseId: signed.caseId, type: signed.type, actor: signed.actor, commit: Buffer.from(signed.commit, 'hex'), nonce: Buffer.from(signed.nonce, 'hex'), origin: ORIGIN };
const replay = (name, change) => {
  const s = { ...signedStatement, ...change };
  return { name, statement: toHex(encodeStatement(s)), statementDigest: toHex(statementDigest(s)), origin: s.origin, publicKey: signed.sigs[0].publicKey, signature: signed.sigs[0].signature, expect: false };
};
const v2Vectors = {
  description:
    'casetrail format vectors of version 2 entries (docs/format.md §4.1, §4.4, §4.6). Generated by packages/core/scripts/make-vectors.mjs from fixed seeds and nonces; every value is reproducible. Bytes are lowercase hex; payload is the JSON text whose UTF-8 bytes are payloadHex. Entry 2 takes its nonce from an idempotency key.',
  origin: ORIGIN,
  genesis: toHex(genesisLink(ORIGIN)),
  keys: vectors.keys,
  entries: v2Entries,
  tree: {
    roots: v2Leaves.map((_, i) => toHex(rootAt(v2Reader, i + 1))),
    size,
    root: toHex(v2Root),
    checkpointBody: v2Body,
    checkpointNote: v2Note,
    checkpointRootBase64: toBase64(v2Root),
  },
  inclusion: [[0, 7], [3, 7], [6, 7]].map(([index, treeSize]) => ({ index, treeSize, proof: inclusionProof(v2Reader, index, treeSize).map(toHex) })),
  idempotency: [
    { caseId: 'JJ-2026-0002', key: 'import-2026-01-01:line-3', nonce: toHex(idempotencyNonce('JJ-2026-0002', 'import-2026-01-01:line-3')) },
    { caseId: 'JJ-2026-0001', key: 'import-2026-01-01:line-3', nonce: toHex(idempotencyNonce('JJ-2026-0001', 'import-2026-01-01:line-3')) },
    { caseId: '信访-2026-07', key: '第17行', nonce: toHex(idempotencyNonce('信访-2026-07', '第17行')) },
  ],
  negative: {
    entries: [
      { name: 'version 2 without its nonce (key 11 removed, map of 10 items)', entry: 'aa' + v2Entries[0].entry.slice(2, v2Entries[0].entry.length - 36), expect: 'MALFORMED_ENTRY' },
      { name: 'a nonce of 15 bytes', entry: v2Entries[0].entry.slice(0, -36) + '0b4f' + v2Entries[0].entry.slice(-30), expect: 'MALFORMED_ENTRY' },
      { name: 'version 1 with a nonce', entry: v2Mutate((b) => (b[2] = 0x01)), expect: 'MALFORMED_ENTRY' },
      { name: 'version 3', entry: v2Mutate((b) => (b[2] = 0x03)), expect: 'UNSUPPORTED_VERSION' },
    ],
    replays: [
      replay('the signed statement of entry 3 in another ledger', { origin: 'vectors.casetrail.example/other' }),
      replay('in another case', { caseId: 'JJ-2026-0002' }),
      replay('with another nonce', { nonce: sha256(utf8('another nonce')).slice(0, 16) }),
    ],
  },
};

const outputs = [
  [out, JSON.stringify(vectors, null, 2) + '\n'],
  [outV2, JSON.stringify(v2Vectors, null, 2) + '\n'],
];
if (process.argv.includes('--check')) {
  let stale = false;
  for (const [file, text] of outputs) {
    if (readFileSync(file, 'utf8') !== text) {
      console.error(`${file} is out of date: run node packages/core/scripts/make-vectors.mjs`);
      stale = true;
    }
  }
  if (stale) process.exit(1);
  console.log('vectors up to date');
} else {
  for (const [file, text] of outputs) {
    writeFileSync(file, text);
    console.log(`wrote ${file}`);
  }
}
