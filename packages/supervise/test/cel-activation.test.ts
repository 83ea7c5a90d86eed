/**
 * The CEL activation a rule is evaluated on, built straight from the step and
 * the case summary (celActivation), is exactly the one built from the rule's
 * facts (celContext of gatherCelFacts), which is what an alert records and
 * what a replay from recorded facts evaluates. Checked before every step of
 * random histories, for every CEL program of the step's type, over packs
 * that read every kind of input: step properties, data of every field type
 * (wrong types, over-limit strings and lists), counts (named and whole),
 * the first time, the latest step of a type, aggregates, and erased payloads.
 * Each program's activation is one set of values filled again for every
 * evaluation, so the histories also hold that nothing of an earlier step
 * stays in it (a field the next step lacks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { celActivation, celContext, gatherCelFacts } from '../src/cel-facts.js';
import { loadPack, type Pack } from '../src/index.js';
import { PACK_YAML as BENCH_PACK } from '../bench/bench-pack.mjs';
import { enginePack } from './helpers/engine-pack.js';
import { SimLedger } from './helpers/sim-ledger.js';

const READS_ALL = `casetrail: supervise/1
pack: reads-all
version: 1
steps:
  a: { fields: { n: int, s: { type: string, maxLength: 8, optional: true }, l: { type: list, of: int, maxItems: 3, optional: true }, who: string, ok: { type: bool, optional: true } } }
  b: { fields: { who: string, t: { type: list, of: string, maxItems: 2, optional: true } } }
aggregates: { tot: { kind: sum, of: a, field: n }, cnt: { kind: count, of: b }, lo: { kind: min, of: a, field: n } }
rules:
  - { id: r1, version: 1, point: other, kind: cel, on: [a], level: red, message: { zh: x, en: y }, when: 'step.seq > 0 && step.time >= case.first && step.type == "a" && step.case != "" && step.actor != step.data.who' }
  - { id: r2, version: 1, point: other, kind: cel, on: [a, b], level: red, message: { zh: x, en: y }, when: 'case.count["a"] > 1 || size(case.count) > 5 || "b" in case.count' }
  - { id: r3, version: 1, point: other, kind: cel, on: [b], level: red, message: { zh: x, en: y }, when: '"a" in case.latest && case.latest["a"].data.n > 3 && case.latest["a"].actor == step.actor && case.latest["a"].seq < step.seq && case.latest["a"].time <= step.time' }
  - { id: r4, version: 1, point: other, kind: cel, on: [a], level: red, message: { zh: x, en: y }, when: '(has(step.data.s) && step.data.s.size() > 4) || (has(step.data.l) && step.data.l.exists(x, x > 2)) || (has(step.data.ok) && step.data.ok)' }
  - { id: r5, version: 1, point: other, kind: cel, on: [b], level: red, message: { zh: x, en: y }, when: 'case.agg.tot > 10 && case.agg.cnt >= 0 && case.agg.lo < 100 && (has(step.data.t) && step.data.t.exists(x, x == "k"))' }
`;

const value = fc.oneof(
  fc.integer({ min: -5, max: 20 }),
  fc.constantFrom('k', 'abc', 'x'.repeat(12), '', 'clerk:wang', 'director:chen'),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom('k', 'z')), { maxLength: 4 }),
  fc.constant({ nested: 1 }),
  fc.constant(2 ** 60),
);

/** A random step: a type and actor, and data with some of the packs' field names (any value, or none). */
const stepArb = (types: readonly string[]) =>
  fc.record({
    caseId: fc.constantFrom('K1', 'K2', 'K3'),
    type: fc.constantFrom(...types),
    actor: fc.constantFrom('clerk:wang', 'director:chen', 'a'),
    data: fc.dictionary(fc.constantFrom('n', 's', 'l', 'who', 'ok', 't', 'item', 'amountFen', 'handler', 'reviewer', 'text', 'decision', 'basis', 'box'), value, { maxKeys: 5 }),
    redact: fc.integer({ min: 0, max: 9 }),
  });

function check(pack: Pack, steps: readonly { caseId: string; type: string; actor: string; data: Record<string, unknown>; redact: number }[]): number {
  const sim = new SimLedger();
  sim.adoptPack(pack, 1);
  let compared = 0;
  let time = 10;
  for (const s of steps) {
    time += 60_000;
    const seq = sim.entries.length;
    const entry = { seq, time, caseId: s.caseId, step: 0, type: s.type, actor: s.actor, data: s.data };
    const state = sim.supervisor.caseState(s.caseId);
    for (const rule of pack.stepRules.get(s.type) ?? []) {
      if (rule.kind !== 'cel') continue;
      const program = rule.programs.get(s.type);
      if (program === undefined) continue;
      const facts = gatherCelFacts(program.reads, entry, state, pack);
      const direct = celActivation(program, entry, state, pack);
      if ('unknown' in facts) expect(direct).toEqual(facts);
      else expect(direct).toEqual(celContext(facts, s.type, pack, program.messages));
      compared++;
    }
    sim.append(s.caseId, s.type, s.actor, s.data, time);
    // Now and then the step's payload is erased: later steps read it as erased.
    if (s.redact === 0) sim.redact(seq, 'test', time);
  }
  return compared;
}

describe('celActivation equals celContext(gatherCelFacts(…))', () => {
  const packs: [string, Pack][] = [
    ['a pack reading every kind of input', loadPack(READS_ALL)],
    ['the 20-rule bench pack', loadPack(BENCH_PACK)],
    ['the engine test pack', enginePack()],
  ];
  for (const [name, pack] of packs) {
    it(`${name}: before every step of 200 random histories of up to 30 steps`, () => {
      let compared = 0;
      fc.assert(
        fc.property(fc.array(stepArb([...pack.steps.keys()]), { minLength: 1, maxLength: 30 }), (steps) => {
          compared += check(pack, steps);
        }),
        { numRuns: 200, seed: 11 },
      );
      // The histories reach the rules: hundreds of activations compared.
      expect(compared).toBeGreaterThan(400);
    });
  }
});
