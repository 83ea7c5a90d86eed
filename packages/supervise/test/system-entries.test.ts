/**
 * The payloads of the supervision system entries (docs/supervision.md §5):
 * every encoder's output parses back; the parsers refuse non-canonical text,
 * extra keys, wrong cases and inconsistent hashes with MALFORMED_SYSTEM_ENTRY.
 */
import { describe, expect, it } from 'vitest';
import {
  CALENDAR_MISSING_RULE,
  SYSTEM_CASE,
  TYPES,
  canonicalJson,
  encodeAlert,
  encodeCalendarAdopted,
  encodeDisposition,
  encodeRefusal,
  encodeRulesAdopted,
  encodeTick,
  isSupervisionError,
  parseSystemPayload,
  systemEntryValidators,
  type SupervisionType,
} from '../src/index.js';
import { cnCalendar, examplePack } from './helpers/sim-ledger.js';

const at = (caseId: string, seq = 10, time = 1_760_000_000_000) => ({ seq, time, caseId });
const alert = { facts: { missing: ['basis'] }, level: 'yellow', pack: 'a'.repeat(64), reason: { en: 'e', zh: 'z' }, rule: 'content.decision-basis', ruleVersion: 1, triggeredBy: [3, 4] };
const refusal = { attempt: { actor: 'a', case: 'XK-1', line: null, type: 'approval.decided' }, pack: 'b'.repeat(64), reason: { en: 'e', zh: 'z' }, rules: [{ facts: {}, id: 'r', level: 'red', version: 1 }] };

const good: [SupervisionType, string, string][] = [
  [TYPES.rulesAdopted, encodeRulesAdopted(examplePack()), SYSTEM_CASE],
  [TYPES.calendarAdopted, encodeCalendarAdopted(cnCalendar()), SYSTEM_CASE],
  [TYPES.tick, encodeTick(1_760_000_000_000), SYSTEM_CASE],
  [TYPES.alert, encodeAlert(alert), 'XK-1'],
  [TYPES.alertDisposed, encodeDisposition({ alert: 5, outcome: 'explained', reason: '已说明' }), 'XK-1'],
  [TYPES.refused, encodeRefusal(refusal), SYSTEM_CASE],
];

function malformed(type: SupervisionType, text: string, caseId: string, seq = 10): string {
  try {
    parseSystemPayload(type, text, at(caseId, seq));
  } catch (e) {
    if (isSupervisionError(e, 'MALFORMED_SYSTEM_ENTRY')) return e.message;
    throw e;
  }
  throw new Error('accepted');
}

describe('system entry payloads', () => {
  for (const [type, text, caseId] of good) {
    it(`${type}: the encoder's output is canonical and parses`, () => {
      expect(canonicalJson(JSON.parse(text))).toBe(text);
      expect(() => parseSystemPayload(type, text, at(caseId))).not.toThrow();
      expect(() => systemEntryValidators[type](text, at(caseId))).not.toThrow();
      expect(() => systemEntryValidators[type](`${text} `, at(caseId))).toThrow(/canonical/);
    });
    it(`${type}: refused when not canonical, with an extra key, or in the wrong case`, () => {
      expect(malformed(type, JSON.stringify(JSON.parse(text), null, 1), caseId)).toMatch(/canonical/);
      expect(malformed(type, canonicalJson({ ...(JSON.parse(text) as object), zz: 1 }), caseId)).toMatch(/exactly the keys/);
      expect(malformed(type, text, caseId === SYSTEM_CASE ? 'XK-1' : SYSTEM_CASE)).toMatch(/belongs to/);
    });
  }
  it('the exact key set, in any order when the value is given parsed: a key missing, renamed or added is refused', () => {
    const reversed = Object.fromEntries(Object.entries(alert).reverse());
    expect(Object.keys(reversed)[0]).toBe('triggeredBy');
    expect(parseSystemPayload(TYPES.alert, { value: reversed }, at('XK-1')).rule).toBe('content.decision-basis');
    const { level: _level, ...missing } = alert;
    const cases: [string, unknown][] = [
      ['missing', missing],
      ['renamed', { ...missing, levels: 'yellow' }],
      ['added', { ...alert, zz: 1 }],
      ['reason with a renamed key', { ...alert, reason: { en: 'e', zh_: 'z' } }],
    ];
    for (const [, value] of cases) {
      let err: unknown;
      try {
        parseSystemPayload(TYPES.alert, { value }, at('XK-1'));
      } catch (e) {
        err = e;
      }
      expect(isSupervisionError(err) && err.code === 'MALFORMED_SYSTEM_ENTRY' && /exactly the keys/.test(err.message)).toBe(true);
    }
  });
  it('the example pack adoption records the pinned engine versions and the pack hash', () => {
    const p = parseSystemPayload(TYPES.rulesAdopted, encodeRulesAdopted(examplePack()), at(SYSTEM_CASE));
    expect(p.engine).toEqual({ cel: '@marcbachmann/cel-js@8.0.0', supervise: '3' });
    expect(p.hash).toBe(examplePack().hash);
  });
  it('a calendar whose hash is not its table’s, a tick whose now is not its time', () => {
    const cal = JSON.parse(encodeCalendarAdopted(cnCalendar())) as { hash: string };
    expect(malformed(TYPES.calendarAdopted, canonicalJson({ ...cal, hash: '0'.repeat(64) }), SYSTEM_CASE)).toMatch(/hash/);
    expect(malformed(TYPES.tick, encodeTick(5), SYSTEM_CASE)).toMatch(/now must equal/);
  });
  it('an alert triggered by itself or a later entry, a disposition of a later seq, an unknown outcome', () => {
    expect(malformed(TYPES.alert, encodeAlert({ ...alert, triggeredBy: [10] }), 'XK-1')).toMatch(/earlier/);
    expect(malformed(TYPES.alert, encodeAlert({ ...alert, triggeredBy: [4, 3] }), 'XK-1')).toMatch(/ascending/);
    expect(malformed(TYPES.alertDisposed, encodeDisposition({ alert: 11, outcome: 'explained', reason: 'x' }), 'XK-1')).toMatch(/earlier/);
    expect(malformed(TYPES.alertDisposed, canonicalJson({ alert: 5, outcome: 'ignored', reason: 'x' }), 'XK-1')).toMatch(/outcome/);
  });
  it('the calendar-missing alert belongs to the system case', () => {
    const m = encodeAlert({ ...alert, rule: CALENDAR_MISSING_RULE });
    expect(() => parseSystemPayload(TYPES.alert, m, at(SYSTEM_CASE))).not.toThrow();
    expect(malformed(TYPES.alert, m, 'XK-1')).toMatch(/belongs to/);
  });
});
