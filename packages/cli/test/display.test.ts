/**
 * Stored text shown to people (issue 9.4, STYLE 16): a party that writes
 * the ledger without the library's append (which now refuses invisible and
 * bidirectional characters in new ids, format.md §4.1; an older casetrail
 * or another implementation accepted them, and decoders still do), and
 * anything in payloads, prepares the ledger first; then the operator and an
 * auditor look at it with the CLI. Human output escapes every such
 * character; --json keeps the raw value.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, plantLedger, requireBuild, runner, tempDir } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');

let dir: string;
let vkey: string;
const ct = runner(cli, () => dir);
/** Displays as "C-2024-0042" followed by "txe" reversed: a case id that reads as another. */
const CASE = 'C-2024-\u202e2400\u202c-X';
const ACTOR = 'clerk\u200b:li';
const TYPE = 'opened\u2066';
const DATA = { note: 'approved\u202e\u200b', bell: '\u0007', esc: '\u001b[31mred' };
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/;

beforeAll(async () => {
  dir = tempDir();
  const { skey, vkey: v } = core.generateKeyPair('example.org/display');
  vkey = v;
  // The library's append refuses these ids now (format.md §4.1): the text is stored as an older writer would have.
  const ledger = await core.Ledger.create(join(dir, 'refused.ledger'), { origin: 'example.org/display', signer: skey });
  await expect(ledger.append({ caseId: CASE, type: 'opened', actor: 'clerk:li' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', details: { field: 'case' } });
  await ledger.close();
  await plantLedger(join(dir, 'd.ledger'), 'example.org/display', skey, [{ caseId: CASE, type: TYPE, actor: ACTOR, data: DATA }]);
  expect((await core.verifyLedger(join(dir, 'd.ledger'), { vkey })).ok).toBe(true);
});
afterAll(cleanup);

describe('human output escapes control, invisible and bidirectional characters', () => {
  const views: Array<[string, () => string[]]> = [
    ['log', () => ['log', 'd.ledger']],
    ['show', () => ['show', 'd.ledger', '0']],
    ['trace', () => ['trace', 'd.ledger', CASE]],
    ['verify-bundle', () => ['verify-bundle', 'd.bundle', '--vkey', vkey]],
    ['verify-proof', () => ['verify-proof', 'd.tlog-proof', '--vkey', vkey]],
  ];
  beforeAll(async () => {
    expect((await ct(['export', 'd.ledger', '--out', 'd.bundle'])).code).toBe(0);
    expect((await ct(['prove', 'd.ledger', '0', '--out', 'd.tlog-proof'])).code).toBe(0);
  });

  it.each(views)('%s', async (_n, argv) => {
    const r = await ct(argv());
    expect(r.code).toBe(0);
    expect(r.out).not.toMatch(RAW);
    expect(r.err).not.toMatch(RAW);
    expect(r.out).toContain('\\u{202e}');
  });

  it('show escapes the payload too, and --json keeps the raw values', async () => {
    const r = await ct(['show', 'd.ledger', '0']);
    expect(r.out).toContain('"note": "approved\\u{202e}\\u{200b}"');
    expect(r.out).toContain('"bell": "\\u0007"');
    expect(r.out).toContain('"esc": "\\u001b[31mred"');
    const j = JSON.parse((await ct(['show', 'd.ledger', '0', '--json'])).out);
    expect(j).toMatchObject({ case: CASE, actor: ACTOR, type: TYPE, data: DATA });
  });

  it('an error message quoting a stored or given value escapes it', async () => {
    const r = await ct(['trace', 'd.ledger', 'nope\u202e']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('case nope\\u{202e} has no entries\n');
  });
});
