/** A pack exercising what the example does not: CEL with aggregates and latest steps, blocking rules, escalation. */
import { readFileSync } from 'node:fs';
import { loadPack, type Pack } from '../../src/index.js';

export const ENGINE_PACK_YAML = readFileSync(new URL('../vectors/inputs/engine-test.yaml', import.meta.url), 'utf8');

export function enginePack(): Pack {
  return loadPack(ENGINE_PACK_YAML, 'engine-test.yaml');
}
