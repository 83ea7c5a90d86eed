/**
 * Attacks in the attacker's order: the ledger file is prepared by a hostile
 * party (a pack adoption or a step edited with SQLite), then the honest
 * operator appends. The writer must refuse to screen with what it cannot
 * prove, and write nothing, rather than screen with a forged pack or a
 * forged case history.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEntry, encodeEntry, leafHash, payloadCommitment, utf8 } from '@casetrail/core';
import { canonicalJson, encodeRulesAdopted, isSupervisionError, loadPack } from '../../src/index.js';
import { auditLedger } from '../../src/ledger/index.js';
import { KEYS, cleanupTempDirs, newSupervised, openSupervised, stateOf } from '../helpers/real-ledger.js';
import { cnCalendar, examplePack, sh } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

const core = fileURLToPath(new URL('../../../core/package.json', import.meta.url));
const Database = createRequire(core)('better-sqlite3') as typeof import('better-sqlite3');

/** The file as an attacker holding it opens it: the append-only triggers dropped. */
function raw(path: string) {
  const db = new Database(path);
  for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER "${name}"`);
  return db;
}

/** The example pack without its fee rule: what a dishonest operator would rather be in force. */
function weakened() {
  const yaml = (examplePack().json as { rules: { id: string }[] }).rules.filter((r) => r.id !== 'fee.over-standard');
  return loadPack(JSON.stringify({ ...(examplePack().json as object), rules: yaml }), 'weakened.json');
}

async function adopted() {
  const s = await newSupervised();
  await s.sup.adoptCalendar(cnCalendar(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
  const p = await s.sup.adoptPack(examplePack(), { actor: 'operator:li', time: sh('2025-09-01T08:00') });
  await s.sup.append({ caseId: 'XK-1', type: 'application.received', actor: 'clerk:wang', data: { item: 'XK-002', applicant: 'a', handler: 'clerk:wang' }, time: sh('2025-09-02T09:00') });
  await s.sup.close();
  await s.ledger.close();
  return { path: s.path, packSeq: p.seq };
}

const overCharge = { caseId: 'XK-1', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 }, time: sh('2025-09-03T09:00') };

describe('a pack adoption edited in the file, then an honest append', () => {
  it('its payload replaced by a weaker pack with a matching hash: the writer refuses to screen (ADOPTION_UNVERIFIED), nothing is written', async () => {
    const { path, packSeq } = await adopted();
    const db = raw(path);
    db.prepare('UPDATE entries SET data = ? WHERE seq = ?').run(Buffer.from(encodeRulesAdopted(weakened())), packSeq);
    const size = (db.prepare('SELECT count(*) AS n FROM entries').get() as { n: number }).n;
    db.close();
    const { ledger, sup } = await openSupervised(path);
    const e = await sup.append(overCharge).catch((x: unknown) => x);
    expect(isSupervisionError(e, 'ADOPTION_UNVERIFIED')).toBe(true);
    expect((e as Error).message).toMatch(/does not match the commitment/);
    expect(await ledger.size()).toBe(size);
    await sup.close();
    await ledger.close();
    expect((await auditLedger(path, { vkey: KEYS.vkey })).verification.issues.map((i) => i.code)).toContain('PAYLOAD_COMMITMENT_MISMATCH');
  });

  it('its entry re-encoded around the weaker pack (new commitment, new leaf hash): the signed checkpoint does not include it', async () => {
    const { path, packSeq } = await adopted();
    const db = raw(path);
    const row = db.prepare('SELECT bytes, salt FROM entries WHERE seq = ?').get(packSeq) as { bytes: Buffer; salt: Buffer };
    const payload = utf8(encodeRulesAdopted(weakened()));
    const bytes = encodeEntry({ ...decodeEntry(new Uint8Array(row.bytes)), commit: payloadCommitment(new Uint8Array(row.salt), payload) });
    db.prepare('UPDATE entries SET bytes = ?, leaf = ?, data = ? WHERE seq = ?').run(Buffer.from(bytes), Buffer.from(leafHash(bytes)), Buffer.from(payload), packSeq);
    db.close();
    const { ledger, sup } = await openSupervised(path);
    const e = await sup.append(overCharge).catch((x: unknown) => x);
    expect(isSupervisionError(e, 'ADOPTION_UNVERIFIED')).toBe(true);
    expect((e as Error).message).toMatch(/signed checkpoint/);
    await sup.close();
    await ledger.close();
  });

  it('a checkpoint signed by another key is not believed either', async () => {
    const { path } = await adopted();
    const { Ledger, generateKeyPair } = await import('@casetrail/core');
    const ledger = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path) });
    const { supervise } = await import('../../src/ledger/index.js');
    const stranger = generateKeyPair('supervise.test/approvals').vkey;
    const sup = await supervise(ledger, { vkey: stranger });
    expect(await sup.append(overCharge).then(() => 'appended', (x: { code: string }) => x.code)).toBe('ADOPTION_UNVERIFIED');
    await sup.close();
    await ledger.close();
  });

  it.each([
    ['one step', [overCharge]],
    // Judging a batch ahead refolds the case through the same checked view, before the first step is written.
    ['a batch judged ahead', [overCharge, { ...overCharge, caseId: 'XK-2', time: sh('2025-09-03T09:01') }]],
  ])("edited under a running writer that let the case go, then %s: the refold through the transaction's checked view fails the append, nothing written", async (_what, steps) => {
    const { path } = await adopted();
    const { ledger, sup } = await openSupervised(path, { maxCases: 1 });
    await sup.append({ caseId: 'XK-2', type: 'application.received', actor: 'clerk:wang', data: { item: 'XK-001', applicant: 'b', handler: 'clerk:wang' }, time: sh('2025-09-02T10:00') });
    const db = raw(path);
    db.prepare("UPDATE entries SET data = ? WHERE case_id = 'XK-1' AND type = 'application.received'").run(Buffer.from(canonicalJson({ item: 'XK-002', applicant: 'a', handler: 'clerk:zhou' })));
    db.close();
    const size = await ledger.size();
    const e = (await sup.appendMany(steps).catch((x: unknown) => x)) as { code: string; details: Record<string, unknown> };
    expect(e).toMatchObject({ code: 'EXTENSION_FAILED', details: { extension: 'supervise', causeCode: 'STORAGE_ERROR' } });
    expect(await ledger.size()).toBe(size);
    await sup.close();
    await ledger.close();
  });
});

describe('a case history edited in the file, then an honest append to the case', () => {
  it('the step the rules read is changed: the writer refuses to fold it (its bytes do not hold), nothing is written', async () => {
    const { path } = await adopted();
    const db = raw(path);
    // The case's application now names another handler (an attacker covering a conflict of interest).
    const seq = (db.prepare("SELECT seq FROM entries WHERE case_id = 'XK-1' AND type = 'application.received'").get() as { seq: number }).seq;
    db.prepare('UPDATE entries SET data = ? WHERE seq = ?').run(Buffer.from(canonicalJson({ item: 'XK-002', applicant: 'a', handler: 'clerk:zhou' })), seq);
    db.close();
    const { ledger, sup } = await openSupervised(path);
    const size = await ledger.size();
    const e: unknown = await sup.append(overCharge).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error & { code: string }).code).toBe('STORED_ENTRY_INVALID');
    expect((e as Error).message).toMatch(/entry \d+ does not match its stored bytes .*PAYLOAD_COMMITMENT_MISMATCH/);
    expect(await ledger.size()).toBe(size);
    await sup.close();
    await ledger.close();
  });

  it('a payload erased by a redaction and written back (with its salt): the writer refuses to fold it (REDACTION_INVALID), nothing is written', async () => {
    const { path } = await adopted();
    const db = raw(path);
    const row = db.prepare("SELECT seq, data, salt FROM entries WHERE case_id = 'XK-1' AND type = 'application.received'").get() as { seq: number; data: Buffer; salt: Buffer };
    db.close();
    // Erased lawfully, as `casetrail redact` does it (the registry keeps supervision records unredactable).
    const { Ledger } = await import('@casetrail/core');
    const { supervisionRegistry } = await import('../../src/ledger/index.js');
    const l = await Ledger.open(path, { signer: KEYS.skey, signerState: stateOf(path) });
    l.use(supervisionRegistry());
    await l.redact(row.seq, { reason: 'personal data', actor: 'dpo:wu', time: sh('2025-09-02T12:00') });
    await l.close();
    // The attacker kept a copy of the erased payload and puts it back, the redaction entry left as it is.
    const again = raw(path);
    again.prepare('UPDATE entries SET data = ?, salt = ? WHERE seq = ?').run(row.data, row.salt, row.seq);
    again.close();
    const { ledger, sup } = await openSupervised(path);
    const size = await ledger.size();
    const e = await sup.append(overCharge).catch((x: unknown) => x);
    expect(isSupervisionError(e, 'STORED_ENTRY_INVALID')).toBe(true);
    expect((e as Error).message).toMatch(new RegExp(`entry ${row.seq} does not match its stored bytes .*REDACTION_INVALID`));
    expect(await ledger.size()).toBe(size);
    await sup.close();
    await ledger.close();
  });
});
