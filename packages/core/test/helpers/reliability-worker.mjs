// Child process of the reliability battery (test/reliability/). Plain ESM over
// the compiled library (packages/core/dist), so it runs without a TypeScript
// loader; the root `pnpm test` builds dist first.
//
// Usage: node reliability-worker.mjs <mode> <json options>
// It talks to the parent in lines "<tag> <json>" on stdout, each written with
// one synchronous write(2), so a line the parent sees was complete before any
// SIGKILL; it reads commands ("go", "stop", "release") as lines on stdin.
import { writeSync } from 'node:fs';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { FileSignerState, Ledger, isLedgerError, toHex, verifyLedger } from '../../dist/index.js';

const [mode, raw] = process.argv.slice(2);
const opts = raw === undefined ? {} : JSON.parse(raw);
/**
 * The library's state file, every write without fdatasync: for the
 * concurrency battery in CI, whose commits are not fsynced either (it tests
 * locking and sharing, not durability; the soak uses the library's store).
 */
function unsyncedState(file) {
  const store = new FileSignerState(file);
  return {
    location: file,
    read: (origin) => store.read(origin),
    write: (origin, state) => store.write(origin, state, false),
  };
}

/** The signer and its state file (format.md §10), shared by every writer process of a ledger. */
const signing = {
  signer: opts.skey,
  ...(opts.stateFile === undefined ? {} : { signerState: opts.stateSync === false ? unsyncedState(opts.stateFile) : { file: opts.stateFile } }),
};

/** Sends one line to the parent. */
function say(tag, value = {}) {
  writeSync(1, `${tag} ${JSON.stringify(value)}\n`);
}

function errorOf(e) {
  return isLedgerError(e) ? { code: e.code, message: e.message, details: safeDetails(e.details) } : { code: 'UNCODED', message: String(e?.stack ?? e) };
}

function safeDetails(d) {
  try {
    return JSON.parse(JSON.stringify(d ?? {}));
  } catch {
    return {};
  }
}

const commands = [];
let waiting;
createInterface({ input: process.stdin }).on('line', (line) => {
  commands.push(line.trim());
  waiting?.();
});
/** Resolves with the next command line from the parent. */
async function nextCommand() {
  while (commands.length === 0) await new Promise((r) => (waiting = r));
  return commands.shift();
}
const hasCommand = (c) => commands.includes(c);

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const modes = {
  /**
   * Appends until killed: single appends, bulk batches, now and then a
   * redaction. Says "begin {n}" before each call (n entries), then
   * "ack [[seq, leafHex], …]" once its promise resolved ("skip" when a
   * redaction was refused).
   */
  async crash() {
    const next = rng(opts.seed);
    const ledger = await Ledger.open(opts.path, { ...signing, durability: opts.durability });
    say('ready', { size: await ledger.size() });
    for (let round = 0; ; round++) {
      const r = next();
      const pad = 'x'.repeat(Math.floor(next() * 1024));
      if (r < 0.55) {
        say('begin', { n: 1 });
        const rc = await ledger.append({ caseId: `K-${round % 11}`, type: 'single', actor: `w${opts.seed % 97}`, data: { round, pad } });
        say('ack', [[rc.seq, toHex(rc.leafHash)]]);
      } else if (r < 0.95) {
        const n = 2 + Math.floor(next() * (opts.maxBatch - 1));
        const batch = Array.from({ length: n }, (_, i) => ({ caseId: `B-${(round + i) % 17}`, type: 'bulk', actor: 'batcher', data: { round, i, pad } }));
        say('begin', { n });
        const rcs = await ledger.appendMany(batch);
        say('ack', rcs.map((rc) => [rc.seq, toHex(rc.leafHash)]));
      } else if ((await ledger.size()) > 0) {
        const size = await ledger.size();
        const target = Math.floor(next() * size);
        say('begin', { n: 1, redacts: target });
        try {
          const rc = await ledger.redact(target, { reason: `crash test ${round}`, actor: 'dpo' });
          say('ack', [[rc.seq, toHex(rc.leafHash)]]);
        } catch (e) {
          if (!isLedgerError(e, 'ALREADY_REDACTED') && !isLedgerError(e, 'NOT_REDACTABLE')) throw e;
          say('skip');
        }
      }
    }
  },

  /**
   * One of several concurrent writers: waits for "go", then makes `count`
   * single appends, retrying an append refused with LEDGER_BUSY (nothing is
   * written then). Reports "done {retries, ms}".
   */
  /**
   * Appends batches until killed, with an extension that adds an alert right
   * after every step in the same transaction (the seam of ledger.use).
   */
  async crashHooks() {
    const ledger = await Ledger.open(opts.path, { ...signing, durability: opts.durability });
    ledger.use({
      name: 'alerts',
      systemTypes: { 'casetrail.alert': (d) => (typeof d?.about === 'number' ? undefined : 'no about') },
      onStep: (step, ctx) => void ctx.add({ caseId: step.caseId, type: 'casetrail.alert', actor: 'casetrail:alerts', data: { about: step.seq } }),
    });
    say('ready', { size: await ledger.size() });
    for (let round = 0; ; round++) {
      const n = 1 + (round % 50);
      await ledger.appendMany(Array.from({ length: n }, (_, i) => ({ caseId: `H-${(round + i) % 7}`, type: 'step', actor: 'w', data: { round, i } })));
    }
  },

  async append() {
    const ledger = await Ledger.open(opts.path, { ...signing, durability: opts.durability, busyTimeoutMs: opts.busyTimeoutMs });
    say('ready');
    await nextCommand();
    const t0 = Date.now();
    let retries = 0;
    let maxWaitMs = 0;
    for (let i = 0; i < opts.count; i++) {
      for (;;) {
        const started = Date.now();
        try {
          await ledger.append({ caseId: `C-${(i * 7 + opts.id) % opts.cases}`, type: 'concurrent', actor: `writer-${opts.id}`, data: { w: opts.id, i } });
          maxWaitMs = Math.max(maxWaitMs, Date.now() - started);
          break;
        } catch (e) {
          if (!isLedgerError(e, 'LEDGER_BUSY')) throw e;
          retries++;
        }
      }
    }
    await ledger.close();
    say('done', { retries, ms: Date.now() - t0, maxWaitMs });
  },

  /**
   * A reader during concurrent writes: verifies the file again and again
   * until "stop", each time in full and incrementally from the checkpoint of
   * its previous pass. Reports "snap {size, ok}" and "fail {...}".
   */
  async read() {
    let previous;
    let passes = 0;
    let lastSize = 0;
    say('ready');
    while (!hasCommand('stop')) {
      const full = await verifyLedger(opts.path, { vkey: opts.vkey, ...(previous === undefined ? {} : { trusted: previous }) });
      passes++;
      if (!full.ok || full.size < lastSize || full.signedSize !== full.size || (previous !== undefined && full.trusted?.extended !== true)) {
        say('fail', { size: full.size, lastSize, issues: full.issues.slice(0, 5), trusted: full.trusted });
      }
      if (previous !== undefined) {
        const inc = await verifyLedger(opts.path, { vkey: opts.vkey, trusted: previous, mode: 'incremental' });
        if (!inc.ok) say('fail', { incremental: true, issues: inc.issues.slice(0, 5) });
      }
      lastSize = full.size;
      const l = await Ledger.open(opts.path, { readonly: true });
      previous = (await l.latestCheckpoint())?.note;
      await l.close();
      say('snap', { size: full.size, ok: full.ok });
      await new Promise((r) => setImmediate(r));
    }
    say('done', { passes, lastSize });
  },

  /** Holds a write lock on the file (as another program might) until "release". */
  async lock() {
    const db = new Database(opts.path);
    if (opts.exclusive) db.pragma('locking_mode = EXCLUSIVE');
    db.exec(opts.exclusive ? 'BEGIN EXCLUSIVE' : 'BEGIN IMMEDIATE');
    say('locked');
    while ((await nextCommand()) !== 'release');
    db.exec('ROLLBACK');
    db.close();
    say('released');
  },

  /** Proves that the worker and the library load (e.g. under another uid). */
  async ping() {
    say('pong', { uid: process.getuid?.() });
  },

  /** Opens the ledger and appends one step; reports "result {ok, seq | error}". */
  async tryAppend() {
    let ledger;
    try {
      ledger = await Ledger.open(opts.path, { ...signing, busyTimeoutMs: opts.busyTimeoutMs ?? 5000 });
    } catch (e) {
      say('result', { ok: false, stage: 'open', ...errorOf(e) });
      return;
    }
    try {
      const rc = await ledger.append({ caseId: 'FAULT', type: 'probe', actor: 'fault-test', data: { uid: process.getuid?.() } });
      say('result', { ok: true, seq: rc.seq });
    } catch (e) {
      say('result', { ok: false, stage: 'append', ...errorOf(e) });
    } finally {
      await ledger.close().catch(() => undefined);
    }
  },
};

const run = modes[mode];
if (run === undefined) {
  say('error', { message: `unknown mode ${mode}` });
  process.exit(2);
}
run().then(
  () => process.exit(0),
  (e) => {
    say('error', errorOf(e));
    process.exit(1);
  },
);
