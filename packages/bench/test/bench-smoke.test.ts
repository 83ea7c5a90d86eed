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
  });
});
