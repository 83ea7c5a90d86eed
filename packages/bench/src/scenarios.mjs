/**
 * One benchmark scenario per process: `node scenarios.mjs <name> <config.json>`.
 * Running each scenario in its own process keeps heaps, caches and peak RSS
 * (process.resourceUsage().maxRSS) from leaking between scenarios. The result
 * is written as JSON to config.out.
 *
 * Timing policy: only the measured operation is inside the clock; making the
 * entries (entries.mjs) and encoding the bytes a plain log or table stores
 * happens outside it. casetrail gets the entry objects (its API serialises
 * the payload itself, so that cost counts against it).
 *
 * The scenarios live by what they measure: baselines.mjs (the raw SHA-256 and
 * SQLite limits, hypercore), casetrail.mjs, supervision-scenarios.mjs; what
 * they share (config, paths, helpers, stage runners) in context.mjs.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { BATCH, cfg, name } from './context.mjs';
import { hypercoreBulk, hypercoreProof, hypercoreSingle, rawSha256, sqliteBulk, sqliteSchemaBulk, sqliteSingle } from './baselines.mjs';
import {
  casetrailAppendLarge,
  casetrailBulk,
  casetrailProofs,
  casetrailQuery,
  casetrailSingle,
  casetrailTrace,
  casetrailVerifyFull,
  casetrailVerifyIncremental,
} from './casetrail.mjs';
import { approvalsBulk, approvalsSingle, supervisedAudit, supervisedBulk } from './supervision-scenarios.mjs';

const SCENARIOS = {
  'sha256-raw': rawSha256,
  'sqlite-bulk': sqliteBulk,
  'sqlite-single': sqliteSingle,
  'sqlite-schema-bulk': sqliteSchemaBulk,
  'hypercore-bulk': hypercoreBulk,
  'hypercore-single': hypercoreSingle,
  'hypercore-proof': hypercoreProof,
  'casetrail-bulk': casetrailBulk,
  'casetrail-single': () => casetrailSingle('full'),
  'casetrail-single-normal': () => casetrailSingle('normal'),
  'casetrail-verify-full': casetrailVerifyFull,
  'casetrail-verify-incremental': casetrailVerifyIncremental,
  'casetrail-proofs': casetrailProofs,
  'casetrail-trace': casetrailTrace,
  'casetrail-query': casetrailQuery,
  'approvals-bulk': approvalsBulk,
  'supervised-bulk': supervisedBulk,
  'approvals-single': () => approvalsSingle(false),
  'supervised-single': () => approvalsSingle(true),
  'supervised-audit': () => supervisedAudit(false),
  'supervised-replay': () => supervisedAudit(true),
  'supervised-replay-bounded': () => supervisedAudit(true),
  'casetrail-append-large': casetrailAppendLarge,
};

const make = SCENARIOS[name];
if (make === undefined) {
  console.error(`unknown scenario ${name}; one of: ${Object.keys(SCENARIOS).join(', ')}`);
  process.exit(2);
}
mkdirSync(cfg.dir, { recursive: true });
const scenario = make();

function done(result) {
  result.maxRssMB = process.resourceUsage().maxRSS / 1024;
  writeFileSync(cfg.out, JSON.stringify(result, null, 2));
}

if (typeof scenario.then === 'function' || typeof scenario.round !== 'function') {
  done(await scenario);
  process.exit(0);
} else if (process.send === undefined) {
  // Standalone: the whole work as consecutive rounds.
  await scenario.setup();
  const total = cfg.work[name];
  const step = Math.max(1, Math.ceil(total / 10 / BATCH) * BATCH);
  for (let from = 0; from < total; from += step) await scenario.round(from, Math.min(total, from + step));
  done(await scenario.finish());
  process.exit(0);
} else {
  // Driven by the parent: it sends rounds and then asks for the result.
  process.on('message', (m) => {
    const reply = (p) => p.then((v) => process.send(v), (e) => {
      console.error(e);
      process.exit(1);
    });
    if (m.type === 'setup') reply(Promise.resolve(scenario.setup()).then(() => ({ type: 'ready' })));
    else if (m.type === 'round') reply(scenario.round(m.from, m.to).then((r) => ({ type: 'round', ...r })));
    else if (m.type === 'finish') {
      reply(
        scenario.finish().then((r) => {
          done(r);
          return { type: 'done' };
        }),
      );
    } else if (m.type === 'exit') process.exit(0);
  });
}
