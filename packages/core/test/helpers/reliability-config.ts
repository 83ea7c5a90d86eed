/**
 * Knobs and figures of the reliability battery (test/reliability/).
 *
 * The battery runs with small, CI-sized counts by default. `pnpm soak`
 * (scripts/soak.mjs) runs the same tests with larger counts given through
 * CASETRAIL_SOAK_* environment variables and collects the figures each test
 * records into the JSON-lines file named by CASETRAIL_RELIABILITY_REPORT.
 */
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** True when the soak script runs the battery. */
export const SOAK = process.env['CASETRAIL_SOAK'] === '1';

/**
 * A count for one part of the battery: CASETRAIL_SOAK_<NAME> if set, else
 * the CI default.
 */
export function knob(name: string, ciDefault: number): number {
  const raw = process.env[`CASETRAIL_SOAK_${name}`];
  if (raw === undefined || raw === '') return ciDefault;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`CASETRAIL_SOAK_${name} must be a non-negative integer, got ${raw}`);
  return n;
}

/**
 * The seed of this run's pseudo-random choices (kill moments, tamper
 * targets, fuzz): CASETRAIL_SEED if set, so a failure can be replayed.
 */
export const SEED: number = (() => {
  const raw = process.env['CASETRAIL_SEED'];
  if (raw !== undefined && raw !== '') return Number(raw) >>> 0;
  return (Date.now() ^ (process.pid << 16)) >>> 0;
})();

/** Test timeout for a part whose work grows with a knob: CI budget, or unbounded in a soak. */
export function budgetMs(ciMs: number): number {
  return SOAK ? 24 * 3600_000 : ciMs;
}

/**
 * Records one figure of the battery (kills survived, cases tried, …). The
 * soak script sums figures of the same name across the run.
 */
export function record(figure: string, value: number, detail?: Record<string, unknown>): void {
  const file = process.env['CASETRAIL_RELIABILITY_REPORT'];
  if (file === undefined || file === '') return;
  appendFileSync(file, `${JSON.stringify({ figure, value, ...(detail === undefined ? {} : { detail }) })}\n`);
}

/** mulberry32: a small seeded generator, good enough to pick test cases. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi] from a generator made by {@link rng}. */
export function between(next: () => number, lo: number, hi: number): number {
  return lo + Math.floor(next() * (hi - lo + 1));
}

/** The compiled child-process worker (plain ESM over packages/core/dist). */
export const WORKER = fileURLToPath(new URL('./reliability-worker.mjs', import.meta.url));
