/**
 * A real ledger holding a supervised history: the entries the supervision
 * test bench (packages/supervise/test/helpers) computes — packs, steps,
 * alerts, ticks — appended through the core's public API with the bench's
 * times, system entries through appendSystem.
 */
import { Ledger, isReserved, utf8 } from '@casetrail/core';
import { TYPES, type LedgerEntry as SupervisedEntry } from '@casetrail/supervise';
import { stateOf, type Subordinate } from './ledgers.js';

export async function writeSupervised(s: Subordinate, entries: readonly SupervisedEntry[], path = s.path): Promise<void> {
  let now = entries[0]?.time ?? 0;
  const ledger = await Ledger.create(path, { origin: s.origin, signer: s.skey, signerState: stateOf(path), clock: () => now });
  const accept = () => undefined;
  ledger.use({ name: 'supervision-bench', systemTypes: Object.fromEntries(Object.values(TYPES).filter((t) => t !== TYPES.redaction).map((t) => [t, accept])) });
  try {
    for (const e of entries) {
      now = e.time;
      if (isReserved(e.type) || isReserved(e.caseId)) await ledger.appendSystem([{ caseId: e.caseId, type: e.type, actor: e.actor, data: e.data }]);
      else await ledger.append({ caseId: e.caseId, type: e.type, actor: e.actor, time: e.time, payload: utf8(e.payload ?? JSON.stringify(e.data)) });
    }
  } finally {
    await ledger.close();
  }
}
