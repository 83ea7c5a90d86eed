import { describe, expect, it } from 'vitest';
import { verifyBundle } from '../src/index.js';
import { KEYS } from './helpers/keys.js';
import { forgeHistory, wholeBundle } from './helpers/bundles.js';

describe('smoke', () => {
  it('honest', async () => {
    const h = forgeHistory([{ caseId: 'A' }, { caseId: 'B' }, { caseId: 'A' }, { caseId: 'A', redacts: 0 }]);
    const r = await verifyBundle(wholeBundle(h, new Map([[0, 3]])), KEYS.vkey);
    expect(r.issues).toEqual([]);
    console.log(r);
  });
});
