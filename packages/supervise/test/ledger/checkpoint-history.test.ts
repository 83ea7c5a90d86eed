/**
 * The reports on a checkpoint's history (docs/supervision.md §13.3):
 * `auditLedger` and `ledgerAlerts` given a checkpoint whose signature the
 * caller checked speak of exactly the entries it covers, each proven to be
 * its tree's; in the attacker's order, a row rewritten in the file with a
 * leaf hash of its own is listed by the plain report and refused by the
 * one bound to the checkpoint. `openAlerts` counts the open alerts by level
 * and the cases made overdue.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Ledger, decodeEntry, encodeEntry, leafHash, openCheckpoint, parseVerifierKey, payloadCommitment, utf8 } from '@casetrail/core';
import { isSupervisionError } from '../../src/index.js';
import { auditLedger, ledgerAlerts, openAlerts, type AlertRow } from '../../src/ledger/index.js';
import { KEYS, cleanupTempDirs, newSupervised, replayScenario } from '../helpers/real-ledger.js';
import { buildExampleLedger } from '../helpers/scenarios.js';
import { examplePack } from '../helpers/sim-ledger.js';

afterAll(cleanupTempDirs);

const core = fileURLToPath(new URL('../../../core/package.json', import.meta.url));
const Database = createRequire(core)('better-sqlite3') as typeof import('better-sqlite3');

/** The example scenario written through the writer (a checkpoint after each transaction). */
async function exampleLedger(): Promise<{ path: string; alerts: number }> {
  const { sim } = buildExampleLedger();
  const { path, ledger, sup } = await newSupervised();
  await replayScenario(sim, sup, [examplePack()]);
  await sup.close();
  await ledger.close();
  return { path, alerts: sim.alerts().length };
}

/** A stored checkpoint, its note opened under the ledger's key: what a caller hands the reports. */
async function checkpointOf(path: string, size?: number): Promise<{ size: number; root: Uint8Array }> {
  const l = await Ledger.open(path, { readonly: true });
  try {
    const cp = size === undefined ? await l.latestCheckpoint() : await l.checkpointAt(size);
    const opened = openCheckpoint(cp!.note, [parseVerifierKey(KEYS.vkey)]);
    return { size: opened.size, root: opened.root };
  } finally {
    await l.close();
  }
}

const codeOf = (p: Promise<unknown>): Promise<string> =>
  p.then(
    () => 'resolved',
    (e: unknown) => (isSupervisionError(e) ? e.code : String(e)),
  );

describe('the history of a checkpoint', () => {
  it('of the latest checkpoint: the same audit and the same alerts as the whole file', async () => {
    const { path, alerts } = await exampleLedger();
    const checkpoint = await checkpointOf(path);
    const bound = await auditLedger(path, { vkey: KEYS.vkey, checkpoint });
    const whole = await auditLedger(path, { vkey: KEYS.vkey });
    expect(bound.ok).toBe(true);
    expect(bound.audit?.entries).toBe(checkpoint.size);
    expect(bound.audit?.findings).toEqual(whole.audit?.findings);
    expect(bound.audit?.recorded).toBe(alerts);
    const listed = await ledgerAlerts(path, { checkpoint });
    expect(listed).toEqual(await ledgerAlerts(path));
    expect(listed.alerts).toHaveLength(alerts);
  });

  it('of an earlier checkpoint: the entries after it are neither audited nor listed', async () => {
    const { path } = await exampleLedger();
    const { alerts: all } = await ledgerAlerts(path);
    // The checkpoint signed with the transaction of the step that raised the fourth alert.
    const fourth = all[3]!;
    const l = await Ledger.open(path, { readonly: true });
    let size = fourth.seq + 1;
    while ((await l.checkpointAt(size)) === undefined) size++;
    await l.close();
    const checkpoint = await checkpointOf(path, size);
    const r = await auditLedger(path, { vkey: KEYS.vkey, checkpoint });
    expect(r.ok).toBe(true);
    expect(r.audit?.entries).toBe(size);
    expect(r.audit?.recorded).toBe(all.filter((a) => a.seq < size).length);
    expect((await ledgerAlerts(path, { checkpoint })).alerts.map((a) => a.seq)).toEqual(all.filter((a) => a.seq < size).map((a) => a.seq));
  });

  it('a root that is not the file\'s tree of that size: the replay refuses it (STORED_ENTRY_INVALID), and so does the list', async () => {
    const { path } = await exampleLedger();
    const checkpoint = await checkpointOf(path);
    const other = { size: checkpoint.size, root: leafHash(utf8('another history')) };
    expect(await codeOf(auditLedger(path, { vkey: KEYS.vkey, checkpoint: other }))).toBe('STORED_ENTRY_INVALID');
    expect(await codeOf(ledgerAlerts(path, { checkpoint: other }))).toBe('STORED_ENTRY_INVALID');
    expect(await codeOf(auditLedger(path, { vkey: KEYS.vkey, checkpoint: { ...checkpoint, size: checkpoint.size + 1 } }))).toBe('STORED_ENTRY_INVALID');
  });
});

describe('attacker first: a red alert rewritten in the file as a notice, re-encoded with a leaf hash of its own', () => {
  it('the plain list shows the forged level; the list bound to the checkpoint refuses the row, and the audit does not verify', async () => {
    const { path } = await exampleLedger();
    const checkpoint = await checkpointOf(path);
    const red = (await ledgerAlerts(path)).alerts.find((a) => a.level === 'red')!;
    const db = new Database(path);
    for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) db.exec(`DROP TRIGGER "${name}"`);
    const row = db.prepare('SELECT bytes, salt, data FROM entries WHERE seq = ?').get(red.seq) as { bytes: Buffer; salt: Buffer; data: Buffer };
    const payload = utf8(row.data.toString('utf8').replace('"level":"red"', '"level":"notice"'));
    const bytes = encodeEntry({ ...decodeEntry(new Uint8Array(row.bytes)), commit: payloadCommitment(new Uint8Array(row.salt), payload) });
    db.prepare('UPDATE entries SET bytes = ?, leaf = ?, data = ? WHERE seq = ?').run(Buffer.from(bytes), Buffer.from(leafHash(bytes)), Buffer.from(payload), red.seq);
    db.close();
    // Each row checks against its own bytes: a report not bound to a signed tree believes it.
    expect((await ledgerAlerts(path)).alerts.find((a) => a.seq === red.seq)?.level).toBe('notice');
    expect(await codeOf(ledgerAlerts(path, { checkpoint }))).toBe('STORED_ENTRY_INVALID');
    const audited = await auditLedger(path, { vkey: KEYS.vkey, checkpoint });
    expect(audited).toMatchObject({ ok: false, audit: null });
  });
});

describe('openAlerts', () => {
  const row = (seq: number, caseId: string, level: string, kind: AlertRow['kind'], status: AlertRow['status'] = 'open'): AlertRow => ({
    seq,
    time: 0,
    caseId,
    rule: `r${seq}`,
    ruleVersion: 1,
    level,
    rank: 0,
    status,
    kind,
    triggeredBy: [],
    reason: { zh: '', en: '' },
    pack: 'p',
    facts: {},
  });

  it('counts open alerts by level, and the cases with an open deadline or escalation alert once each', () => {
    const r = openAlerts([
      row(1, 'A', 'yellow', 'deadline'),
      row(2, 'A', 'red', 'escalate'),
      row(3, 'B', 'red', 'fee'),
      row(4, 'C', 'notice', 'deadline', 'disposed'),
      row(5, 'D', '__proto__', null),
    ]);
    // A level named like a prototype key is counted as its own property (a hostile pack's name changes nothing else).
    expect(r.byLevel).toEqual(Object.fromEntries([['yellow', 1], ['red', 2], ['__proto__', 1]]));
    expect(Object.hasOwn(r.byLevel, '__proto__')).toBe(true);
    expect(r.overdueCases).toBe(1);
  });

  it('on the example scenario: every alert is open (none disposed of), and some case is overdue', async () => {
    const { path, alerts } = await exampleLedger();
    const listed = await ledgerAlerts(path);
    const r = openAlerts(listed.alerts);
    expect(Object.values(r.byLevel).reduce((a, b) => a + b, 0)).toBe(alerts);
    expect(r.overdueCases).toBeGreaterThan(0);
    // Every alert's rule is known from the pack adopted: its kind is given.
    expect(listed.alerts.filter((a) => a.kind === null)).toEqual([]);
  });
});
