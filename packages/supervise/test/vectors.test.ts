/**
 * Golden replay vectors (test/vectors/*.json, written by
 * scripts/generate-vectors.mjs from fixed inputs): whole ledgers with the
 * alerts the engine wrote. Replaying them must give the same alerts byte for
 * byte, so an upgrade of the CEL library, the calendar data or the engine that
 * changes a verdict is caught here. The vectors an earlier engine version
 * wrote are kept frozen (test/vectors/frozen/supervise-<n>/, never
 * regenerated): this engine replays them with the same verdicts, byte for
 * byte, which is what ENGINE_REPLAYS claims.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ENGINE, ENGINE_REPLAYS, REDACTED, TYPES, audit, createSupervisor, type LedgerEntry } from '../src/index.js';

interface Vector {
  description: string;
  engine: { cel: string; supervise: string };
  calendarSource: string;
  alerts: number;
  entries: { seq: number; time: number; caseId: string; step: number; type: string; actor: string; payload: string | null }[];
}

const dir = new URL('./vectors/', import.meta.url);
const frozenDir = new URL('./vectors/frozen/', import.meta.url);
const current = readdirSync(dir).filter((f) => f.endsWith('.json'));
const frozen = readdirSync(frozenDir).flatMap((v) => readdirSync(new URL(`${v}/`, frozenDir)).map((f) => `frozen/${v}/${f}`));
const files = [...current, ...frozen];

describe('golden replay vectors', () => {
  it('the installed CEL library is the version the engine records', () => {
    // The package does not export its package.json: read it beside its entry point.
    const main = createRequire(import.meta.url).resolve('@marcbachmann/cel-js');
    const pkg = JSON.parse(readFileSync(new URL('../package.json', pathToFileURL(main)), 'utf8')) as { version: string };
    expect(`@marcbachmann/cel-js@${pkg.version}`).toBe(ENGINE.cel);
  });
  it('there are vectors, and frozen ones of supervise 1 and 2', () => {
    expect(current.length).toBeGreaterThanOrEqual(2);
    expect(frozen.filter((f) => f.startsWith('frozen/supervise-1/')).length).toBe(2);
    expect(frozen.filter((f) => f.startsWith('frozen/supervise-2/')).length).toBe(2);
  });
  for (const f of files) {
    const v = JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as Vector;
    const entries: LedgerEntry[] = v.entries.map(({ payload, ...e }) => (payload === null ? { ...e, data: REDACTED } : { ...e, data: JSON.parse(payload) as unknown, payload }));
    describe(f, () => {
      if (f.startsWith('frozen/')) {
        it('was made by an engine version this one replays', () => {
          expect(v.engine.cel).toBe(ENGINE.cel);
          expect(ENGINE_REPLAYS).toContain(v.engine.supervise);
          expect(f).toContain(`/supervise-${v.engine.supervise}/`);
        });
      } else {
        it('was made by this engine version', () => expect(v.engine).toEqual(ENGINE));
      }
      it('the audit finds every recorded alert required, and nothing else', () => {
        const r = audit(entries);
        expect(r.findings.filter((x) => x.severity === 'error')).toEqual([]);
        expect(r.recorded).toBe(v.alerts);
        expect(r.expected + r.replayedFromFacts).toBe(v.alerts);
        expect(v.alerts).toBeGreaterThan(0);
      });
      it('a writer replaying the stored steps writes the recorded alert payloads, byte for byte, except where the step is erased', () => {
        const sup = createSupervisor();
        const written: string[] = [];
        for (const e of entries) {
          const out = sup.step(e);
          if (e.type !== TYPES.alert) for (const a of out.alerts) written.push(a.payload);
        }
        const erased = new Set(entries.filter((e) => e.data === REDACTED).map((e) => e.seq));
        const recorded = entries
          .filter((e) => e.type === TYPES.alert && !(e.data as { triggeredBy: number[] }).triggeredBy.some((s) => erased.has(s)))
          .map((e) => e.payload);
        expect(written).toEqual(recorded);
      });
    });
  }
});
