/**
 * Clue transfer between two ledgers through the command line (issue 13
 * item 5, docs/oversight.md §10): a city transfers a case to the province.
 *
 * Attacker order first: the bundle is prepared by a hostile party between
 * the sender and the receiver — a payload byte, a proof hash, the
 * checkpoint's signature, a step removed, a redaction line forged, the
 * transfer step removed, a bundle of another key — and then the honest
 * operator runs `transfer receive`: each is refused with its code, and the
 * receiver's ledger file is byte for byte what it was. Then the clean
 * transfer: it verifies, opens the case, its deadline rule fires after 15
 * working days (ticks), and an auditor checks the receipt against the
 * sender's checkpoint (`transfer check`), catching a receipt written by hand.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, ledgerState, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const core = await import('@casetrail/core');
const { repoRoot } = await import('../../supervise/test/helpers/sim-ledger.js');
// The hostile party edits the file with SQLite itself (the core's own dependency).
const Database = createRequire(join(repoRoot, 'packages/core/package.json'))('better-sqlite3') as typeof import('better-sqlite3');

afterAll(cleanup);

const json = (r: Result) => JSON.parse(r.out) as any;
const EXAMPLE = join(repoRoot, 'examples/rules/approval-supervision.yaml');
const CASE = 'CITY-A-2026-0007';
let dir = '';
const ct = runner(cli, () => dir);
const ok = async (argv: string[]) => {
  const r = await ct(argv);
  expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(0);
  return r;
};

/** Every byte of the receiver's ledger files, as a hash (the file, and its -wal if any). */
function fingerprint(ledger: string): string {
  const h = createHash('sha256');
  for (const f of [ledger, `${ledger}-wal`]) {
    const p = join(dir, f);
    h.update(existsSync(p) ? readFileSync(p) : Buffer.from('absent'));
  }
  return h.digest('hex');
}

/** The bundle's lines, and a writer of an edited copy in the one form of format.md §9.3. */
function lines(file: string): string[] {
  return readFileSync(join(dir, file), 'utf8').split('\n').slice(0, -1);
}
function writeBundle(file: string, ls: readonly string[]): string {
  writeFileSync(join(dir, file), ls.join('\n') + '\n');
  return file;
}
const b64 = (s: string) => Buffer.from(s, 'base64');
const flipBase64 = (s: string, at = 0) => {
  const b = b64(s);
  b[at] = b[at]! ^ 0x01;
  return b.toString('base64');
};

beforeAll(async () => {
  dir = tempDir();
  await ok(['init', 'city-a.ledger', '--origin', 'city-a.example.gov/cases', '--vkey-out', 'city-a.vkey']);
  await ok(['init', 'province.ledger', '--origin', 'province.example.gov/cases', '--vkey-out', 'province.vkey']);
  await ok(['init', 'mallory.ledger', '--origin', 'city-a.example.gov/cases', '--vkey-out', 'mallory.vkey']);
  await ok(['calendar', 'adopt', 'province.ledger', '--time', '2026-03-01T08:00:00+08:00']);
  await ok(['rules', 'adopt', 'province.ledger', EXAMPLE, '--time', '2026-03-01T08:00:00+08:00']);
  // The city's case: a clue from the hotline, its first check, then the transfer to the province.
  await ok(['append', 'city-a.ledger', '--case', CASE, '--type', 'case.opened', '--actor', 'city-a:clerk', '--data', '{"source":"12388 hotline","subject":"某局副局长"}', '--time', '2026-03-02T09:00:00+08:00']);
  await ok(['append', 'city-a.ledger', '--case', 'CITY-A-2026-0008', '--type', 'case.opened', '--actor', 'city-a:clerk', '--time', '2026-03-02T09:10:00+08:00']);
  await ok(['append', 'city-a.ledger', '--case', CASE, '--type', 'clue.checked', '--actor', 'city-a:officer', '--data', '{"finding":"涉及省管干部"}', '--time', '2026-03-02T09:20:00+08:00']);
  const t = await ok(['transfer', 'export', 'city-a.ledger', '--case', CASE, '--to', 'province', '--out', 'clue.bundle', '--actor', 'city-a:director', '--reason', '涉及省管干部，按管理权限移送', '--time', '2026-03-02T09:30:00+08:00', '--json']);
  expect(json(t)).toMatchObject({ seq: 3, case: CASE, step: 3, to: 'province', entries: 3, checkpoint: { size: 4 } });
  // The other ledger of the same origin, with its own key: the attacker's.
  await ok(['append', 'mallory.ledger', '--case', CASE, '--type', 'case.opened', '--actor', 'city-a:clerk', '--time', '2026-03-02T09:00:00+08:00']);
  await ok(['transfer', 'export', 'mallory.ledger', '--case', CASE, '--to', 'province', '--out', 'mallory.bundle', '--actor', 'city-a:director']);
});

describe('attacker order: a transfer bundle tampered with on its way is refused, and nothing is recorded', () => {
  const entryLine = (ls: string[], type: string) =>
    ls.findIndex((l, i) => i > 0 && l.startsWith('{"seq":') && core.decodeEntry(b64(JSON.parse(l).entry)).type === type);

  const cases: [string, () => string, string][] = [
    [
      'a byte of a payload',
      () => {
        const ls = lines('clue.bundle');
        const i = entryLine(ls, 'case.opened');
        const o = JSON.parse(ls[i]!);
        ls[i] = JSON.stringify({ ...o, payload: Buffer.from(b64(o.payload).toString('utf8').replace('副局长', '局长__')).toString('base64') });
        return writeBundle('payload.bundle', ls);
      },
      'TRANSFER_UNVERIFIED',
    ],
    [
      'a hash of an inclusion proof',
      () => {
        const ls = lines('clue.bundle');
        const i = entryLine(ls, 'clue.checked');
        const o = JSON.parse(ls[i]!);
        ls[i] = JSON.stringify({ ...o, proof: [flipBase64(o.proof[0]), ...o.proof.slice(1)] });
        return writeBundle('proof.bundle', ls);
      },
      'TRANSFER_UNVERIFIED',
    ],
    [
      "the checkpoint's signature",
      () => {
        const ls = lines('clue.bundle');
        const h = JSON.parse(ls[0]!);
        const note: string = h.checkpoint;
        const sig = note.slice(note.lastIndexOf(' ') + 1, -1);
        ls[0] = JSON.stringify({ ...h, checkpoint: note.replace(sig, flipBase64(sig, 10)) });
        return writeBundle('signature.bundle', ls);
      },
      'TRANSFER_UNVERIFIED',
    ],
    [
      'a step removed from the middle of the case',
      () => {
        const ls = lines('clue.bundle');
        ls.splice(entryLine(ls, 'clue.checked'), 1);
        ls[ls.length - 1] = JSON.stringify({ end: 'casetrail-bundle/v1', entries: ls.length - 2 });
        return writeBundle('removed.bundle', ls);
      },
      'TRANSFER_UNVERIFIED',
    ],
    [
      'a payload replaced by a forged redaction line (another proven entry presented as its redaction)',
      () => {
        const ls = lines('clue.bundle');
        const i = entryLine(ls, 'case.opened');
        const o = JSON.parse(ls[i]!);
        const other = JSON.parse(ls[entryLine(ls, 'clue.checked')]!);
        ls[i] = JSON.stringify({ seq: o.seq, entry: o.entry, proof: o.proof, redaction: { seq: other.seq, entry: other.entry, proof: other.proof, payload: other.payload, salt: other.salt } });
        return writeBundle('redaction.bundle', ls);
      },
      'TRANSFER_UNVERIFIED',
    ],
    [
      'the transfer step removed (the rest still verifies: evidence, not a transfer)',
      () => {
        const ls = lines('clue.bundle');
        ls.splice(entryLine(ls, 'clue.transferred'), 1);
        ls[ls.length - 1] = JSON.stringify({ end: 'casetrail-bundle/v1', entries: ls.length - 2 });
        return writeBundle('no-transfer.bundle', ls);
      },
      'TRANSFER_STEP_MISSING',
    ],
    ['a bundle of the same origin signed by another key', () => 'mallory.bundle', 'TRANSFER_WRONG_SENDER'],
    [
      'a bundle without payloads',
      () => {
        const ls = lines('clue.bundle');
        const h = JSON.parse(ls[0]!);
        ls[0] = JSON.stringify({ ...h, payloads: false });
        for (let i = 1; i < ls.length - 1; i++) {
          const o = JSON.parse(ls[i]!);
          ls[i] = JSON.stringify({ seq: o.seq, entry: o.entry, proof: o.proof });
        }
        return writeBundle('withheld.bundle', ls);
      },
      'TRANSFER_INVALID',
    ],
  ];

  it.each(cases)('%s: refused with its code, exit 1, the ledger unchanged', async (_what, prepare, code) => {
    const file = prepare();
    const before = fingerprint('province.ledger');
    const r = await ct(['transfer', 'receive', 'province.ledger', file, '--from-vkey', 'city-a.vkey', '--actor', 'province:clerk', '--json']);
    expect(r.code, r.out + r.err).toBe(1);
    expect(json(r).error.code).toBe(code);
    expect(json(r).error.message).toContain('nothing was recorded');
    expect(fingerprint('province.ledger')).toBe(before);
  });

  it('a plain export of the case (no transfer step) is not a transfer: TRANSFER_STEP_MISSING', async () => {
    await ok(['export', 'city-a.ledger', '--case', 'CITY-A-2026-0008', '--out', 'plain.bundle']);
    const before = fingerprint('province.ledger');
    const r = await ct(['transfer', 'receive', 'province.ledger', 'plain.bundle', '--from-vkey', 'city-a.vkey', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'TRANSFER_STEP_MISSING']);
    expect(fingerprint('province.ledger')).toBe(before);
  });

  it('the right bundle with the wrong --from-vkey is refused: TRANSFER_WRONG_SENDER', async () => {
    const before = fingerprint('province.ledger');
    for (const key of ['province.vkey', 'mallory.vkey']) {
      const r = await ct(['transfer', 'receive', 'province.ledger', 'clue.bundle', '--from-vkey', key, '--json']);
      expect([r.code, json(r).error.code]).toEqual([1, 'TRANSFER_WRONG_SENDER']);
    }
    expect(fingerprint('province.ledger')).toBe(before);
  });

  it('a transfer to another unit is refused by a receiver that states its name (--as): TRANSFER_MISADDRESSED', async () => {
    const before = fingerprint('province.ledger');
    const r = await ct(['transfer', 'receive', 'province.ledger', 'clue.bundle', '--from-vkey', 'city-a.vkey', '--as', 'city-b', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'TRANSFER_MISADDRESSED']);
    expect(fingerprint('province.ledger')).toBe(before);
  });

  it('a witness policy the checkpoint does not meet is refused like every verifier refuses it', async () => {
    const w = await ok(['witness', 'init', '--name', 'province.example.gov/witness', '--state', 'witness']);
    writeFileSync(join(dir, 'witness.vkey'), w.out);
    const before = fingerprint('province.ledger');
    const r = await ct(['transfer', 'receive', 'province.ledger', 'clue.bundle', '--from-vkey', 'city-a.vkey', '--witness', 'witness.vkey', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'TRANSFER_UNVERIFIED']);
    expect(json(r).error.message).toContain('WITNESS_QUORUM_NOT_MET');
    expect(fingerprint('province.ledger')).toBe(before);
  });
});

describe('a clean transfer from city A to the province', () => {
  let received: any;

  it('verifies and opens the case with clue.received citing the sender', async () => {
    const r = await ok(['transfer', 'receive', 'province.ledger', 'clue.bundle', '--from-vkey', 'city-a.vkey', '--as', 'province', '--actor', 'province:clerk', '--time', '2026-03-02T10:00:00+08:00', '--json']);
    received = json(r);
    const sent = core.toHex(core.sha256(readFileSync(join(dir, 'clue.bundle'))));
    expect(received).toMatchObject({ case: CASE, step: 1, from: { origin: 'city-a.example.gov/cases', case: CASE }, checkpoint: { size: 4 }, entries: 3, transfer: { seq: 3, to: 'province' }, bundleSha256: sent, alerts: [] });
    const v = await ct(['verify', 'province.ledger', '--vkey', 'province.vkey']);
    expect(v.code, v.out).toBe(0);
  });

  it('a replay is refused (exit 2), under the same case id or another, and nothing is recorded', async () => {
    // The ledger is opened for these (the bundle verified): nothing is recorded, though SQLite may fold its WAL into the file.
    const before = await ledgerState(join(dir, 'province.ledger'));
    for (const extra of [[], ['--case', 'PROV-2026-0001']]) {
      const r = await ct(['transfer', 'receive', 'province.ledger', 'clue.bundle', '--from-vkey', 'city-a.vkey', ...extra, '--json']);
      expect([r.code, json(r).error.code], r.out).toEqual([2, 'TRANSFER_REPLAYED']);
      expect(json(r).error.message).toContain(`as entry ${received.seq}`);
    }
    expect(await ledgerState(join(dir, 'province.ledger'))).toEqual(before);
  });

  it('an invalid disposition is refused by the pack (exit 4); the deadline rule fires after 15 working days (yellow)', async () => {
    const bad = await ct(['append', 'province.ledger', '--case', CASE, '--type', 'clue.disposed', '--actor', 'province:chief', '--data', '{"disposition":"转办"}', '--time', '2026-03-05T10:00:00+08:00', '--json']);
    expect(bad.code).toBe(4);
    // Received Mon 2 Mar: working days 3–6, 9–13, 16–20 and 23 Mar: day 15 elapses at 00:00 on 24 Mar.
    const early = await ok(['tick', 'province.ledger', '--now', '2026-03-23T23:59:00+08:00', '--json']);
    expect(json(early).alerts).toEqual([]);
    const due = await ok(['tick', 'province.ledger', '--now', '2026-03-24T00:00:00+08:00', '--json']);
    expect(json(due).alerts.map((a: any) => [a.case, a.rule, a.level])).toEqual([[CASE, 'deadline.clue-disposition', 'yellow']]);
    await ok(['append', 'province.ledger', '--case', CASE, '--type', 'clue.disposed', '--actor', 'province:chief', '--data', '{"disposition":"初步核实"}', '--time', '2026-03-25T09:00:00+08:00']);
    const a = await ct(['audit', 'province.ledger', '--vkey', 'province.vkey', '--json']);
    expect(a.code, a.out).toBe(0);
  });

  it('a receiver that has the case already refuses the clue under that id (exit 2) and takes it under --case', async () => {
    await ok(['append', 'city-a.ledger', '--case', CASE, '--type', 'clue.checked', '--actor', 'city-a:officer', '--data', '{"finding":"补充材料"}']);
    await ok(['transfer', 'export', 'city-a.ledger', '--case', CASE, '--to', 'province', '--out', 'again.bundle', '--actor', 'city-a:director']);
    const before = await ledgerState(join(dir, 'province.ledger'));
    const r = await ct(['transfer', 'receive', 'province.ledger', 'again.bundle', '--from-vkey', 'city-a.vkey', '--json']);
    expect([r.code, json(r).error.code]).toEqual([2, 'TRANSFER_CASE_EXISTS']);
    expect(await ledgerState(join(dir, 'province.ledger'))).toEqual(before);
    const r2 = await ok(['transfer', 'receive', 'province.ledger', 'again.bundle', '--from-vkey', 'city-a.vkey', '--case', 'PROV-2026-0002', '--json']);
    expect(json(r2)).toMatchObject({ case: 'PROV-2026-0002', step: 1, entries: 5, transfer: { seq: 5 }, from: { case: CASE } });
  });

  it("attacker order on the sender: a payload of the case edited in the file before the honest export — refused (exit 1), no transfer step recorded, no bundle", async () => {
    await ok(['init', 'city-e.ledger', '--origin', 'city-e.example.gov/cases', '--vkey-out', 'city-e.vkey']);
    await ok(['append', 'city-e.ledger', '--case', 'E-1', '--type', 'case.opened', '--actor', 'city-e:clerk', '--data', '{"subject":"某局"}']);
    await ok(['append', 'city-e.ledger', '--case', 'E-1', '--type', 'clue.checked', '--actor', 'city-e:officer', '--data', '{"finding":"属实"}']);
    const db = new Database(join(dir, 'city-e.ledger'));
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER "${name}"`);
    db.prepare('UPDATE entries SET data = ? WHERE seq = 1').run(Buffer.from('{"finding":"不属实"}'));
    db.close();
    const before = await ledgerState(join(dir, 'city-e.ledger'));
    const r = await ct(['transfer', 'export', 'city-e.ledger', '--case', 'E-1', '--to', 'province', '--out', 'e.bundle', '--json']);
    expect([r.code, json(r).error.code]).toEqual([1, 'PAYLOAD_COMMITMENT_MISMATCH']);
    expect(await ledgerState(join(dir, 'city-e.ledger'))).toEqual(before);
    expect(existsSync(join(dir, 'e.bundle'))).toBe(false);
  });

  it("a sender whose directory registers units transfers only to one of them (--to checked), else exit 2 and nothing written", async () => {
    await ok(['init', 'city-f.ledger', '--origin', 'city-f.example.gov/cases', '--vkey-out', 'city-f.vkey']);
    await ok(['units', 'add', 'city-f.ledger', 'province', '--actor', 'city-f:admin']);
    await ok(['units', 'add', 'city-f.ledger', 'city-f', '--parent', 'province', '--actor', 'city-f:admin']);
    await ok(['append', 'city-f.ledger', '--case', 'F-1', '--type', 'case.opened', '--actor', 'city-f:clerk']);
    const before = await ledgerState(join(dir, 'city-f.ledger'));
    const r = await ct(['transfer', 'export', 'city-f.ledger', '--case', 'F-1', '--to', 'provinse', '--out', 'f.bundle', '--json']);
    expect([r.code, json(r).error.code]).toEqual([2, 'TRANSFER_UNIT_UNKNOWN']);
    expect(await ledgerState(join(dir, 'city-f.ledger'))).toEqual(before);
    expect(existsSync(join(dir, 'f.bundle'))).toBe(false);
    const t = await ok(['transfer', 'export', 'city-f.ledger', '--case', 'F-1', '--to', 'province', '--out', 'f.bundle', '--json']);
    expect(json(t)).toMatchObject({ case: 'F-1', step: 2, to: 'province' });
  });

  it('the sender cannot transfer a case it does not have (exit 2, nothing written)', async () => {
    const before = await ledgerState(join(dir, 'city-a.ledger'));
    const r = await ct(['transfer', 'export', 'city-a.ledger', '--case', 'NO-SUCH-CASE', '--to', 'province', '--out', 'none.bundle', '--json']);
    expect([r.code, json(r).error.code]).toEqual([2, 'TRANSFER_CASE_UNKNOWN']);
    expect(await ledgerState(join(dir, 'city-a.ledger'))).toEqual(before);
    expect(existsSync(join(dir, 'none.bundle'))).toBe(false);
  });
});

describe("an auditor checks the receiver's clue.received against the sender's checkpoint", () => {
  it('the receipts hold: every cited entry proven in the checkpoint the sender signed, and the bundle is the one cited', async () => {
    const all = await ok(['transfer', 'check', 'province.ledger', '--from-vkey', 'city-a.vkey', '--vkey', 'province.vkey', '--json']);
    expect(json(all).receipts.map((r: any) => [r.case, r.verdict, r.proven, r.signed])).toEqual([
      [CASE, 'ok', 3, true],
      ['PROV-2026-0002', 'ok', 5, true],
    ]);
    // Under another key, the receipts are not this ledger's signed history.
    const underAnother = await ct(['transfer', 'check', 'province.ledger', '--from-vkey', 'city-a.vkey', '--vkey', 'city-a.vkey', '--json']);
    expect(underAnother.code).toBe(1);
    expect(json(underAnother).receipts.every((r: any) => r.signed === false && r.verdict === 'failed')).toBe(true);
    const one = await ok(['transfer', 'check', 'province.ledger', '--from-vkey', 'city-a.vkey', '--case', CASE, '--bundle', 'clue.bundle']);
    expect(one.out).toContain('the bundle is the one cited');
    // Another bundle is not the one cited.
    const other = await ct(['transfer', 'check', 'province.ledger', '--from-vkey', 'city-a.vkey', '--case', CASE, '--bundle', 'again.bundle', '--json']);
    expect(other.code).toBe(1);
    expect(json(other).receipts[0].problems[0].code).toBe('TRANSFER_INVALID');
    // The cited checkpoint is the sender's: the offline verifier opens it under the sender's key.
    const row = await core.Ledger.open(join(dir, 'province.ledger'), { readonly: true });
    const entry = (await row.query({ caseId: CASE, type: 'clue.received' })).entries[0]!;
    await row.close();
    const note = (entry.data as any).checkpoint.note as string;
    expect(core.openCheckpoint(note, [core.parseVerifierKey(readFileSync(join(dir, 'city-a.vkey'), 'utf8').trim())]).size).toBe(4);
  });

  it('a clue.received written by hand with a citation the sender never signed is caught (exit 1)', async () => {
    const real = await core.Ledger.open(join(dir, 'province.ledger'), { readonly: true });
    const entry = (await real.query({ caseId: CASE, type: 'clue.received' })).entries[0]!;
    await real.close();
    const forged = structuredClone(entry.data as any);
    forged.entries[1].leafHash = 'ab'.repeat(32);
    await ok(['append', 'province.ledger', '--case', 'FORGED-1', '--type', 'clue.received', '--actor', 'province:clerk', '--data', JSON.stringify(forged)]);
    const r = await ct(['transfer', 'check', 'province.ledger', '--from-vkey', 'city-a.vkey', '--case', 'FORGED-1', '--json']);
    expect(r.code).toBe(1);
    expect(json(r).receipts[0]).toMatchObject({ verdict: 'failed', proven: 2, problems: [{ code: 'PROOF_INVALID' }] });
    // The ledger itself verifies: a step written by hand is a step; only the citation check finds it false.
    expect((await ct(['verify', 'province.ledger', '--vkey', 'province.vkey'])).code).toBe(0);
  });
});

describe('a witnessed transfer: the receiver demands the cosignature of the witness it trusts', () => {
  it("the sender gets the transfer's checkpoint cosigned and exports the case again; --witness is met, and the receipt cites the cosigned note", async () => {
    await ok(['append', 'city-a.ledger', '--case', 'CITY-A-2026-0009', '--type', 'case.opened', '--actor', 'city-a:clerk']);
    await ok(['transfer', 'export', 'city-a.ledger', '--case', 'CITY-A-2026-0009', '--to', 'province', '--out', 'w.bundle', '--actor', 'city-a:director']);
    // Unwitnessed, the bundle does not meet the policy (the witness of the attacker tests, 'witness.vkey').
    const before = fingerprint('province.ledger');
    const refused = await ct(['transfer', 'receive', 'province.ledger', 'w.bundle', '--from-vkey', 'city-a.vkey', '--witness', 'witness.vkey', '--json']);
    expect([refused.code, json(refused).error.code]).toEqual([1, 'TRANSFER_UNVERIFIED']);
    expect(fingerprint('province.ledger')).toBe(before);
    // The witness cosigns city A's checkpoint (its first: from size 0), city A stores the cosignature and exports the case again.
    await ok(['witness', 'add-log', '--state', 'witness', '--log-vkey', 'city-a.vkey']);
    await ok(['consistency', 'city-a.ledger', '--from', '0', '--out', 'w.body']);
    await ok(['witness', 'add-checkpoint', '--state', 'witness', 'w.body', '--out', 'w.cosignature']);
    await ok(['cosign', 'attach', 'city-a.ledger', 'w.cosignature', '--witness', 'witness.vkey', '--for', 'w.body']);
    await ok(['export', 'city-a.ledger', '--case', 'CITY-A-2026-0009', '--out', 'w-cosigned.bundle']);
    const r = await ok(['transfer', 'receive', 'province.ledger', 'w-cosigned.bundle', '--from-vkey', 'city-a.vkey', '--witness', 'witness.vkey', '--json']);
    expect(json(r)).toMatchObject({ case: 'CITY-A-2026-0009', step: 1, entries: 2 });
    const c = await ok(['transfer', 'check', 'province.ledger', '--from-vkey', 'city-a.vkey', '--case', 'CITY-A-2026-0009', '--witness', 'witness.vkey', '--bundle', 'w-cosigned.bundle']);
    expect(c.out).toContain('the bundle is the one cited');
    // The first bundle carried the same transfer step: it is now a replay.
    const replay = await ct(['transfer', 'receive', 'province.ledger', 'w.bundle', '--from-vkey', 'city-a.vkey', '--case', 'OTHER', '--json']);
    expect([replay.code, json(replay).error.code]).toEqual([2, 'TRANSFER_REPLAYED']);
  });
});
