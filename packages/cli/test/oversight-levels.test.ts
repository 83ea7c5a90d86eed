/**
 * Several ledgers on one machine (issue 13 "Done when"): a province, two
 * cities and a county, each with its own key. The province runs a witness
 * and a monitor over the three below it; city A runs a witness and a
 * monitor over its county. The monitors run in a loop in their own
 * processes while the units' case systems append in others. Then the
 * subordinates store their cosignatures, every verifier applies a witness
 * policy, and two key holders misbehave: city B forks its history with its
 * real key, the county rolls back — both caught by the witness (refusal,
 * evidence kept) and by the monitors (exit 1).
 */
import { spawn } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, repoRoot, requireBuild, runner, tempDir, type Result } from './helpers.js';

requireBuild();
const cli = await import('../src/index.js');
const { runVerify, captureIo } = await import('@casetrail/verify/cli');

let dir = '';
const ct = runner(cli, () => dir);
const json = (r: Result) => JSON.parse(r.out) as any;
afterAll(cleanup);

/** Runs a node script in its own process; resolves with its exit code and output. */
function proc(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: dir, env: { ...process.env, NO_COLOR: '1', TZ: 'UTC' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}
const casetrail = (...args: string[]) => proc([binPath, ...args]);
const appender = (unit: string, count: number, delayMs: number, waitFor: string) =>
  proc([join(repoRoot, 'packages/cli/test/helpers/appender.mjs'), `${unit}.ledger`, `${unit}.ledger.key`, String(count), unit, String(delayMs), waitFor]);
async function verifyOffline(argv: string[]): Promise<Result> {
  const io = captureIo({ cwd: dir });
  const code = await runVerify(argv, io);
  return { code, out: io.stdoutText(), err: io.stderrText() };
}

const UNITS = ['province', 'city-a', 'city-b', 'county'] as const;
const origin = (u: string) => `${u}.example.gov/cases`;
const APPENDS = { province: 6, 'city-a': 16, 'city-b': 16, county: 16 } as const;

beforeAll(async () => {
  dir = tempDir();
  for (const u of UNITS) expect((await ct(['init', `${u}.ledger`, '--origin', origin(u), '--vkey-out', `${u}.vkey`])).code).toBe(0);
  for (const w of ['province', 'city-a']) {
    const r = await ct(['witness', 'init', '--name', `${w}.example.gov/witness`, '--state', `${w}-witness`]);
    expect(r.code).toBe(0);
    writeFileSync(join(dir, `${w}.witness.vkey`), r.out);
  }
  writeFileSync(
    join(dir, 'province-monitor.yaml'),
    ['state: ./province-monitor', 'witness:', '  state: ./province-witness', 'ledgers:', ...['city-a', 'city-b', 'county'].flatMap((u) => [`  - unit: ${u}`, `    ledger: ./${u}.ledger`, `    vkey: ./${u}.vkey`])].join('\n') + '\n',
  );
  writeFileSync(join(dir, 'city-a-monitor.yaml'), 'state: ./city-a-monitor\nwitness:\n  state: ./city-a-witness\nledgers:\n  - unit: county\n    ledger: ./county.ledger\n    vkey: ./county.vkey\n');
});

describe('a province, two cities and a county', () => {
  let rounds: any[] = [];

  it('the monitors follow the ledgers in a loop while the units append in other processes', async () => {
    const [province, cityA, ...appended] = await Promise.all([
      casetrail('monitor', 'province-monitor.yaml', '--every', '150ms', '--rounds', '8', '--json'),
      casetrail('monitor', 'city-a-monitor.yaml', '--every', '200ms', '--rounds', '6', '--json'),
      // The case systems start once the province's monitor has finished its first round.
      ...UNITS.map((u) => appender(u, APPENDS[u], 25, join('province-monitor', 'monitor.json'))),
    ]);
    expect(appended.map((r) => [r.code, Number(r.out)])).toEqual(UNITS.map((u) => [0, APPENDS[u]]));
    expect([province.code, cityA.code], province.err + cityA.err).toEqual([0, 0]);
    rounds = province.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(rounds).toHaveLength(8);
    expect(cityA.out.trim().split('\n')).toHaveLength(6);
    // Every round clean; each unit's size never goes back from round to round.
    for (const r of rounds) expect(r.ok).toBe(true);
    expect(rounds[0].units.map((u: any) => u.size)).toEqual([0, 0, 0]); // before any append
    expect(rounds.at(-1).units.some((u: any) => u.size > 0)).toBe(true); // appends seen while they ran
    for (const u of ['city-a', 'city-b', 'county']) {
      const sizes = rounds.map((r) => r.units.find((x: any) => x.unit === u).size);
      expect([...sizes].sort((a, b) => a - b)).toEqual(sizes);
    }
  });

  it('once the appends are done, a round sees every entry, verified, and the witness cosigned each newest checkpoint', async () => {
    const r = await ct(['monitor', 'province-monitor.yaml', '--once', '--json']);
    expect(r.code).toBe(0);
    for (const u of json(r).units) {
      expect(u).toMatchObject({ size: APPENDS[u.unit as keyof typeof APPENDS], consistent: true, verified: { ok: true }, audit: { ok: true }, points: null, witness: { status: 'cosigned', size: APPENDS[u.unit as keyof typeof APPENDS] } });
    }
    expect((await ct(['monitor', 'city-a-monitor.yaml', '--once', '--json'])).code).toBe(0);
    const table = await ct(['monitor', 'province-monitor.yaml', '--tz', 'Asia/Shanghai']);
    expect(table.out).toMatch(/UNIT\s+ENTRIES\s+CONSISTENT\s+VERIFIED\s+AUDIT\s+OPEN ALERTS\s+OVERDUE\s+POINTS\s+WITNESS/);
    expect(table.out).toMatch(/county\s+16\s+yes\s+ok \(incremental\)/);
    expect(table.out).toMatch(/✔ OK: 3 unit\(s\)/);
  });

  it('the county stores both witnesses\' cosignatures, and every verifier applies a 2-of-2 witness policy', async () => {
    const size = String(APPENDS.county);
    for (const [w, mon] of [['province', 'province-monitor'], ['city-a', 'city-a-monitor']] as const) {
      const cos = readdirSync(join(dir, mon, 'cosignatures')).find((d) => d.startsWith('county-'))!;
      const r = await ct(['cosign', 'attach', 'county.ledger', join(mon, 'cosignatures', cos, `${size}.cosignature`), '--witness', `${w}.witness.vkey`, '--size', size]);
      expect(r.code, r.err).toBe(0);
    }
    const both = ['--witness', 'province.witness.vkey', '--witness', 'city-a.witness.vkey'];
    const v = await ct(['verify', 'county.ledger', '--vkey', 'county.vkey', ...both, '--json']);
    expect(v.code).toBe(0);
    expect(json(v).witnessed).toMatchObject({ size: APPENDS.county, ok: true, quorum: 2, of: 2 });
    expect((await ct(['checkpoint', 'county.ledger', '--json'])).out).toMatch(/"cosignatures": 2/);
    expect((await ct(['prove', 'county.ledger', '3', '--out', 'county-3.tlog-proof'])).code).toBe(0);
    expect((await ct(['export', 'county.ledger', '--out', 'county.bundle'])).code).toBe(0);
    expect((await ct(['checkpoint', 'county.ledger', '--out', 'county.checkpoint'])).code).toBe(0);
    expect((await ct(['verify-proof', 'county-3.tlog-proof', '--vkey', 'county.vkey', ...both])).code).toBe(0);
    expect((await ct(['verify-bundle', 'county.bundle', '--vkey', 'county.vkey', ...both])).code).toBe(0);
    for (const argv of [
      ['proof', 'county-3.tlog-proof'],
      ['bundle', 'county.bundle'],
      ['checkpoint', 'county.checkpoint'],
    ]) {
      expect((await verifyOffline([...argv, '--vkey', 'county.vkey', ...both])).code).toBe(0);
    }
    // A third witness that never saw the county: all three are not met, two of three are.
    const third = await ct(['witness', 'init', '--name', 'auditor.example.gov/witness', '--state', 'auditor-witness']);
    const all = [...both, '--witness', third.out.trim()];
    const refused = await ct(['verify-proof', 'county-3.tlog-proof', '--vkey', 'county.vkey', ...all, '--json']);
    expect([refused.code, json(refused).error.code]).toEqual([1, 'WITNESS_QUORUM_NOT_MET']);
    expect((await verifyOffline(['bundle', 'county.bundle', '--vkey', 'county.vkey', ...all])).code).toBe(1);
    expect((await ct(['verify-proof', 'county-3.tlog-proof', '--vkey', 'county.vkey', ...all, '--witness-quorum', '2'])).code).toBe(0);
    expect((await ct(['verify', 'county.ledger', '--vkey', 'county.vkey', ...all, '--witness-quorum', '2'])).code).toBe(0);
  });

  it('city B, holding its real key, forks its history: the witness refuses and keeps both notes; the monitor exits 1', async () => {
    // The honest city B's newest checkpoint, as its witness cosigned it.
    copyFileSync(join(dir, 'city-b.ledger'), join(dir, 'city-b.honest'));
    // A copy of the key, with a signer state of its own: the state beside the real one refuses a fork (SIGNER_STATE_EXISTS).
    writeFileSync(join(dir, 'forged.key'), readFileSync(join(dir, 'city-b.ledger.key')), { mode: 0o600 });
    expect((await ct(['init', 'forged.ledger', '--origin', origin('city-b'), '--key-file', 'forged.key'])).code).toBe(0);
    for (let i = 0; i < APPENDS['city-b']; i++) {
      expect((await ct(['append', 'forged.ledger', '--case', 'B-1', '--type', 'case.step', '--actor', 'city-b:clerk', '--data', `{"rewritten":${i}}`, '--key-file', 'forged.key'])).code).toBe(0);
    }
    for (const f of ['', '-wal', '-shm']) rmSync(join(dir, `city-b.ledger${f}`), { force: true });
    copyFileSync(join(dir, 'forged.ledger'), join(dir, 'city-b.ledger'));

    // The forger shows the witness its tree of the size the witness cosigned.
    expect((await ct(['consistency', 'city-b.ledger', '--from', '0', '--out', 'forged.body'])).code).toBe(0);
    const refusal = await ct(['witness', 'add-checkpoint', '--state', 'province-witness', 'forged.body', '--json']);
    expect(refusal.code).toBe(1);
    expect(json(refusal)).toMatchObject({ ok: false, status: 409, error: { code: 'INCONSISTENT' }, evidence: { kind: 'fork', conclusive: true, kept: true } });
    const ev = json(await ct(['witness', 'evidence', '--state', 'province-witness', '--json'])).evidence;
    expect(ev).toHaveLength(1);
    const notes = ['cosigned.checkpoint', 'submitted.checkpoint'].map((f) => join(ev[0].path, f));
    const checked = await Promise.all(notes.map((n) => verifyOffline(['checkpoint', n, '--vkey', 'city-b.vkey', '--json'])));
    expect(checked.map((c) => c.code)).toEqual([0, 0]);
    const [a, b] = checked.map((c) => JSON.parse(c.out));
    expect(a.size).toBe(b.size);
    expect(a.root).not.toBe(b.root);

    // The honest cosignature copied onto the forged checkpoint does not verify there.
    const cos = readdirSync(join(dir, 'province-monitor', 'cosignatures')).find((d) => d.startsWith('city-b-'))!;
    const line = join('province-monitor', 'cosignatures', cos, `${APPENDS['city-b']}.cosignature`);
    const attach = await ct(['cosign', 'attach', 'city-b.ledger', line, '--witness', 'province.witness.vkey', '--json']);
    expect([attach.code, json(attach).error.code]).toEqual([1, 'INVALID_SIGNATURE']);
    expect((await ct(['prove', 'city-b.ledger', '1', '--out', 'forged.tlog-proof'])).code).toBe(0);
    const proof = readFileSync(join(dir, 'forged.tlog-proof'), 'utf8') + readFileSync(join(dir, line), 'utf8');
    writeFileSync(join(dir, 'forged-cosigned.tlog-proof'), proof);
    const shown = await ct(['verify-proof', 'forged-cosigned.tlog-proof', '--vkey', 'city-b.vkey', '--witness', 'province.witness.vkey', '--json']);
    expect([shown.code, json(shown).error.code]).toEqual([1, 'INVALID_SIGNATURE']);
    // Without a witness policy the forged proof is "valid": the policy is what stops a split view.
    expect((await ct(['verify-proof', 'forged.tlog-proof', '--vkey', 'city-b.vkey'])).code).toBe(0);

    const m = await ct(['monitor', 'province-monitor.yaml', '--json']);
    expect(m.code).toBe(1);
    const units = Object.fromEntries(json(m).units.map((u: any) => [u.unit, u]));
    expect(units['city-b']).toMatchObject({ consistent: false, verdict: 'failed', problems: [{ code: 'INCONSISTENT' }] });
    expect(units['city-a'].verdict).toBe('ok');
    expect(units['county'].verdict).toBe('ok');
    const kept = readdirSync(join(dir, 'province-monitor', 'evidence'));
    expect(kept.some((k) => k.startsWith('fork-city-b-'))).toBe(true);
  });

  it('the county rolls back to an older copy: both monitors exit 1, and the witness refuses what it is shown', async () => {
    copyFileSync(join(dir, 'county.ledger'), join(dir, 'county.copy'));
    for (let i = 0; i < 4; i++) expect((await ct(['append', 'county.ledger', '--case', 'K-9', '--type', 'case.step', '--actor', 'county:clerk'])).code).toBe(0);
    expect((await ct(['monitor', 'city-a-monitor.yaml'])).code).toBe(0); // city A sees and cosigns 20
    expect((await ct(['monitor', 'province-monitor.yaml', '--json'])).code).toBe(1); // city B's fork is still there
    for (const f of ['', '-wal', '-shm']) rmSync(join(dir, `county.ledger${f}`), { force: true });
    copyFileSync(join(dir, 'county.copy'), join(dir, 'county.ledger'));
    const p = await ct(['monitor', 'province-monitor.yaml', '--json']);
    const c = await ct(['monitor', 'city-a-monitor.yaml', '--json']);
    expect([p.code, c.code]).toEqual([1, 1]);
    expect(json(c).units[0].problems[0].code).toBe('ROLLBACK');
    expect(json(p).units.find((u: any) => u.unit === 'county').problems[0].code).toBe('ROLLBACK');

    // Shown to city A's witness, the restored checkpoint (one it cosigned before) is refused: 409, it cosigned 20.
    expect((await ct(['consistency', 'county.ledger', '--from', '0', '--out', 'county-old.body'])).code).toBe(0);
    const replay = await ct(['witness', 'add-checkpoint', '--state', 'city-a-witness', 'county-old.body', '--json']);
    expect([replay.code, json(replay).status, json(replay).latestSize]).toEqual([1, 409, 20]);
    // A shorter history the key holder signs anew is a rollback the witness keeps as evidence.
    writeFileSync(join(dir, 'county-short.key'), readFileSync(join(dir, 'county.ledger.key')), { mode: 0o600 });
    expect((await ct(['init', 'county-short.ledger', '--origin', origin('county'), '--key-file', 'county-short.key'])).code).toBe(0);
    for (let i = 0; i < 3; i++) expect((await ct(['append', 'county-short.ledger', '--case', 'K-1', '--type', 'case.step', '--actor', 'x', '--key-file', 'county-short.key'])).code).toBe(0);
    expect((await ct(['consistency', 'county-short.ledger', '--from', '0', '--out', 'county-short.body'])).code).toBe(0);
    const short = await ct(['witness', 'add-checkpoint', '--state', 'city-a-witness', 'county-short.body', '--json']);
    expect(short.code).toBe(1);
    expect(json(short)).toMatchObject({ status: 409, error: { code: 'INCONSISTENT' }, evidence: { kept: true } });
    expect(['rollback', 'fork']).toContain(json(short).evidence.kind);
  });
});
