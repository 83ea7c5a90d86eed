/**
 * @casetrail/verify: everything casetrail needs that touches no database and
 * no Node-only module — the entry codec, RFC 9162 Merkle proofs, C2SP signed
 * notes, checkpoints and cosignatures, the proof artifacts and evidence
 * bundles, and the format rules every verifier applies. It runs in a browser
 * as it is, and installs with no native build.
 *
 * Floors (docs/decisions/0002-layout.md): errors, bytes, hash, args, cbor,
 * ed25519 → entry/ → tlog/ → checks/ → bundle/; a module imports only from
 * its own floor or the ones below.
 */
export * from './errors.js';
export { concatBytes, equalBytes, compareBytes, toHex, fromHex, toBase64, fromBase64, utf8 } from './bytes.js';
export { sha256, sha512, setHashProvider, hashProvider, nobleHashes, type HashProvider } from './hash.js';
export * from './cbor.js';
export * from './ed25519.js';
export * from './args.js';
export { INVISIBLE_RANGES, INVISIBLE_CHARACTER, invisibleCharacter, codePointName, escapeForDisplay } from './text.js';
export { MAX_PAYLOAD_DEPTH, jsonNestsDeeperThan } from './json-depth.js';

export {
  MAX_ENTRY_BYTES,
  MAX_ACTOR_SIGNATURES,
  ENTRY_VERSION,
  NONCE_BYTES,
  REDACTION_TYPE,
  RESERVED_PREFIX,
  ZERO_HASH,
  isReserved,
  validateText,
  validateNewText,
  encodeEntry,
  decodeEntry,
  type ActorSignature,
  type Entry,
} from './entry/entry.js';
export * from './entry/statement.js';
export * from './entry/payload.js';
export * from './entry/redaction.js';
export * from './entry/nonce.js';

export { EMPTY_ROOT, leafHash, nodeHash } from './tlog/merkle-hash.js';
export { perfectNodesOf, rootAt, rootFromLeaves, MerkleAccumulator, type PerfectNode, type NodeReader } from './tlog/merkle-range.js';
export * from './tlog/merkle-proof.js';
export * from './tlog/stored-nodes.js';
export {
  SIGNATURE_TYPE_ED25519,
  isValidKeyName,
  keyId,
  parseVerifierKey,
  parseSignerKey,
  formatVerifierKey,
  formatSignerKey,
  generateKeyPair,
  type NoteVerifier,
  type NoteSigner,
} from './tlog/note-keys.js';
export * from './tlog/note.js';
export * from './tlog/checkpoint.js';
export * from './tlog/tlog-proof.js';
export * from './tlog/witness-body.js';
export * from './tlog/cosignature.js';
export * from './tlog/witness-policy.js';

export * from './checks/issues.js';
export * from './checks/chain.js';
export * from './checks/redaction.js';
export * from './checks/nonces.js';
export * from './checks/signatures.js';
export * from './checks/nodes.js';
export * from './checks/row.js';
export * from './checks/system-entries.js';

export {
  BUNDLE_FORMAT,
  MAX_BUNDLE_LINE_BYTES,
  formatBundleHeader,
  formatBundleEntry,
  formatBundleTrailer,
  type BundleFilter,
  type BundleHeader,
  type BundleProvenEntry,
  type BundleRedaction,
  type BundleEntry,
  type BundleLine,
} from './bundle/format.js';
export { parseBundleLine, BundleLineReader } from './bundle/parse.js';
export * from './bundle/verify.js';
export * from './bundle/stream.js';
export * from './bundle/steps.js';
export { BundleErasures } from './bundle/erasures.js';
