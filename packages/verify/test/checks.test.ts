// The format rules of packages/verify/src/checks, each called directly on
// the inputs a hostile file would hand it: the per-case and global links,
// the version order, stored Merkle nodes, nonce replays, actor signatures,
// one stored row, the redaction rule and the issue list. Ledger
// verification, trace and bundle verification call these same functions
// (case-chain, signed-links and the bundle tests of packages/core try them
// end to end); here each finding's code and position is asserted exactly.
import { describe, expect, it } from 'vitest';
import {
  CaseTails,
  IssueList,
  MerkleAccumulator,
  REDACTION_TYPE,
  ZERO_HASH,
  actorSignatureFindings,
  caseLinkFinding,
  caseOrderFinding,
  checkEntryRow,
  encodeEntry,
  encodePayload,
  entryStatement,
  erasureTargetProblem,
  globalLinkFindings,
  isBytes,
  isoTime,
  leafHash,
  nodesBlob,
  nonceReplayFinding,
  payloadCommitment,
  readRedactionRecord,
  redactionPayload,
  redactionProblem,
  signStatement,
  storedNodesFindings,
  systemEntryProblem,
  utf8,
  versionOrderFinding,
  type Entry,
  type RedactionRecord,
  type StoredEntryRow,
} from '../src/index.js';
import { ORIGIN } from './helpers/keys.js';

const fill = (n: number, byte: number): Uint8Array => new Uint8Array(n).fill(byte);
const anyText = expect.any(String) as unknown as string;
const SALT = fill(32, 5);
const SEED_A = fill(32, 1);
const SEED_B = fill(32, 2);

/** A version 2 entry of case `case-1`, with a committed payload; fields overridden as given. */
function entry(over: Partial<Entry> = {}, data = encodePayload({ n: 1 })): Entry {
  return {
    v: 2,
    seq: 3,
    prev: fill(32, 9),
    time: 1_700_000_000_000,
    caseId: 'case-1',
    step: 1,
    casePrev: ZERO_HASH,
    type: 'note',
    actor: 'alice',
    commit: payloadCommitment(SALT, data),
    sigs: [],
    nonce: fill(16, 7),
    ...over,
  };
}

/** The stored row of `e` as an honest writer writes it. */
function rowOf(e: Entry, data: Uint8Array | null = encodePayload({ n: 1 })): StoredEntryRow {
  const bytes = encodeEntry(e);
  return {
    seq: e.seq,
    leaf: leafHash(bytes),
    bytes,
    nodes: new Uint8Array(0),
    case_id: e.caseId,
    step: e.step,
    type: e.type,
    actor: e.actor,
    time: e.time,
    salt: data === null ? null : SALT,
    data,
    nonce: e.nonce ?? null,
  };
}

const codes = (r: { issues: ReadonlyArray<{ code: string }> }) => r.issues.map((i) => i.code);

describe('caseLinkFinding: the per-case link (format.md §8 item 6)', () => {
  const prior = { step: 3, leaf: fill(32, 0x33), seq: 10 };

  it('a first step with a zero casePrev, and step n + 1 linking to step n, are accepted', () => {
    expect(caseLinkFinding(4, entry({ step: 1, casePrev: ZERO_HASH }), undefined)).toBeUndefined();
    expect(caseLinkFinding(11, entry({ step: 4, casePrev: fill(32, 0x33) }), prior)).toBeUndefined();
  });

  it('a new case that starts at step 2 is CASE_STEP_MISMATCH at its seq', () => {
    expect(caseLinkFinding(4, entry({ step: 2, casePrev: ZERO_HASH }), undefined)).toEqual({ code: 'CASE_STEP_MISMATCH', seq: 4, message: anyText });
  });

  it('a first step whose casePrev is not zero is CASE_CHAIN_BROKEN', () => {
    expect(caseLinkFinding(4, entry({ step: 1, casePrev: fill(32, 1) }), undefined)).toEqual({ code: 'CASE_CHAIN_BROKEN', seq: 4, message: anyText });
  });

  it('a skipped step, a repeated step and a step going back are CASE_STEP_MISMATCH, whatever casePrev says', () => {
    for (const step of [5, 9, 3, 2, 1]) {
      expect(caseLinkFinding(11, entry({ step, casePrev: fill(32, 0x33) }), prior), `step ${step}`).toEqual({ code: 'CASE_STEP_MISMATCH', seq: 11, message: anyText });
    }
  });

  it('the right step number linking to another hash, or to zero, is CASE_CHAIN_BROKEN', () => {
    const other = fill(32, 0x33);
    other[31] = 0x32;
    expect(caseLinkFinding(11, entry({ step: 4, casePrev: other }), prior)).toEqual({ code: 'CASE_CHAIN_BROKEN', seq: 11, message: anyText });
    expect(caseLinkFinding(11, entry({ step: 4, casePrev: ZERO_HASH }), prior)).toEqual({ code: 'CASE_CHAIN_BROKEN', seq: 11, message: anyText });
  });

  it('caseOrderFinding: a step at or before its previous step in the ledger is CASE_CHAIN_BROKEN', () => {
    expect(caseOrderFinding(11, undefined)).toBeUndefined();
    expect(caseOrderFinding(11, prior)).toBeUndefined();
    expect(caseOrderFinding(10, prior)).toEqual({ code: 'CASE_CHAIN_BROKEN', seq: 10, message: anyText });
    expect(caseOrderFinding(9, prior)).toEqual({ code: 'CASE_CHAIN_BROKEN', seq: 9, message: anyText });
  });
});

describe('globalLinkFindings: prev and time (format.md §8 item 4)', () => {
  const leaf = fill(32, 0x44);
  const t = 1_700_000_000_000;

  it('a link to the previous leaf at the same time or later is accepted; an unknown previous leaf is not compared', () => {
    expect(globalLinkFindings(5, { prev: leaf, time: t }, leaf, t)).toEqual([]);
    expect(globalLinkFindings(5, { prev: leaf, time: t + 1 }, leaf, t)).toEqual([]);
    expect(globalLinkFindings(5, { prev: fill(32, 1), time: t }, undefined, t)).toEqual([]);
  });

  it('a prev that is not the previous leaf is PREV_MISMATCH, at entry 0 as elsewhere', () => {
    const wrong = leaf.slice();
    wrong[0] = 0;
    expect(globalLinkFindings(5, { prev: wrong, time: t }, leaf, t)).toEqual([{ code: 'PREV_MISMATCH', seq: 5, message: anyText }]);
    expect(globalLinkFindings(0, { prev: wrong, time: t }, leaf, 0)).toEqual([{ code: 'PREV_MISMATCH', seq: 0, message: anyText }]);
  });

  it('a time 1 ms before the previous entry is TIME_ORDER with both times', () => {
    expect(globalLinkFindings(5, { prev: leaf, time: t - 1 }, leaf, t)).toEqual([{ code: 'TIME_ORDER', seq: 5, time: t - 1, previousTime: t, message: anyText }]);
  });

  it('both wrong: PREV_MISMATCH then TIME_ORDER', () => {
    expect(globalLinkFindings(5, { prev: ZERO_HASH, time: 0 }, leaf, t).map((f) => f.code)).toEqual(['PREV_MISMATCH', 'TIME_ORDER']);
  });
});

describe('versionOrderFinding (format.md §8 item 4)', () => {
  it('the same or a higher version is accepted; version 1 after version 2 is VERSION_DOWNGRADE', () => {
    expect(versionOrderFinding(0, 1, 0)).toBeUndefined();
    expect(versionOrderFinding(1, 1, 1)).toBeUndefined();
    expect(versionOrderFinding(2, 2, 1)).toBeUndefined();
    expect(versionOrderFinding(3, 2, 2)).toBeUndefined();
    expect(versionOrderFinding(4, 1, 2)).toEqual({ code: 'VERSION_DOWNGRADE', seq: 4, message: anyText });
  });
});

describe('CaseTails: the per-case state of a scan', () => {
  it('keeps a copy of each leaf, updates a case in place, and forgets the first-seen case beyond its capacity', () => {
    const tails = new CaseTails(2);
    const leaf = fill(32, 1);
    tails.set('a', 1, leaf, 0);
    leaf.fill(2);
    expect(tails.get('a')).toEqual({ step: 1, leaf: fill(32, 1), seq: 0 });
    tails.set('b', 1, leaf, 1);
    tails.set('a', 2, fill(32, 3), 2);
    expect([tails.size, tails.forgotten]).toEqual([2, 0]);
    expect(tails.get('a')).toEqual({ step: 2, leaf: fill(32, 3), seq: 2 });
    tails.set('c', 1, fill(32, 4), 3);
    expect([tails.size, tails.forgotten]).toEqual([2, 1]);
    expect(tails.get('a')).toBeUndefined();
    expect(tails.get('b')).toEqual({ step: 1, leaf: fill(32, 2), seq: 1 });
    expect(tails.get('c')).toEqual({ step: 1, leaf: fill(32, 4), seq: 3 });
    expect([...tails.values()].map((v) => v.seq)).toEqual([1, 3]);
  });

  it('without a capacity it forgets nothing', () => {
    const tails = new CaseTails();
    for (let i = 0; i < 100; i++) tails.set(`case-${i}`, 1, fill(32, i), i);
    expect([tails.size, tails.forgotten]).toEqual([100, 0]);
  });
});

describe('storedNodesFindings: the nodes column (format.md §7, §8 item 9)', () => {
  // The fourth leaf completes nodes (1, 1) and (2, 0).
  const acc = new MerkleAccumulator();
  for (let i = 0; i < 3; i++) acc.push(leafHash(utf8(`entry ${i}`)));
  const completed = acc.push(leafHash(utf8('entry 3')));
  const blob = nodesBlob(completed);

  it('the exact nodes, and an empty blob where none are completed, are accepted', () => {
    expect(completed.map((n) => [n.level, n.index])).toEqual([[1, 1], [2, 0]]);
    expect(storedNodesFindings(3, blob, completed)).toEqual([]);
    expect(storedNodesFindings(0, new Uint8Array(0), [])).toEqual([]);
  });

  it('fewer nodes than completed is NODE_MISSING at the first missing level', () => {
    expect(storedNodesFindings(3, blob.subarray(0, 32), completed)).toEqual([{ code: 'NODE_MISSING', seq: 3, level: 2, message: anyText }]);
    expect(storedNodesFindings(3, blob.subarray(0, 40), completed)).toEqual([{ code: 'NODE_MISSING', seq: 3, level: 2, message: anyText }]);
    expect(storedNodesFindings(3, new Uint8Array(0), completed)).toEqual([{ code: 'NODE_MISSING', seq: 3, level: 1, message: anyText }]);
    expect(storedNodesFindings(3, undefined, completed)).toEqual([{ code: 'NODE_MISSING', seq: 3, level: 1, message: anyText }]);
  });

  it('more bytes than completed is NODE_EXTRA at the first extra level', () => {
    expect(storedNodesFindings(3, new Uint8Array([...blob, ...fill(32, 0)]), completed)).toEqual([{ code: 'NODE_EXTRA', seq: 3, level: 3, message: anyText }]);
    expect(storedNodesFindings(3, new Uint8Array([...blob, 0]), completed)).toEqual([{ code: 'NODE_EXTRA', seq: 3, level: 3, message: anyText }]);
    expect(storedNodesFindings(0, fill(32, 0), [])).toEqual([{ code: 'NODE_EXTRA', seq: 0, level: 1, message: anyText }]);
    expect(storedNodesFindings(0, undefined, [])).toEqual([{ code: 'NODE_EXTRA', seq: 0, level: 1, message: anyText }]);
  });

  it('each stored node that is not the recomputed one is NODE_MISMATCH with its level and index', () => {
    const second = blob.slice();
    second[63]! ^= 1;
    expect(storedNodesFindings(3, second, completed)).toEqual([{ code: 'NODE_MISMATCH', seq: 3, level: 2, index: 0, message: anyText }]);
    const both = blob.slice();
    both[0]! ^= 1;
    both[32]! ^= 1;
    expect(storedNodesFindings(3, both, completed).map((f) => [f.code, f.level, f.index])).toEqual([
      ['NODE_MISMATCH', 1, 1],
      ['NODE_MISMATCH', 2, 0],
    ]);
  });
});

describe('nonceReplayFinding (format.md §4.6, §8 item 17)', () => {
  const a = { caseId: 'case-1', nonce: fill(16, 1) };

  it('an earlier entry of the same case with the same nonce makes the later one NONCE_REPLAYED', () => {
    expect(nonceReplayFinding(8, a, 2, { caseId: 'case-1', nonce: fill(16, 1) })).toEqual({ code: 'NONCE_REPLAYED', seq: 8, message: anyText });
  });

  it('another case, another nonce, a version 1 entry on either side, or an earlier seq that is not earlier: no finding', () => {
    expect(nonceReplayFinding(8, a, 2, { caseId: 'case-2', nonce: fill(16, 1) })).toBeUndefined();
    expect(nonceReplayFinding(8, a, 2, { caseId: 'case-1', nonce: fill(16, 2) })).toBeUndefined();
    expect(nonceReplayFinding(8, { caseId: 'case-1' }, 2, a)).toBeUndefined();
    expect(nonceReplayFinding(8, a, 2, { caseId: 'case-1' })).toBeUndefined();
    expect(nonceReplayFinding(8, a, 8, a)).toBeUndefined();
    expect(nonceReplayFinding(8, a, 9, a)).toBeUndefined();
  });
});

describe('actorSignatureFindings (format.md §4.4, §8 item 8)', () => {
  const unsigned = entry();
  const statement = entryStatement(unsigned, ORIGIN);
  const good = signStatement(statement, SEED_A);
  const forOther = signStatement(entryStatement(unsigned, 'other.example/log'), SEED_B);

  it('an entry without signatures checks none', () => {
    expect(actorSignatureFindings(3, unsigned, ORIGIN)).toEqual({ checked: 0, findings: [] });
  });

  it('signatures over the statement of this origin verify; one over another origin is ACTOR_SIGNATURE_INVALID', () => {
    expect(actorSignatureFindings(3, { ...unsigned, sigs: [good] }, ORIGIN)).toEqual({ checked: 1, findings: [] });
    expect(actorSignatureFindings(3, { ...unsigned, sigs: [good, forOther] }, ORIGIN)).toEqual({
      checked: 2,
      findings: [{ code: 'ACTOR_SIGNATURE_INVALID', seq: 3, message: anyText }],
    });
    expect(actorSignatureFindings(3, { ...unsigned, sigs: [good] }, 'other.example/log').findings).toHaveLength(1);
  });
});

describe('systemEntryProblem (format.md §4.1, §8 item 12)', () => {
  const e = { caseId: 'case-1', type: 'casetrail.test', actor: 'system', extra: 'not passed on' };

  it('a validator gets the data and the case, type and actor only; its answer is the problem', () => {
    const seen: unknown[] = [];
    expect(systemEntryProblem((data, ent) => (seen.push(data, ent), undefined), { x: 1 }, e)).toBeUndefined();
    expect(seen).toEqual([{ x: 1 }, { caseId: 'case-1', type: 'casetrail.test', actor: 'system' }]);
    expect(systemEntryProblem(() => 'no x', {}, e)).toBe('no x');
  });

  it('a validator that throws has refused the entry', () => {
    expect(
      systemEntryProblem(
        () => {
          throw new Error('boom');
        },
        {},
        e,
      ),
    ).toContain('boom');
    expect(
      systemEntryProblem(
        () => {
          throw 'a string';
        },
        {},
        e,
      ),
    ).toContain('a string');
  });

  it('a validator that throws null or undefined has refused the entry too (no error escapes)', () => {
    for (const thrown of [null, undefined]) {
      const problem = systemEntryProblem(
        () => {
          throw thrown;
        },
        {},
        e,
      );
      expect(problem).toContain(String(thrown));
    }
  });
});

describe('checkEntryRow: one stored row (format.md §7, §8 items 3, 5, 7, 8, 10)', () => {
  it('an honest row has no issue and gives its leaf, entry and nodes', () => {
    const e = entry();
    const row = rowOf(e);
    const r = checkEntryRow(row, ORIGIN);
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ seq: 3, leaf: row.leaf, payload: 'ok', redacts: undefined, systemType: undefined, actorSignatures: 0, nodes: row.nodes });
    expect(r.entry).toEqual(e);
    expect(r.decoded).toEqual(e);
  });

  it('bytes or a leaf of the wrong type or length are ROW_INVALID, and nothing else is checked', () => {
    const row = rowOf(entry());
    for (const bad of [
      { ...row, bytes: 'x' as unknown as Uint8Array },
      { ...row, leaf: row.leaf.subarray(1) },
      { ...row, leaf: null as unknown as Uint8Array },
    ]) {
      const r = checkEntryRow(bad, ORIGIN);
      expect(r.issues).toEqual([{ code: 'ROW_INVALID', seq: 3, message: anyText }]);
      expect([r.leaf, r.entry]).toEqual([undefined, undefined]);
    }
    expect(checkEntryRow({ ...row, nodes: 'x' as unknown as Uint8Array }, ORIGIN).nodes).toBeUndefined();
  });

  it('a stored leaf that is not the hash of the bytes is LEAF_HASH_MISMATCH; the bytes are still decoded', () => {
    const row = rowOf(entry());
    const r = checkEntryRow({ ...row, leaf: fill(32, 0) }, ORIGIN);
    expect(r.issues).toEqual([{ code: 'LEAF_HASH_MISMATCH', seq: 3, message: anyText }]);
    expect(r.leaf).toEqual(row.leaf);
    expect(r.entry).toMatchObject({ v: 2, time: 1_700_000_000_000, caseId: 'case-1', step: 1, prev: fill(32, 9), casePrev: ZERO_HASH });
  });

  it('bytes that do not decode are ENTRY_DECODE', () => {
    const bytes = utf8('not an entry');
    const r = checkEntryRow({ ...rowOf(entry()), bytes, leaf: leafHash(bytes) }, ORIGIN);
    expect(r.issues).toEqual([{ code: 'ENTRY_DECODE', seq: 3, message: anyText }]);
    expect(r.entry).toBeUndefined();
  });

  it('a row at another seq than its entry says is SEQ_MISMATCH at the row', () => {
    expect(checkEntryRow({ ...rowOf(entry()), seq: 4 }, ORIGIN).issues).toEqual([{ code: 'SEQ_MISMATCH', seq: 4, message: anyText }]);
  });

  it('each index column that differs from the bytes is INDEX_MISMATCH', () => {
    const row = rowOf(entry());
    const changed: Array<Partial<StoredEntryRow>> = [
      { case_id: 'case-2' },
      { step: 2 },
      { type: 'other' },
      { actor: 'mallory' },
      { time: row.time + 1 },
      { nonce: null },
      { nonce: fill(16, 8) },
      { nonce: 'x' as unknown as Uint8Array },
    ];
    for (const c of changed) expect(codes(checkEntryRow({ ...row, ...c }, ORIGIN)), JSON.stringify(c)).toEqual(['INDEX_MISMATCH']);
    const { nonce: _nonce, ...withoutNonce } = entry({ v: 1 });
    const v1 = rowOf(withoutNonce);
    expect(codes(checkEntryRow(v1, ORIGIN))).toEqual([]);
    expect(codes(checkEntryRow({ ...v1, nonce: undefined as unknown as null }, ORIGIN))).toEqual([]);
    expect(codes(checkEntryRow({ ...v1, nonce: fill(16, 7) }, ORIGIN))).toEqual(['INDEX_MISMATCH']);
  });

  it('payload columns: both NULL is a missing payload; one NULL or a short salt is ROW_INVALID; other data is PAYLOAD_COMMITMENT_MISMATCH', () => {
    const row = rowOf(entry());
    const missing = checkEntryRow({ ...row, data: null, salt: null }, ORIGIN);
    expect([missing.payload, codes(missing)]).toEqual(['missing', []]);
    for (const c of [{ data: null }, { salt: null }, { salt: SALT.subarray(1) }, { data: 'x' as unknown as Uint8Array }]) {
      const r = checkEntryRow({ ...row, ...c }, ORIGIN);
      expect([r.payload, r.issues], JSON.stringify(Object.keys(c))).toEqual(['bad', [{ code: 'ROW_INVALID', seq: 3, message: anyText }]]);
    }
    const other = checkEntryRow({ ...row, data: encodePayload({ n: 2 }) }, ORIGIN);
    expect([other.payload, other.issues]).toEqual(['bad', [{ code: 'PAYLOAD_COMMITMENT_MISMATCH', seq: 3, message: anyText }]]);
  });

  it('actor signatures are counted and checked with the given origin', () => {
    const unsigned = entry();
    const signed = { ...unsigned, sigs: [signStatement(entryStatement(unsigned, ORIGIN), SEED_A)] };
    const ok = checkEntryRow(rowOf(signed), ORIGIN);
    expect([ok.actorSignatures, codes(ok)]).toEqual([1, []]);
    const elsewhere = checkEntryRow(rowOf(signed), 'other.example/log');
    expect([elsewhere.actorSignatures, elsewhere.issues]).toEqual([1, [{ code: 'ACTOR_SIGNATURE_INVALID', seq: 3, message: anyText }]]);
  });

  it('a redaction record gives the entry it names; a malformed one is REDACTION_INVALID; a missing one is left to the caller', () => {
    const target = fill(32, 0x55);
    const payload = redactionPayload(1, target, 'wrong person');
    const red = entry({ type: REDACTION_TYPE, commit: payloadCommitment(SALT, payload) });
    const r = checkEntryRow(rowOf(red, payload), ORIGIN);
    expect([codes(r), r.redacts, r.systemType]).toEqual([[], { seq: 1, leaf: target }, undefined]);

    const malformed = utf8('{"redacts":1}');
    const bad = checkEntryRow(rowOf(entry({ type: REDACTION_TYPE, commit: payloadCommitment(SALT, malformed) }), malformed), ORIGIN);
    expect([bad.issues, bad.redacts]).toEqual([[{ code: 'REDACTION_INVALID', seq: 3, message: anyText }], undefined]);

    const gone = checkEntryRow(rowOf(red, null), ORIGIN);
    expect([gone.payload, codes(gone), gone.redacts]).toEqual(['missing', [], undefined]);
    const changed = checkEntryRow({ ...rowOf(red, payload), data: redactionPayload(2, target, 'wrong person') }, ORIGIN);
    expect([codes(changed), changed.redacts]).toEqual([['PAYLOAD_COMMITMENT_MISMATCH'], undefined]);
  });

  it('another reserved type is named as a system type; an ordinary type is not', () => {
    expect(checkEntryRow(rowOf(entry({ type: 'casetrail.test' })), ORIGIN).systemType).toBe('casetrail.test');
    expect(checkEntryRow(rowOf(entry({ type: 'casetrailx' })), ORIGIN).systemType).toBeUndefined();
  });

  it('isBytes: a Uint8Array, of the given length when one is given', () => {
    expect([isBytes(fill(3, 0)), isBytes(fill(3, 0), 3), isBytes(fill(3, 0), 4), isBytes('abc'), isBytes([1, 2, 3], 3)]).toEqual([true, true, false, false, false]);
  });
});

describe('the redaction rule (format.md §4.5)', () => {
  const leaf = fill(32, 0x66);
  const payload = redactionPayload(2, leaf, 'asked');
  const record: RedactionRecord = { seq: 7, entry: { caseId: 'case-1', type: REDACTION_TYPE, commit: payloadCommitment(SALT, payload) }, payload, salt: SALT };
  const target = { seq: 2, leaf, entry: { caseId: 'case-1', type: 'note' } };

  it('a later redaction of the same case naming the entry by seq and leaf proves its erasure', () => {
    expect(readRedactionRecord(record)).toEqual({ named: { redacts: 2, leaf, reason: 'asked' } });
    expect(redactionProblem(target, record)).toBeUndefined();
    expect(erasureTargetProblem(target)).toBeUndefined();
  });

  it('a record of another type, without its payload or salt, with a payload that does not match, or malformed, proves nothing', () => {
    const malformed = utf8('{"redacts":2}');
    const bad: RedactionRecord[] = [
      { ...record, entry: { ...record.entry, type: 'note' } },
      { ...record, payload: null },
      { ...record, salt: null },
      { ...record, payload: redactionPayload(2, leaf, 'other') },
      { ...record, payload: malformed, entry: { ...record.entry, commit: payloadCommitment(SALT, malformed) } },
      { ...record, seq: 2 },
      { ...record, seq: 1 },
    ];
    for (const r of bad) {
      expect('problem' in readRedactionRecord(r), JSON.stringify(r.seq)).toBe(true);
      expect(redactionProblem(target, r)).toEqual(expect.any(String));
    }
  });

  it('a record of another case, naming another seq or another leaf, does not erase the target', () => {
    expect(redactionProblem({ ...target, entry: { ...target.entry, caseId: 'case-2' } }, record)).toEqual(expect.any(String));
    expect(redactionProblem({ ...target, seq: 3 }, record)).toEqual(expect.any(String));
    const otherLeaf = leaf.slice();
    otherLeaf[31]! ^= 1;
    expect(redactionProblem({ ...target, leaf: otherLeaf }, record)).toEqual(expect.any(String));
  });

  it('a redaction record is never itself erased', () => {
    const red = { ...target, entry: { ...target.entry, type: REDACTION_TYPE } };
    expect(erasureTargetProblem(red)).toEqual(expect.any(String));
    expect(redactionProblem(red, record)).toEqual(expect.any(String));
  });
});

describe('IssueList and isoTime', () => {
  it('counts every issue and every error, keeps the first max, and makes error the default severity', () => {
    const list = new IssueList(2);
    list.add({ code: 'SEQ_GAP', message: 'a', seq: 1 });
    list.addAll(
      [
        { code: 'PREV_MISMATCH', message: 'b', seq: 2 },
        { code: 'TIME_ORDER', message: 'c', seq: 3 },
      ],
      { table: 'entries', severity: 'warning' },
    );
    list.add({ code: 'UNSIGNED_TAIL', message: 'd', severity: 'error' });
    expect([list.count, list.errors, list.max]).toEqual([4, 2, 2]);
    expect(list.list).toEqual([
      { severity: 'error', code: 'SEQ_GAP', message: 'a', seq: 1 },
      { severity: 'warning', table: 'entries', code: 'PREV_MISMATCH', message: 'b', seq: 2 },
    ]);
  });

  it('isoTime writes UTC ISO 8601, and a time no Date can hold in milliseconds', () => {
    expect(isoTime(0)).toBe('1970-01-01T00:00:00.000Z');
    expect(isoTime(1e20)).toBe('100000000000000000000 ms');
  });
});
