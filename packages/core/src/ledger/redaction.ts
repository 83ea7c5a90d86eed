/**
 * The redaction entry of `redact()` (format.md §4.5), made inside the write
 * transaction from the writer's trusted view: its target is read there,
 * decoded, and its recomputed leaf hash proven in the trusted tree before
 * the record naming it is written and signed. (Read before the transaction,
 * a change made in between would be named, erased and signed.)
 */
import { REDACTION_TYPE, fail, redactionPayload } from '@casetrail/verify';
import type { WriterView } from './writer-view.js';
import { prepareStep, type PreparedStep, type StepContext } from './prepare.js';

export interface RedactionRequest {
  reason: string;
  actor: string;
  /** The record's time (default the clock; never before the latest entry: TIME_ORDER). */
  time?: number;
}

/**
 * @param keptBy - the extension in use that keeps a system type unredactable, if any
 * @throws NOT_FOUND, NOT_REDACTABLE, ALREADY_REDACTED; LEDGER_TAMPERED, LEDGER_REWRITTEN (the target does not verify)
 */
export function prepareRedaction(view: WriterView, seq: number, options: RedactionRequest, ctx: StepContext, keptBy: (type: string) => string | undefined): PreparedStep {
  const target = view.entry(seq);
  const type = target.entry.type;
  if (type === REDACTION_TYPE) fail('NOT_REDACTABLE', `entry ${seq} is a redaction record and cannot be redacted`, { seq });
  const keeper = keptBy(type);
  if (keeper !== undefined) fail('NOT_REDACTABLE', `entry ${seq} is a ${type} entry, which extension ${keeper} keeps unredactable`, { seq, extension: keeper });
  if (target.erased) fail('ALREADY_REDACTED', `the payload of entry ${seq} is already erased`, { seq });
  const record = { caseId: target.entry.caseId, type: REDACTION_TYPE, actor: options.actor, payload: redactionPayload(seq, target.leaf, options.reason) };
  return prepareStep({ ...record, ...(options.time === undefined ? {} : { time: options.time }) }, 'redaction', ctx, 'redaction');
}
