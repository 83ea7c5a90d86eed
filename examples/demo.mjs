// casetrail demo: a local SQLite ledger, one disciplinary-inspection case from
// opening to closing, full verification, and an inclusion proof of one step
// checked against the signed checkpoint, the way an auditor would.
//
// Run from the repository root: npx -y pnpm@10 install && npx -y pnpm@10 demo
import { mkdirSync, rmSync } from 'node:fs';
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

await ledger.close();
if (!report.ok || !trace.ok || !included) process.exit(1);
