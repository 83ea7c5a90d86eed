/**
 * @casetrail/oversight: how a superior office follows its subordinates'
 * ledgers (docs/oversight.md) — a c2sp.org/tlog-witness witness that keeps
 * split-view evidence, and the monitor that verifies, audits and cosigns
 * their checkpoints each round — and clue transfer between two ledgers, with
 * proof on both sides.
 */
export { initWitness, Witness, WITNESS_FILES, type WitnessAnswer, type WitnessStatus, type AddCheckpointOptions } from './witness/witness.js';
export { WITNESS_STATE_FORMAT, MAX_HISTORY, parseWitnessState, formatWitnessState, type WitnessStateData, type LogState, type CosignedCheckpoint } from './witness/state.js';
export { EVIDENCE_FORMAT, MAX_EVIDENCE, listEvidence, type EvidenceRecord, type EvidenceKind, type StoredEvidence } from './witness/evidence.js';
export { lockStateDir, type StateLock } from './durable/lock.js';
export { parseMonitorConfig, loadMonitorConfig, MAX_UNITS, type MonitorConfig, type MonitoredLedger } from './monitor/config.js';
export { parseDuration, MAX_DURATION_MS } from './monitor/duration.js';
export { MONITOR_STATE_FORMAT, parseMonitorState, formatMonitorState, type MonitorStateData, type UnitState, type SeenCheckpoint } from './monitor/state.js';
export { supervisionAuditor, alertOverview, type Auditor, type AuditInput, type MonitorAudit, type AlertOverview } from './monitor/overview.js';
export { unitFileName, type UnitReport, type WitnessReport, type UnitProblemCode } from './monitor/unit.js';
export { monitorRound, runMonitor, MONITOR_STATE_FILE, type MonitorOptions, type RoundReport, type RunOptions } from './monitor/round.js';
export { DIRECTORY_CASE, REFUSALS_CASE, LEVEL_TYPES, DIRECTORY_TYPES, LEVELS_EXTENSION, ACTIONS, parseLevelsPayload, encodeLevelsPayload, levelsValidators, levelsRegistry, isLevelType, type Action, type LevelType, type UnitAdded, type ActorEnrolled, type ActorRotated, type ActorRevoked, type PolicyAdopted, type Denied } from './levels/entries.js';
export { Directory, type Enrolment, type KeyPeriod, type UnitNode, type PolicyInForce } from './levels/directory.js';
export { POLICY_FORMAT, POLICY_LIMITS, loadPolicy, normalizePolicy, canonicalPolicy, policyHash, compilePolicy, typeMatches, type Policy, type PolicyRule, type CompiledPolicy, type Scope, type Condition } from './levels/policy.js';
export { decide, type Decision, type Request, type Resource } from './levels/decide.js';
export { actOf, type Act } from './levels/acts.js';
export { oversee, LevelsGuard, type OverseeOptions, type WrittenBy } from './levels/guard.js';
export { LevelsReplay, type LevelsFinding, type LevelsFindingCode, type ReplayEntry, type Lookup } from './levels/replay.js';
export { auditLevels, readLevels, casetrailValidators, LevelsView, type LevelsAudit, type AuditLevelsOptions } from './levels/ledger-file.js';
export { CLUE_TRANSFERRED, CLUE_RECEIVED, MAX_UNIT_NAME, MAX_TRANSFER_REASON, encodeTransferStep, parseTransferStep, encodeClueReceipt, parseClueReceipt, type TransferStepData, type ClueReceipt, type CitedEntry } from './transfer/payloads.js';
export { readTransferBundle, MAX_TRANSFER_BUNDLE_BYTES, type TransferBundle, type ReadTransferOptions } from './transfer/bundle.js';
export { transferClue, receiveClue, type StepWriter, type TransferOptions, type TransferExport, type ReceiveOptions, type ReceivedClue } from './transfer/transfer.js';
export { checkClueReceipt, type ClueReceiptCheck, type ClueReceiptProblem, type CheckClueReceiptOptions } from './transfer/check.js';
