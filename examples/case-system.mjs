// A small case-system integration to copy: a complaint-handling service that
// records every step of a case in casetrail, lets an official sign an approval
// on their own device, erases personal data lawfully, and hands an auditor
// what they need to check a step, and the whole case, without access to the
// database: a proof file and an evidence bundle, made by the library.
//
// Run from the repository root after the install: node examples/case-system.mjs
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Ledger,
  LedgerError,
  ed25519PublicKey,
  generateKeyPair,
  generateSeed,
  prepareStatement,
  signStatement,
  stepVerified,
  toHex,
  verifyBundle,
  verifyEntryProof,
} from '@casetrail/core';

/** The case system's audit trail: one method per kind of step. */
class ComplaintAudit {
  /** @param {Ledger} ledger */
  constructor(ledger) {
    this.ledger = ledger;
  }

  static async open(path, { origin, keyFile }) {
    return new ComplaintAudit(await Ledger.create(path, { origin, signer: { keyFile } }));
  }

  received(caseId, clerk, complaint) {
    return this.ledger.append({ caseId, type: 'complaint.received', actor: clerk, data: complaint });
  }

  assigned(caseId, supervisor, officer, deadline) {
    return this.ledger.append({ caseId, type: 'complaint.assigned', actor: supervisor, data: { officer, deadline } });
  }

  /** Records the facts found and the documents seen, in one transaction. */
  investigated(caseId, officer, findings) {
    return this.ledger.appendMany(
      findings.map((f) => ({ caseId, type: 'investigation.finding', actor: officer, data: f })),
    );
  }

  /**
   * An approval signed on the official's own device: the device prepares and
   * signs the statement — for this ledger, this case and one nonce, so it
   * cannot be replayed elsewhere — and the service only appends it. The
   * ledger checks the signature before storing it, accepts the statement
   * once (sent again, it answers with the first receipt), and verification
   * checks it again later.
   */
  approvedWithSignature(caseId, official, signed) {
    return this.ledger.append({
      caseId,
      type: 'decision.approved',
      actor: official,
      payload: signed.payload,
      salt: signed.salt,
      time: signed.statement.time,
      nonce: signed.statement.nonce,
      signatures: [signed.signature],
    });
  }

  /** A step sent by another system that may retry it: the idempotency key makes the retry harmless. */
  imported(caseId, actor, type, data, key) {
    return this.ledger.append({ caseId, type, actor, data, idempotencyKey: key });
  }

  closed(caseId, clerk, outcome) {
    return this.ledger.append({ caseId, type: 'complaint.closed', actor: clerk, data: { outcome } });
  }
}

/** What runs on the official's device: the ledger's origin, the statement and their key. */
function signOnDevice(seed, origin, caseId, official, decision) {
  const prepared = prepareStatement({ origin, caseId, type: 'decision.approved', actor: official, data: decision });
  return { ...prepared, signature: signStatement(prepared.statement, seed) };
}

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(here, '..', '.demo', 'case-system');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });

// Set-up done once by the operator: a key file readable by the service only.
const origin = 'complaints.city.example/audit';
const { skey, vkey } = generateKeyPair(origin);
const keyFile = join(dir, 'ledger.key');
writeFileSync(keyFile, skey + '\n', { mode: 0o600, flag: 'wx' });

const audit = await ComplaintAudit.open(join(dir, 'complaints.ledger'), { origin, keyFile });
const caseId = 'TS-2026-1187';
await audit.received(caseId, 'clerk:chen', { channel: 'web', subject: '噪音投诉', complainant: { name: '刘某', phone: '138****0000' } });
await audit.assigned(caseId, 'supervisor:he', 'officer:sun', '2026-12-15');
await audit.investigated(caseId, 'officer:sun', [
  { fact: 'site visit on 2026-11-25, noise 72 dB(A) at 23:10' },
  { fact: 'operator permit expired', document: 'permit-5531.pdf' },
]);

const officialSeed = generateSeed();
const signed = signOnDevice(officialSeed, origin, caseId, 'director:gao', { action: 'fine', amountYuan: 20000 });
const approval = await audit.approvedWithSignature(caseId, 'director:gao', signed);
// The service retried after a timeout: the same signed statement is accepted once.
const retried = await audit.approvedWithSignature(caseId, 'director:gao', signed);
console.log(`approval sent twice: stored once as seq ${approval.seq} (retry answered duplicate: ${retried.duplicate === true && retried.seq === approval.seq})`);
// A record imported from the hotline system, whose import job may run twice.
await audit.imported(caseId, 'hotline:import', 'complaint.followup', { call: 'HL-88213' }, 'hotline:HL-88213');
await audit.imported(caseId, 'hotline:import', 'complaint.followup', { call: 'HL-88213' }, 'hotline:HL-88213');
await audit.closed(caseId, 'clerk:chen', 'resolved');

// A forged approval (someone else's key claiming the director's signature) is refused.
try {
  const forged = signOnDevice(generateSeed(), origin, caseId, 'director:gao', { action: 'dismiss' });
  forged.signature = { ...forged.signature, publicKey: ed25519PublicKey(officialSeed) };
  await audit.approvedWithSignature(caseId, 'director:gao', forged);
} catch (e) {
  if (!(e instanceof LedgerError)) throw e;
  console.log(`forged approval refused: ${e.code}`);
}

// The complainant's personal data is erased on request; the erasure is itself a step.
await audit.ledger.redact(0, { reason: 'data-subject request 2026-11-27', actor: 'dpo:wu' });

const trace = await audit.ledger.trace(caseId);
console.log(`\n${caseId}`);
for (const s of trace.steps) {
  // Every field comes from the entry's own bytes; a step that does not check is marked.
  if (s.entry === undefined) {
    console.log(`  ??  entry ${s.seq} does not decode: ${s.issues.map((i) => i.code).join(', ')}`);
    continue;
  }
  const when = new Date(s.entry.time).toISOString();
  const data = s.redacted ? '[erased]' : s.payloadState === 'present' ? JSON.stringify(s.data) : `[${s.payloadState}]`;
  const mark = s.ok ? '' : `  ✘ ${s.issues.map((i) => i.code).join(', ')}`;
  console.log(`  ${String(s.entry.step).padStart(2)}  ${when}  ${s.entry.type.padEnd(22)} ${s.entry.actor.padEnd(16)} ${data}${mark}`);
}
console.log(`  per-case chain: ${trace.ok ? 'intact' : 'BROKEN'}`);

const report = await audit.ledger.verify({ vkey });
console.log(`\nfull verification: ${report.ok ? 'OK' : 'FAILED'} (${report.checked.entries} entries, ${report.checked.actorSignatures} actor signature)`);

// What the auditor receives: a proof file of the approval and the case's
// evidence bundle. They check both with the verifier key alone (the
// functions of @casetrail/verify, or the offline casetrail-verify command).
const proofFile = await audit.ledger.tlogProof(approval.seq);
const proven = verifyEntryProof(proofFile.text, vkey);
console.log(`auditor: approval (seq ${approval.seq}, leaf ${toHex(proofFile.leafHash).slice(0, 16)}…) is ${proven.entry.type} by ${proven.entry.actor}, in the signed tree of ${proven.checkpoint.size}`);
let bundle = '';
await audit.ledger.exportBundle((line) => { bundle += line; }, { caseId });
const bundleReport = await verifyBundle(bundle, vkey, {
  onStep: (s) => console.log(`  ${stepVerified(s) ? '✔' : '✘'} step ${s.entry?.step ?? '?'} ${s.entry?.type ?? '(not proven)'}: ${s.payload.state}`),
});
const ok = bundleReport.ok;
console.log(`auditor: bundle of ${caseId}: ${ok ? 'OK' : 'FAILED'}, ${bundleReport.checked.payloads} payload(s) matched, ${bundleReport.redacted} erased by proven redaction`);

await audit.ledger.close();
if (!report.ok || !trace.ok || !ok) process.exit(1);
