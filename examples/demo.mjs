// casetrail demo: a local SQLite ledger, one disciplinary-inspection case from
// opening to closing, full verification, and an inclusion proof of one step
// checked against the signed checkpoint, the way an auditor would; then
// supervision: a rule pack adopted, a fee off the standard raising a red card
// right after its step, and the audit that replays the pack.
//
// Run from the repository root: npx -y pnpm@10 install && npx -y pnpm@10 demo
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Ledger,
  generateKeyPair,
  leafHash,
  openCheckpoint,
  parseVerifierKey,
  toHex,
  verifyInclusion,
} from '@casetrail/core';
import { loadPack } from '@casetrail/supervise';
import { auditLedger, supervise } from '@casetrail/supervise/ledger';

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(here, '..', '.demo');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const path = join(dir, 'demo.ledger');

// The checkpoint key belongs to the host, never to the database. A real
// deployment keeps the signer key in a 0600 file, an HSM or a KMS.
const origin = 'demo.casetrail.example/inspection';
const { skey, vkey } = generateKeyPair(origin);

const ledger = await Ledger.create(path, { origin, signer: skey });
const caseId = 'JJ-2026-0042';
const steps = [
  { type: 'case.opened', actor: 'clerk:li.na', data: { summary: '关于某局采购项目的问题线索', source: 'hotline' } },
  { type: 'evidence.added', actor: 'investigator:wang.lei', data: { item: '采购合同复印件', pages: 14, sha256: 'e3b0c442…' } },
  { type: 'interview.held', actor: 'investigator:wang.lei', data: { subject: 'person-17', minutes: 95, location: '谈话室 2' } },
  { type: 'approval.granted', actor: 'director:zhao.min', data: { decision: '同意立案审查', level: 'department' } },
  { type: 'decision.made', actor: 'committee:discipline', data: { outcome: 'warning', amountYuan: 52000 } },
  { type: 'case.closed', actor: 'clerk:li.na', data: { archivedAs: 'A-2026-0042' } },
];

console.log(`ledger   ${path}`);
console.log(`origin   ${origin}`);
console.log(`vkey     ${vkey}\n`);
for (const s of steps) {
  const r = await ledger.append({ caseId, ...s });
  console.log(`appended seq ${r.seq}  step ${r.step}  ${s.type.padEnd(17)} leaf ${toHex(r.leafHash).slice(0, 16)}…`);
}

const trace = await ledger.trace(caseId);
console.log(`\ntrace ${caseId}: ${trace.steps.length} steps, per-case chain ${trace.ok ? 'intact' : 'BROKEN'}`);

const report = await ledger.verify({ vkey });
console.log(`verify: ${report.ok ? 'OK' : 'FAILED'} — ${report.checked.entries} entries, ${report.checked.checkpoints} checkpoints, root ${report.root.slice(0, 16)}…`);

// Prove step 4 (the approval) the way an outside auditor would: with only the
// verifier key, the signed checkpoint, the entry bytes and the proof.
const latest = await ledger.latestCheckpoint();
const checkpoint = openCheckpoint(latest.note, [parseVerifierKey(vkey)]);
const approval = await ledger.get(3);
const proof = await ledger.proveInclusion(3, checkpoint.size);
const included = verifyInclusion(leafHash(approval.bytes), 3, checkpoint.size, proof.proof, checkpoint.root);
console.log(`\nsigned checkpoint:\n${latest.note}`);
console.log(`inclusion proof of seq 3 (${approval.entry?.type}) in tree of ${checkpoint.size}: ${proof.proof.length} hashes, ${included ? 'VALID' : 'INVALID'}`);

// Supervision: the administrative-approval pack of examples/rules, screened at
// every append; its alerts are entries written right after the step.
const sup = await supervise(ledger, { vkey });
const pack = loadPack(readFileSync(join(here, 'rules', 'approval-supervision.yaml'), 'utf8'), 'approval-supervision.yaml');
const calendar = JSON.parse(readFileSync(join(here, '..', 'packages', 'supervise', 'calendars', 'cn-mainland.json'), 'utf8'));
await sup.adoptCalendar(calendar, { actor: 'director:zhao.min' });
await sup.adoptPack(pack, { actor: 'director:zhao.min' });
console.log(`
adopted rule pack ${pack.id} v${pack.version} (${pack.rules.length} rules)`);
await sup.append({ caseId: 'XK-2026-0007', type: 'application.received', actor: 'clerk:li.na', data: { item: 'XK-002', applicant: '某某有限公司', handler: 'clerk:li.na' } });
const fee = await sup.append({ caseId: 'XK-2026-0007', type: 'fee.charged', actor: 'cashier:zhao', data: { item: 'XK-002', amountFen: 90000 } });
for (const a of fee.alerts) console.log(`appended seq ${fee.seq} fee.charged → alert seq ${a.seq}: ${a.level} ${a.rule}: ${a.reason.zh} / ${a.reason.en}`);
await sup.close();
await ledger.close();

const audit = await auditLedger(path, { vkey });
console.log(`audit: ${audit.ok ? 'OK' : 'FAILED'} — ledger verified, ${audit.audit?.entries} entries replayed, ${audit.audit?.expected} alert(s) required, ${audit.audit?.recorded} recorded`);
if (!report.ok || !trace.ok || !included || fee.alerts.length !== 1 || !audit.ok) process.exit(1);
