// The witness's state file (docs/oversight.md §2.3), as a hostile party who
// can write it would prepare it: every rule broken once, each refused with
// STATE_INVALID and the file's path — the witness must never cosign from a
// state it cannot trust. And the evidence directory (§2.4) as listed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint, parseNote, toBase64 } from '@casetrail/verify';
import { MAX_HISTORY, formatWitnessState, listEvidence, parseWitnessState } from '../src/index.js';
import { tempDir } from './helpers/dirs.js';
import { loadVectors } from './helpers/vectors.js';

interface CheckpointVectors {
  signedCheckpoints: Array<{ desc: string; vkey: string; origin: string; signedNote: string }>;
}
interface CosignatureVectors {
  derivedCosignatures: { cosignatureVkey: string };
}
const CP = loadVectors<CheckpointVectors>('tlog-checkpoint.json').signedCheckpoints;
const WITNESS_VKEY = loadVectors<CosignatureVectors>('tlog-cosignature.json').derivedCosignatures.cosignatureVkey;
const m5 = CP.find((c) => c.desc === 'monkeys log, size 5')!;
const m8 = CP.find((c) => c.desc === 'monkeys log, size 8')!;
const other = CP.find((c) => c.desc.startsWith('litewitness test log') && c.desc.endsWith('size 3'))!;
const PATH = '/state/of/the/witness.json';
const root = tempDir();
let n = 0;

/** A valid state: the monkeys log, cosigned at sizes 5 and 8 (the public vectors' notes); its format as docs/oversight.md §2.3 spells it. */
function valid(): any {
  const cosigned = (note: string, timestamp: number) => {
    const cp = parseCheckpoint(parseNote(note).text);
    return { size: cp.size, root: toBase64(cp.root), note, timestamp };
  };
  return { format: 'casetrail-witness/v1', name: 'witness', vkey: WITNESS_VKEY, logs: [{ origin: 'monkeys', vkeys: [m5.vkey], cosigned: [cosigned(m5.signedNote, 100), cosigned(m8.signedNote, 200)] }] };
}
const refused = (text: string) => expect(() => parseWitnessState(text, PATH)).toThrow(expect.objectContaining({ code: 'STATE_INVALID', details: { path: PATH } }));
const log = (s: any) => s.logs[0];
const first = (s: any) => s.logs[0].cosigned[0];

describe('the witness state: strict reading', () => {
  it('reads a valid state, and reads back what it writes', () => {
    const s = valid();
    expect(parseWitnessState(JSON.stringify(s), PATH)).toEqual(s);
    expect(parseWitnessState(formatWitnessState(s), PATH)).toEqual(s);
    expect(formatWitnessState(s)).toBe(`${JSON.stringify(s, null, 2)}\n`);
    // Equal sizes in a row are allowed (the same checkpoint cosigned again), as are no logs, and no checkpoint yet.
    const again = valid();
    log(again).cosigned.push({ ...log(again).cosigned[1] });
    expect(parseWitnessState(JSON.stringify(again), PATH).logs[0]!.cosigned).toHaveLength(3);
    expect(parseWitnessState(JSON.stringify({ ...valid(), logs: [] }), PATH).logs).toEqual([]);
    const none = valid();
    log(none).cosigned = [];
    expect(parseWitnessState(JSON.stringify(none), PATH).logs[0]!.cosigned).toEqual([]);
    // A timestamp of 0 is a whole number like any other.
    const epoch = valid();
    first(epoch).timestamp = 0;
    expect(parseWitnessState(JSON.stringify(epoch), PATH).logs[0]!.cosigned[0]!.timestamp).toBe(0);
  });

  const breaks: Array<[string, (s: any) => unknown]> = [
    ['not an object', () => []],
    ['null', () => null],
    ['a key missing', (s) => ({ format: s.format, name: s.name, vkey: s.vkey })],
    ['a key too many', (s) => ({ ...s, extra: 1 })],
    ['keys in another order', (s) => ({ name: s.name, format: s.format, vkey: s.vkey, logs: s.logs })],
    ['another format', (s) => ({ ...s, format: 'casetrail-witness/v2' })],
    ['an empty name', (s) => ({ ...s, name: '' })],
    ['a name that is not a string', (s) => ({ ...s, name: 7 })],
    ['a vkey of another name', (s) => ({ ...s, name: 'someone-else' })],
    ['a vkey that is a log key, not a cosignature key', (s) => ({ ...s, vkey: m5.vkey, name: 'monkeys' })],
    ['logs not a list', (s) => ({ ...s, logs: {} })],
    ['more than 10 000 logs (each valid on its own)', (s) => ({ ...s, logs: Array.from({ length: 10_001 }, (_, i) => ({ origin: `log-${i}`, vkeys: [m5.vkey], cosigned: [] })) })],
    ['a log that is not an object', (s) => ({ ...s, logs: ['monkeys'] })],
    ['a log with its keys in another order', (s) => ({ ...s, logs: [{ vkeys: log(s).vkeys, origin: 'monkeys', cosigned: log(s).cosigned }] })],
    ['an empty origin', (s) => ({ ...s, logs: [{ ...log(s), origin: '' }] })],
    ['an empty origin, with nothing cosigned yet', (s) => ({ ...s, logs: [{ ...log(s), origin: '', cosigned: [] }] })],
    ['an origin that is not a string', (s) => ({ ...s, logs: [{ ...log(s), origin: 5, cosigned: [] }] })],
    ['an origin twice', (s) => ({ ...s, logs: [log(s), { ...log(s), cosigned: [] }] })],
    ['no vkeys', (s) => ({ ...s, logs: [{ ...log(s), vkeys: [] }] })],
    ['vkeys not a list', (s) => ({ ...s, logs: [{ ...log(s), vkeys: m5.vkey }] })],
    ['a vkey that does not parse', (s) => ({ ...s, logs: [{ ...log(s), vkeys: [m5.vkey, 'monkeys+00000000+AAAA'] }] })],
    ['a vkey that is not a string', (s) => ({ ...s, logs: [{ ...log(s), vkeys: [1] }] })],
    ['cosigned not a list', (s) => ({ ...s, logs: [{ ...log(s), cosigned: first(s) }] })],
    [`more than ${MAX_HISTORY} cosigned`, (s) => ({ ...s, logs: [{ ...log(s), cosigned: Array.from({ length: MAX_HISTORY + 1 }, () => first(s)) }] })],
    ['a cosigned checkpoint with its keys in another order', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ root: first(s).root, size: 5, note: first(s).note, timestamp: 1 }] }] })],
    ['a negative size', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), size: -5 }] }] })],
    ['a size that is not whole', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), size: 5.5 }] }] })],
    ['a size given as text', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), size: '5' }] }] })],
    ['a size beyond 2^53', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), size: 2 ** 53 }] }] })],
    ['a negative timestamp', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), timestamp: -1 }] }] })],
    ['an empty root', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), root: '' }] }] })],
    ['a note that is not a signed note', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), note: 'monkeys\n5\n' }] }] })],
    ['a note of another origin', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), note: other.signedNote, size: 3, root: toBase64(parseCheckpoint(parseNote(other.signedNote).text).root) }] }] })],
    ['a size that is not its note\'s', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), size: 6 }] }] })],
    ['a root that is not its note\'s', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [{ ...first(s), root: log(s).cosigned[1].root }] }] })],
    ['sizes that go back', (s) => ({ ...s, logs: [{ ...log(s), cosigned: [log(s).cosigned[1], first(s)] }] })],
  ];
  it.each(breaks)('refuses %s', (_what, change) => {
    const s = valid();
    refused(JSON.stringify(change(s)));
  });

  it('refuses text that is not JSON', () => {
    refused('{"format": "casetrail-witness/v1",');
    refused('');
  });

  it(`accepts exactly ${MAX_HISTORY} cosigned checkpoints`, () => {
    const s = valid();
    log(s).cosigned = Array.from({ length: MAX_HISTORY }, () => first(s));
    expect(parseWitnessState(JSON.stringify(s), PATH).logs[0]!.cosigned).toHaveLength(MAX_HISTORY);
  });
});

describe('the evidence directory, as listed', () => {
  it('lists nothing without a directory, skips hidden entries, and lists an unreadable record by its directory, oldest first', () => {
    const dir = join(root, `w${++n}`);
    mkdirSync(dir, { mode: 0o700 });
    expect(listEvidence(dir)).toEqual([]);
    const record = (kind: string, recorded: number) => ({ format: 'casetrail-witness-evidence/v1', kind, conclusive: kind === 'fork', origin: 'monkeys', recorded, explanation: 'x', cosigned: {}, submitted: {}, body: '' });
    const put = (id: string, text: string | undefined) => {
      mkdirSync(join(dir, 'evidence', id), { recursive: true, mode: 0o700 });
      if (text !== undefined) writeFileSync(join(dir, 'evidence', id, 'record.json'), text, { mode: 0o600 });
    };
    // Made in an order that is not the names' (a directory lists in its own order).
    for (const id of ['k-not-json', 'j-not-json', 'i-not-json', 'h-not-json', 'g-not-json', 'f-not-json', 'e-not-json']) put(id, '{');
    put('d-other-format', JSON.stringify({ ...record('fork', 50), format: 'something/v0' }));
    put('c-no-record', undefined);
    put('b-early', JSON.stringify(record('rollback', 100)));
    put('a-late', JSON.stringify(record('fork', 300)));
    put('.tmp-partial', JSON.stringify(record('fork', 1)));
    const listed = listEvidence(dir);
    // Unreadable ones first (no time known), by name; then by the time recorded.
    expect(listed.map((e) => e.id)).toEqual(['c-no-record', 'd-other-format', 'e-not-json', 'f-not-json', 'g-not-json', 'h-not-json', 'i-not-json', 'j-not-json', 'k-not-json', 'b-early', 'a-late']);
    expect(listed[0]).toEqual({ id: 'c-no-record', path: join(dir, 'evidence', 'c-no-record'), unreadable: expect.any(String) });
    expect(listed[9]).toEqual({ ...record('rollback', 100), id: 'b-early', path: join(dir, 'evidence', 'b-early') });
    expect(listed.filter((e) => 'unreadable' in e)).toHaveLength(9);
  });

  it('fails on an evidence path that is not a directory, rather than list nothing', () => {
    const dir = join(root, `w${++n}`);
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, 'evidence'), 'not a directory');
    expect(() => listEvidence(dir)).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
  });
});
