// Writes the frozen format v1 ledger test/fixtures/v1/ledger.sqlite and its
// facts (fixture.json). Run once per format version; the committed file is
// then never regenerated: test/compat-v1.test.ts opens and verifies it in the
// default test run, so a change that breaks old ledgers fails CI.
//
// Usage (after `pnpm run build`): node packages/core/scripts/make-fixture.mjs
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { Ledger, ed25519PublicKey, formatSignerKey, formatVerifierKey, sha256, toHex, utf8 } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(here, '../test/fixtures/v1');
const path = resolve(dir, 'ledger.sqlite');
if (existsSync(path)) {
  console.error(`${path} exists: the v1 fixture is frozen; delete it only if you mean to change format v1`);
  process.exit(1);
}
const origin = 'fixture.casetrail.example/v1';
const seed = sha256(utf8('casetrail-v1 fixture log seed'));
const actorSeed = sha256(utf8('casetrail-v1 fixture actor seed'));
let now = Date.UTC(2026, 10, 27, 9, 0, 0);
const ledger = await Ledger.create(path, { origin, signer: formatSignerKey(origin, seed), clock: () => (now += 61_000) });
const types = ['case.opened', 'evidence.added', 'interview.held', 'approval.granted', 'decision.made', 'case.closed'];
const step = (i) => ({
  caseId: `FX-${String(i % 7).padStart(3, '0')}`,
  type: types[Math.floor(i / 7) % types.length],
  actor: `officer:${i % 4}`,
  data: { i, 摘要: `第${i}步`, amountYuan: i * 137 },
});
await ledger.appendMany(Array.from({ length: 20 }, (_, i) => step(i)));
const trusted = (await ledger.latestCheckpoint()).note;
for (let i = 20; i < 40; i++) await ledger.append(i % 9 === 0 ? { ...step(i), signWith: [actorSeed] } : step(i));
await ledger.redact(5, { reason: 'fixture: data-subject request', actor: 'dpo:fixture' });
await ledger.appendMany(Array.from({ length: 10 }, (_, i) => step(40 + i)));
const report = await ledger.verify({ vkey: formatVerifierKey(origin, ed25519PublicKey(seed)) });
const size = await ledger.size();
const latest = await ledger.latestCheckpoint();
await ledger.close();
const db = new Database(path);
db.pragma('wal_checkpoint(TRUNCATE)');
db.close();
writeFileSync(
  resolve(dir, 'fixture.json'),
  JSON.stringify(
    {
      description: 'Frozen casetrail format v1 ledger made by packages/core/scripts/make-fixture.mjs on ' + new Date().toISOString().slice(0, 10),
      origin,
      vkey: formatVerifierKey(origin, ed25519PublicKey(seed)),
      actorPublicKey: toHex(ed25519PublicKey(actorSeed)),
      size,
      root: report.root,
      latestCheckpoint: latest.note,
      trustedCheckpoint: trusted,
      redacted: [5],
      redactionSeq: 40,
    },
    null,
    2,
  ) + '\n',
);
console.log(`wrote ${path}: ${size} entries, verify ${report.ok ? 'ok' : 'FAILED'}`);
