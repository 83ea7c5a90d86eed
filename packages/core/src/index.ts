/**
 * @casetrail/core: a tamper-evident, hash-chained, append-only audit ledger
 * for case systems. See docs/api.md.
 */
export * from './pure.js';
export { installNodeCrypto, nodeHashes, nodeEd25519 } from './node-crypto.js';
export * from './ledger.js';
export * from './verify.js';
export { resolveSigner, readSignerKeyFile, type SignerInput } from './signer.js';
export type { Durability } from './store/sqlite-store.js';
