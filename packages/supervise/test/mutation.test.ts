/**
 * Property: on an honest ledger, changing any one character of any recorded
 * alert's payload (as stored) is found by the audit.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TYPES, audit, type LedgerEntry } from '../src/index.js';
import { buildExampleLedger } from './helpers/scenarios.js';

const { sim } = buildExampleLedger();
const alertSeqs = sim.entries.filter((e) => e.type === TYPES.alert).map((e) => e.seq);

describe('any single change to an alert is detected', () => {
  it('the honest ledger is clean', () => expect(audit(sim.entries).ok).toBe(true));
  it('one character of one alert payload replaced', () => {
    fc.assert(
      fc.property(fc.nat(alertSeqs.length - 1), fc.nat(), fc.integer({ min: 0x20, max: 0x7e }), (which, pos, code) => {
        const seq = alertSeqs[which]!;
        const e = sim.entries[seq]!;
        const text = e.payload!;
        const i = pos % text.length;
        if (text.charCodeAt(i) === code) return;
        const changed = text.slice(0, i) + String.fromCharCode(code) + text.slice(i + 1);
        let data: unknown;
        try {
          data = JSON.parse(changed);
        } catch {
          data = changed; // not JSON any more: stored bytes the decoder would still hand over as text
        }
        const entries: LedgerEntry[] = sim.entries.map((x) => (x.seq === seq ? { ...x, data, payload: changed } : x));
        expect(audit(entries).ok).toBe(false);
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});
