/**
 * Smoke check of the benchmark: the quick mode at a tiny size completes and
 * writes well-formed results. Policy: no timing is ever asserted here (the
 * machine is shared and CI timings drift); the numbers belong to `pnpm bench`.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const benchScript = resolve(dirname(fileURLToPath(import.meta.url)), '../src/bench.mjs');
const tmp = mkdtempSync(join(tmpdir(), 'casetrail-bench-smoke-'));

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SCENARIOS = [
  'sha256-raw',
  'sqlite-bulk',
  'sqlite-schema-bulk',
  'hypercore-bulk',
  'casetrail-bulk',
  'sqlite-single',
  'hypercore-single',
  'casetrail-single',
  'casetrail-single-normal',
  'casetrail-verify-full',
  'casetrail-verify-incremental',
  'hypercore-proof',
  'casetrail-proofs',
  'casetrail-trace',
  'casetrail-query',
  'approvals-bulk',
  'supervised-bulk',
  'approvals-single',
  'supervised-single',
  'supervised-audit',
  'supervised-replay',
  'supervised-replay-bounded',
  'points-query',
  'casetrail-append-large',
];

describe('bench --quick at 2,000 entries', () => {
  const out = join(tmp, 'results.json');
  let run: SpawnSyncReturns<string>;
  beforeAll(() => {
    run = spawnSync(
      process.execPath,
      [benchScript, '--quick', '--entries', '2000', '--single', '50', '--iterations', '50', '--dir', join(tmp, 'work'), '--out', out, '--quiet'],
      { encoding: 'utf8', timeout: 120_000 },
    );
  }, 120_000);

  it('exits 0 and prints the table and the target lines', () => {
    expect(run.error, String(run.error)).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\| scenario /m);
    expect(run.stdout).toMatch(/bulk append: ≥ 2× hypercore batched append/);
    expect(run.stdout).toContain(out);
  });

  it('writes JSON results with every scenario and no failure', () => {
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      mode: string;
      config: { entries: number; batch: number };
      machine: { node: string; cores: number };
      results: Record<string, Record<string, unknown>>;
      targets: Array<{ id: string; met: boolean | null }>;
    };
    expect(doc.mode).toBe('quick');
    expect(doc.config).toMatchObject({ entries: 2000, batch: 1000 });
    expect(doc.machine.node).toBe(process.version);
    expect(Object.keys(doc.results).sort()).toEqual([...SCENARIOS].sort());
    for (const name of SCENARIOS) expect(doc.results[name]?.['error'], name).toBeUndefined();
    for (const name of SCENARIOS) expect(doc.results[name]?.['maxRssMB'], name).toBeGreaterThan(0);
    expect(doc.targets.map((t) => t.id)).toEqual([
      'bulk-vs-hypercore',
      'bulk-vs-sqlite',
      'single-vs-hypercore',
      'verify-vs-sha256',
      'verify-rss',
      'incremental-vs-full',
      'proofs-vs-hypercore',
      'proofs-p99',
      'trace-p99',
      'screening-bulk',
      'screening-single',
      'audit-replay',
      'audit-rss',
      'points-p99',
    ]);
    for (const t of doc.targets) expect(typeof t.met).toBe('boolean');
  });

  it('measured real work: the ledger verifies, proofs check, traces are whole', () => {
    const r = (JSON.parse(readFileSync(out, 'utf8')) as { results: Record<string, Record<string, unknown>> }).results;
    expect(r['casetrail-bulk']).toMatchObject({ entries: 2000, checkpointSize: 2000 });
    expect(r['hypercore-bulk']).toMatchObject({ entries: 2000 });
    expect(r['casetrail-verify-full']).toMatchObject({ entries: 2000, ok: true, issueCount: 0 });
    expect(r['casetrail-verify-incremental']).toMatchObject({ fromSize: 1000, checkedEntries: 1000, ok: true });
    expect(r['casetrail-proofs']).toMatchObject({ treeSize: 2000, allValid: true });
    expect(r['hypercore-proof']).toMatchObject({ treeSize: 2000, sampleVerified: true });
    expect(r['casetrail-trace']).toMatchObject({ steps: 100, allOk: true });
    // The screened ledger holds the same 2,000 steps, their alerts and ticks; its audit is clean.
    expect(r['supervised-bulk']).toMatchObject({ entries: 2000 });
    expect(r['supervised-bulk']!['alerts']).toBeGreaterThan(0);
    expect(r['supervised-audit']).toMatchObject({ ok: true, findings: 0 });
    expect(r['supervised-replay']).toMatchObject({ ok: true, findings: 0 });
    expect((r['supervised-audit']!['expected'] as number) > 0).toBe(true);
    // points: 2,000 steps with one violation per 100, all in 2025; each read counts every one.
    expect(r['points-query']).toMatchObject({ violations: 20, '2025': { counted: 20 } });
  });
});

describe('screening-cost at 2,000 entries', () => {
  const script = resolve(dirname(fileURLToPath(import.meta.url)), '../src/screening-cost.mjs');

  it('runs the four processes and prints each one\'s figures and the split of the overhead', () => {
    const run = spawnSync(process.execPath, [script, '--entries', '2000', '--rounds', '1', '--dir', join(tmp, 'screening')], { encoding: 'utf8', timeout: 120_000 });
    expect(run.error, String(run.error)).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    for (const mode of ['plain', 'noop', 'screened', 'engine']) expect(run.stdout).toMatch(new RegExp(`^round 1 ${mode} +\\d+\\.\\d\\d µs/step, collector \\d+\\.\\d\\d`, 'm'));
    // The same steps screened raise the same alerts in the ledger and in the engine alone.
    const alerts = [...run.stdout.matchAll(/^round 1 (screened|engine) .*alerts (\d+)$/gm)].map((m) => Number(m[2]));
    expect(alerts).toHaveLength(2);
    expect(alerts[0]).toBeGreaterThan(0);
    expect(alerts[1]).toBe(alerts[0]);
    expect(run.stdout).toMatch(/the seam \(no-op extension − plain\) +-?\d+\.\d\d/);
    expect(run.stdout).toMatch(/in the supervise extension's calls +\d+\.\d\d/);
  }, 120_000);

  it('refuses a bad option with a message', () => {
    const run = spawnSync(process.execPath, [script, '--rounds', '0'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/--rounds must be an integer ≥ 1/);
  });
});
