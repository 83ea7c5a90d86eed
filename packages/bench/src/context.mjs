/**
 * What every benchmark scenario shares: the run's config (argv of
 * scenarios.mjs), the core build under test, the paths in the work directory,
 * timing and size helpers, and the stage runners of the compared scenarios.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { rnd } from './entries.mjs';

export const [name, cfgPath] = process.argv.slice(2);
export const cfg = JSON.parse(readFileSync(cfgPath, 'utf8'));
export const coreUrl = cfg.core ? pathToFileURL(cfg.core).href : import.meta.resolve('@casetrail/core');
export const core = await import(coreUrl);

export const N = cfg.entries;
export const MODEL = cfg.cases ?? 'lifetime';
export const BATCH = cfg.batch;
export const ORIGIN = 'bench.casetrail.example/ledger';
export const LEDGER = join(cfg.dir, 'casetrail.ledger');
export const HYPERCORE_DIR = join(cfg.dir, 'hypercore');
export const SQLITE = join(cfg.dir, 'raw.sqlite');
export const KEYS = join(cfg.dir, 'keys.json');
export const SUPERVISED = join(cfg.dir, 'supervised.ledger');
/** The signer state of the bench ledger's key, in a file as beside a key file (format.md §10). */
export const STATE = join(cfg.dir, 'casetrail.key.state');

// ---------------------------------------------------------------------------
// helpers

export const now = () => performance.now();

/** p50/p99/mean/max of a list of durations in ms. */
export function latency(ms) {
  const s = Float64Array.from(ms).sort();
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  let sum = 0;
  for (const x of s) sum += x;
  return { n: s.length, p50: at(0.5), p99: at(0.99), mean: sum / s.length, max: s[s.length - 1] };
}

/** Apparent size in bytes of a file, or of every file under a directory. */
export function diskBytes(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let n = 0;
  for (const f of readdirSync(path)) n += diskBytes(join(path, f));
  return n;
}

export function ledgerBytes(path) {
  return diskBytes(path) + diskBytes(`${path}-wal`) + diskBytes(`${path}-shm`);
}

/** Seeded index in [0, n) for iteration r of a scenario. */
export const pick = (r, salt, n) => rnd(r + 0x5bd1e995, salt) % n;

/** Records throughput per segment of a long append run (for the 10M "rate stays flat" check). */
class Segments {
  constructor(total) {
    this.every = total >= 10_000_000 ? 1_000_000 : Math.max(BATCH, Math.floor(total / 10));
    this.list = [];
    this.doneAt = 0;
    this.msAt = 0;
  }
  tick(done, ms) {
    if (done - this.doneAt >= this.every || done === N) {
      this.list.push({ upTo: done, perSec: ((done - this.doneAt) / (ms - this.msAt)) * 1000 });
      this.doneAt = done;
      this.msAt = ms;
    }
  }
}

export function keys() {
  if (!existsSync(KEYS)) writeFileSync(KEYS, JSON.stringify(core.generateKeyPair(ORIGIN)));
  return JSON.parse(readFileSync(KEYS, 'utf8'));
}

/**
 * Scenarios that are compared side by side run as stages: setup(), then
 * round(from, to) for consecutive slices of their work (the parent
 * interleaves the rounds of the systems being compared, so machine drift hits
 * them alike), then finish() for the result.
 */

/** Bulk append of entries [from, to) in BATCH-sized calls; `append(from, to)` returns after one batch is durable. */
export function bulkStages({ setup, append, close, disk }) {
  const seg = new Segments(N);
  const rounds = [];
  let ms = 0;
  let done = 0;
  return {
    setup,
    async round(from, to) {
      let roundMs = 0;
      for (let f = from; f < to; f += BATCH) {
        const t = Math.min(to, f + BATCH);
        roundMs += await append(f, t);
        done += t - f;
        seg.tick(done, ms + roundMs);
      }
      ms += roundMs;
      rounds.push({ from, to, perSec: ((to - from) / roundMs) * 1000 });
      return { ms: roundMs, perSec: ((to - from) / roundMs) * 1000 };
    },
    async finish() {
      const extra = (await close()) ?? {};
      const bytes = disk();
      return { entries: done, batch: BATCH, ms, perSec: (done / ms) * 1000, segments: seg.list, rounds, diskBytes: bytes, bytesPerEntry: bytes / done, ...extra };
    },
  };
}

/** One append per call for entries [from, to); `append(i)` returns after entry i is stored. */
export function singleStages({ setup, append, close, info = {} }) {
  const lat = [];
  const rounds = [];
  let ms = 0;
  return {
    setup,
    async round(from, to) {
      const t0 = now();
      for (let i = from; i < to; i++) {
        const t = now();
        await append(i);
        lat.push(now() - t);
      }
      const d = now() - t0;
      ms += d;
      rounds.push({ from, to, perSec: ((to - from) / d) * 1000 });
      return { ms: d, perSec: ((to - from) / d) * 1000 };
    },
    async finish() {
      await close();
      return { entries: lat.length, ...info, ms, perSec: (lat.length / ms) * 1000, latency: latency(lat), rounds };
    },
  };
}
