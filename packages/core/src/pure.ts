/**
 * The parts of casetrail that need no database and no Node-only module:
 * entry codec, Merkle proofs, signed notes and checkpoints, Ed25519 policy.
 * They run in a browser as they are (import '@casetrail/core/pure').
 */
export * from './errors.js';
export { concatBytes, equalBytes, compareBytes, toHex, fromHex, toBase64, fromBase64, utf8 } from './bytes.js';
export { sha256, sha512, setHashProvider, hashProvider, nobleHashes, type HashProvider } from './hash.js';
export * from './cbor.js';
export * from './entry.js';
export * from './merkle.js';
export * from './ed25519.js';
export * from './note.js';
export * from './checkpoint.js';
export * from './tlog-proof.js';
export * from './witness-body.js';
export * from './bundle.js';
