/**
 * Witnesses and subordinate ledgers for the witness tests, each in a place
 * of its own under `root`: `fresh()` a new witness, `sub()` a new
 * subordinate ledger, `seq()` a number for any other new name.
 */
import { join } from 'node:path';
import { Witness, initWitness } from '../../src/index.js';
import { subordinate } from './ledgers.js';

export function witnessPlaces(root: string) {
  let n = 0;
  const seq = (): number => ++n;
  return {
    seq,
    fresh(name = 'province.example/witness'): Witness {
      const dir = join(root, `w${seq()}`);
      initWitness(dir, name);
      return Witness.open(dir);
    },
    sub(origin = 'city-a.example/cases'): ReturnType<typeof subordinate> {
      return subordinate(root, origin, `l${seq()}.ledger`);
    },
  };
}
