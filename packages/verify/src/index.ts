/**
 * @casetrail/verify: everything casetrail needs that touches no database and
 * no Node-only module — the entry codec, RFC 9162 Merkle proofs, C2SP signed
 * notes, checkpoints and cosignatures, the proof artifacts and evidence
 * bundles, and the format rules verification applies. It runs in a browser
 * as it is, and installs with no native build.
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
