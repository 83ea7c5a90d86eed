import { ed25519PublicKey } from '../../src/index.js';
import { formatSignerKey, formatVerifierKey } from '../../src/index.js';

export const ORIGIN = 'casetrail.test/ledger';

const SEED = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

/** A fixed key pair so failures are reproducible. */
export const KEYS = { skey: formatSignerKey(ORIGIN, SEED), vkey: formatVerifierKey(ORIGIN, ed25519PublicKey(SEED)) };
