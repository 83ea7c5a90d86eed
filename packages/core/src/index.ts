/**
 * @casetrail/core: a tamper-evident, hash-chained, append-only audit ledger
 * for case systems. See docs/api.md.
 *
 * This is the Node entry point: it installs node:crypto as the hash and
 * Ed25519 provider (identical verdicts, faster) explicitly, here, and
 * nowhere else; `@casetrail/core/pure` (= @casetrail/verify) never does.
 */
import { installNodeCrypto } from './node/node-crypto.js';

installNodeCrypto();

export * from './pure.js';
export { installNodeCrypto, nodeHashes, nodeEd25519 } from './node/node-crypto.js';
export { resolveSigner, readSignerKeyFile, resolveSignerState, type SignerInput, type SignerStateInput } from './node/signer.js';
export {
  MemorySignerState,
  SIGNER_STATE_FORMAT,
  formatSignerState,
  parseSignerState,
  type SignerState,
  type SignerStateStore,
  type TreeHead,
} from './node/signer-state.js';
export { FileSignerState, stateFileOf } from './node/signer-state-file.js';
export type { Adoption } from './ledger/signer-adoption.js';
export { openTempFile, writeTempFile, linkNewFile, removeFile, syncDirectoryOf } from './node/durable-file.js';
export { Ledger } from './ledger/ledger.js';
export { prepareStatement } from './ledger/prepare.js';
export { checkedCheckpoint, type BundleExport, type BundleExportOptions, type BundleWriter, type TlogProofFile, type WitnessBodyFile, type WitnessBodyOptions } from './ledger/evidence.js';
export * from './ledger/types.js';
export { checkStoredRow, type CommittedStep } from './ledger/rows.js';
export type {
  LedgerExtension,
  ExtensionContext,
  ExtensionEndContext,
  ExtensionBatchContext,
  BatchStep,
  ExtensionView,
  ExtensionLimits,
  ExtensionStats,
  SystemStepInput,
  SystemTypeValidator,
} from './ledger/extensions.js';
export { followLedger, type CommitEvent, type CommitListener, type FollowOptions } from './ledger/commits.js';
export { assertReport, verifyLedger, type VerifyIssue, type VerifyOptions, type VerifyProgress, type VerifyReport, type WitnessedCheckpoint } from './verify/verify.js';
export { createStore, openStore, registerStoreDriver, type StoreDriver, type StoreOptions } from './store/open.js';
export { MemoryStore } from './store/memory/memory-store.js';
export { SqliteStore, type Durability } from './store/sqlite/sqlite-store.js';
export { NodeCache } from './store/store.js';
export type { LedgerStore, ReadView, WriteTx, WriteHints, EntryRow, EntryColumns, CheckpointRow, CosignatureRow, RedactionRow, TailRow, QueryFilter } from './store/store.js';
