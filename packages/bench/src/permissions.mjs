/**
 * The cost of permission checks (docs/performance.md "Permissions"; issue
 * 13: "permission checks < 0.1 ms per append"):
 *
 * 1. `decide` — one decision of the example policy
 *    (examples/rules/approval-policy.yaml) over a directory of a province,
 *    10 cities, 100 counties and 1,000 actors: a mix of permitted records,
 *    forbidden ones (a clerk's decision), dispositions up and across the
 *    tree, 回避, and actors not enrolled.
 * 2. the guard on a real ledger — single appends (SQLite, durability
 *    normal, so that fsync does not hide the difference) with the guard and
 *    the policy in force, against the same appends with no guard, in
 *    alternating rounds.
 *
 *   node packages/bench/src/permissions.mjs [--decisions N] [--appends N] [--rounds N]
 *
 * Takes about 20–40 s with the defaults. Prints one JSON document.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as core from '@casetrail/core';
import { Directory, LEVEL_TYPES, compilePolicy, decide, loadPolicy, oversee, policyHash, canonicalPolicy } from '@casetrail/oversight';

const { values } = parseArgs({ options: { decisions: { type: 'string', default: '200000' }, appends: { type: 'string', default: '500' }, rounds: { type: 'string', default: '4' } } });
const DECISIONS = Number(values.decisions);
const APPENDS = Number(values.appends);
const ROUNDS = Number(values.rounds);

const POLICY_FILE = new URL('../../../examples/rules/approval-policy.yaml', import.meta.url);
const policy = loadPolicy(readFileSync(POLICY_FILE, 'utf8'), 'approval-policy.yaml');
const compiled = compilePolicy(JSON.parse(canonicalPolicy(policy)), policyHash(policy));

// ---- 1. decide ------------------------------------------------------------------
const dir = new Directory();
let seq = 0;
const apply = (type, v) => dir.apply(seq++, type, { value: v });
apply(LEVEL_TYPES.unitAdded, { parent: null, unit: 'province' });
for (let c = 0; c < 10; c++) {
  apply(LEVEL_TYPES.unitAdded, { parent: 'province', unit: `city-${c}` });
  for (let k = 0; k < 10; k++) apply(LEVEL_TYPES.unitAdded, { parent: `city-${c}`, unit: `county-${c}-${k}` });
}
const ROLES = [['clerk'], ['reviewer'], ['decider'], ['inspector'], ['decider', 'inspector']];
for (let a = 0; a < 1000; a++) {
  const unit = a < 10 ? 'province' : a < 100 ? `city-${a % 10}` : `county-${a % 10}-${Math.floor(a / 10) % 10}`;
  apply(LEVEL_TYPES.actorEnrolled, { actor: `actor:${a}`, key: null, roles: ROLES[a % ROLES.length], unit });
}
const requests = [];
const unitOf = (a) => (a < 10 ? 'province' : a < 100 ? `city-${a % 10}` : `county-${a % 10}-${Math.floor(a / 10) % 10}`);
for (let i = 0; i < 1000; i++) {
  const a = (i * 7919) % 1100; // 1 in 11 not enrolled
  const kind = i % 4;
  // Half the requests on a case of the principal's own county (or below its unit), half anywhere.
  const unit = i % 2 === 0 && a < 1000 ? (a < 100 ? `county-${a % 10}-${i % 10}` : unitOf(a)) : `county-${i % 10}-${Math.floor(i / 10) % 10}`;
  const resource = { caseId: `XK-${i}`, unit, ...(kind >= 2 ? { about: [i % 8 === 2 ? `actor:${a}` : `actor:${(a + 1) % 1000}`] } : {}) };
  const roles = ROLES[a % ROLES.length];
  requests.push({
    principal: `actor:${a}`,
    action: kind <= 1 ? 'record' : kind === 2 ? 'dispose' : 'violation',
    // a clerk's own intake, or a decision (permitted to deciders, forbidden to the others)
    type: kind === 0 ? (roles[0] === 'clerk' ? 'application.received' : 'review.completed') : 'approval.decided',
    resource,
    signers: [],
  });
}
let allowed = 0;
for (let i = 0; i < 20_000; i++) decide(compiled, dir, requests[i % requests.length]); // warm up
const batches = [];
const BATCH = 10_000;
for (let done = 0; done < DECISIONS; done += BATCH) {
  const t = process.hrtime.bigint();
  for (let i = 0; i < BATCH; i++) if (decide(compiled, dir, requests[(done + i) % requests.length]).allowed) allowed++;
  batches.push(Number(process.hrtime.bigint() - t) / BATCH / 1000);
}
batches.sort((x, y) => x - y);
const decideResult = { decisions: DECISIONS, allowedShare: Math.round((allowed / DECISIONS) * 1000) / 1000, usPerDecision: { median: batches[Math.floor(batches.length / 2)], worstBatch: batches[batches.length - 1] } };

// ---- 2. the guard on a ledger ---------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'casetrail-bench-permissions-'));
async function ledgerWith(guarded, name) {
  const origin = `bench-${name}.example.gov/cases`;
  const { skey, vkey } = core.generateKeyPair(origin);
  const ledger = await core.Ledger.create(join(work, `${name}.ledger`), { origin, signer: skey, durability: 'normal' });
  if (!guarded) return { ledger, guard: undefined };
  const guard = await oversee(ledger, { vkey });
  const by = { actor: 'admin' };
  await guard.addUnit('province', null, by);
  await guard.addUnit('county', 'province', by);
  await guard.enrol('clerk:li', { unit: 'county', roles: ['clerk'], key: null }, by);
  await guard.adoptPolicy(policy, by);
  return { ledger, guard };
}
const plain = await ledgerWith(false, 'plain');
const guarded = await ledgerWith(true, 'guarded');
const step = (i) => ({ caseId: `XK-${i % 200}`, type: 'application.received', actor: 'clerk:li', data: { item: 'XK-001', applicant: '某某', handler: 'clerk:li' } });
const rounds = { plain: [], guarded: [] };
let n = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (const [name, l] of [['plain', plain], ['guarded', guarded]]) {
    const lat = [];
    for (let i = 0; i < APPENDS; i++) {
      const t = process.hrtime.bigint();
      await l.ledger.append(step(n++));
      lat.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    lat.sort((x, y) => x - y);
    rounds[name].push(lat[Math.floor(lat.length / 2)]);
  }
}
const stats = guarded.ledger.extensionStats?.() ?? null;
await plain.ledger.close();
guarded.guard.close();
await guarded.ledger.close();
rmSync(work, { recursive: true, force: true });
const med = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const appendResult = {
  appendsPerRound: APPENDS,
  rounds: ROUNDS,
  p50us: { plain: med(rounds.plain), guarded: med(rounds.guarded) },
  overheadUs: med(rounds.guarded.map((g, i) => g - rounds.plain[i])),
  perRound: rounds,
  extension: stats,
};

console.log(
  JSON.stringify(
    {
      at: new Date().toISOString(),
      machine: { cpu: cpus()[0]?.model, cores: cpus().length, memGB: Math.round(totalmem() / 2 ** 30 * 10) / 10, node: process.version },
      decide: decideResult,
      append: appendResult,
    },
    null,
    2,
  ),
);
