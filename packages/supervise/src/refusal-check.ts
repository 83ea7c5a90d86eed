/**
 * Checking a recorded refusal (`casetrail.refused`, docs/supervision.md §5.6):
 * the pack in force has each named rule with `block: true`, watching the
 * attempted type, at the recorded level and version, and the recorded facts
 * are what the rule records. The attempt is evaluated as if appended at the
 * refusal's own position (seq and time of the refusal entry).
 */
import { finding, type Finding } from './alerts.js';
import type { CaseState } from './case-state.js';
import { canonicalJson } from './canonical-json.js';
import { REDACTED, type LedgerEntry } from './entry-model.js';
import type { Pack } from './pack-model.js';
import { evaluateStepRule, replayStepRule } from './step-rules.js';
import type { Refusal } from './system-entries.js';

const same = (a: unknown, b: unknown): boolean => {
  try {
    return canonicalJson(a) === canonicalJson(b);
  } catch {
    return false;
  }
};

export function checkRefusal(pack: Pack | null, state: CaseState | undefined, entry: LedgerEntry, r: Refusal): Finding[] {
  const bad = (msg: string, rule?: string): Finding[] => [finding('REFUSAL_INVALID', entry.seq, entry.caseId, msg, rule === undefined ? {} : { rule })];
  if (pack === null) return bad('a refusal with no pack in force');
  if (r.pack !== pack.hash) return bad(`the refusal cites pack ${r.pack}, the pack in force is ${pack.hash}`);
  const attempt: LedgerEntry = { seq: entry.seq, time: entry.time, caseId: r.attempt.case, step: 0, type: r.attempt.type, actor: r.attempt.actor, data: REDACTED };
  for (const rr of r.rules) {
    const rule = pack.ruleById.get(rr.id);
    if (rule === undefined || rule.kind === 'deadline' || rule.kind === 'escalate' || !rule.block) return bad(`rule ${rr.id} is not a blocking rule of the pack in force`, rr.id);
    if (!rule.on.includes(r.attempt.type)) return bad(`rule ${rr.id} does not watch ${r.attempt.type}`, rr.id);
    if (rule.level !== rr.level || rule.version !== rr.version) return bad(`rule ${rr.id} is version ${rule.version} at level ${rule.level}`, rr.id);
    const v = evaluateStepRule(rule, attempt, state, pack);
    if ('unknown' in v) {
      // The payload of a refused step is not recorded: rules that read it are replayed from the facts.
      const facts = replayStepRule(rule, rr.facts, attempt, pack);
      if (facts === null || !same(facts, rr.facts)) return bad(`the recorded facts of ${rr.id} do not make it refuse`, rr.id);
    } else if (r.attempt.line === null || r.attempt.line === 1) {
      // Later lines of a batch saw the earlier lines, which were never stored: not checkable here.
      if (!v.fire || !same(v.facts, rr.facts)) return bad(`rule ${rr.id} does not refuse this attempt at this point`, rr.id);
    }
  }
  return [];
}
