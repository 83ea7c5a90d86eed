/**
 * The journal that makes a writer's transaction undoable (case-table.ts):
 * after any sequence of changes — sets, deletes, clears, a key changed many
 * times — a rollback gives back the map as it was at begin(), and a commit
 * keeps exactly what a plain Map given the same changes holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JournaledMap, JournaledSet } from '../src/case-table.js';

type Op = { op: 'set'; k: string; v: number } | { op: 'delete'; k: string } | { op: 'clear' };
const key = fc.constantFrom('a', 'b', 'c', 'd', 'e');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), k: key, v: fc.integer({ min: 0, max: 9 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), k: key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

function apply(m: { set(k: string, v: number): void; delete(k: string): unknown; clear(): void }, ops: readonly Op[]): void {
  for (const o of ops) {
    if (o.op === 'set') m.set(o.k, o.v);
    else if (o.op === 'delete') m.delete(o.k);
    else m.clear();
  }
}

const sorted = (m: Iterable<[string, number]>): [string, number][] => [...m].sort((x, y) => (x[0] < y[0] ? -1 : 1));

describe('JournaledMap', () => {
  it('rollback restores the map of begin(); commit keeps what a plain Map holds (2,000 random histories)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 12 }), fc.array(opArb, { maxLength: 30 }), fc.boolean(), (before, during, commit) => {
        const j = new JournaledMap<string, number>();
        const plain = new Map<string, number>();
        apply(j, before);
        apply(plain, before);
        const atBegin = sorted(plain);
        j.begin();
        apply(j, during);
        apply(plain, during);
        expect(sorted(j)).toEqual(sorted(plain));
        if (commit) {
          j.commit();
          expect(sorted(j)).toEqual(sorted(plain));
          j.rollback(); // outside a transaction: nothing to undo
          expect(sorted(j)).toEqual(sorted(plain));
        } else {
          j.rollback();
          expect(sorted(j)).toEqual(atBegin);
        }
        expect(j.size).toBe(commit ? plain.size : atBegin.length);
      }),
      { numRuns: 2000, seed: 7 },
    );
  });

  it('a key changed many times in one transaction comes back to its first value; one absent at begin() is absent again', () => {
    const j = new JournaledMap<string, number>();
    j.set('x', 1);
    j.begin();
    for (let i = 2; i < 50; i++) j.set('x', i);
    j.delete('x');
    j.set('y', 5);
    j.set('y', 6);
    j.rollback();
    expect(sorted(j)).toEqual([['x', 1]]);
  });

  it('a set: rollback undoes adds and deletes', () => {
    const s = new JournaledSet<string>();
    s.add('a');
    s.begin();
    s.add('b');
    s.delete('a');
    s.add('a');
    s.delete('a');
    s.rollback();
    expect([...s]).toEqual(['a']);
  });
});
