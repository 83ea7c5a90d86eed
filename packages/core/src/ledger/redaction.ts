/**
 * The redaction entry of `redact()` (format.md §4.5), made inside the write
 * transaction from the writer's trusted view: its target is read there,
 * decoded, and its recomputed leaf hash proven in the trusted tree before
 * the record naming it is written and signed. (Read before the transaction,
 * a change made in between would be named, erased and signed.)
 */
import { REDACTION_TYPE, fail, redactionPayload } from '@casetrail/verify';
import type { WriterView } from './extension-proof.js';
import { prepareStep, type PreparedStep } from './prepare.js';

/**
 * @throws NOT_FOUND, NOT_REDACTABLE, ALREADY_REDACTED; LEDGER_TAMPERED, LEDGER_REWRITTEN (the target does not verify)
 */
export function prepareRedaction(view: WriterView, seq: number, options: { reason: string; actor: string }, maxPayload: number): PreparedStep {
  const target = view.entry(seq);
  if (target.entry.type === REDACTION_TYPE) fail('NOT_REDACTABLE', `entry ${seq} is a redaction record and cannot be redacted`, { seq });
  if (target.erased) fail('ALREADY_REDACTED', `the payload of entry ${seq} is already erased`, { seq });
  return prepareStep(
    { caseId: target.entry.caseId, type: REDACTION_TYPE, actor: options.actor, payload: redactionPayload(seq, target.leaf, options.reason) },
    'redaction',
    maxPayload,
    'redaction',
  );
}
