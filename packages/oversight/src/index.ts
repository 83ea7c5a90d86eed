/**
 * @casetrail/oversight: how a superior office follows its subordinates'
 * ledgers (docs/oversight.md) — a c2sp.org/tlog-witness witness that keeps
 * split-view evidence, and the monitor that verifies, audits and cosigns
 * their checkpoints each round.
 */
export { initWitness, Witness, WITNESS_FILES, type WitnessAnswer, type WitnessStatus, type AddCheckpointOptions } from './witness/witness.js';
export { WITNESS_STATE_FORMAT, MAX_HISTORY, parseWitnessState, formatWitnessState, type WitnessStateData, type LogState, type CosignedCheckpoint } from './witness/state.js';
export { EVIDENCE_FORMAT, MAX_EVIDENCE, listEvidence, type EvidenceRecord, type EvidenceKind, type StoredEvidence } from './witness/evidence.js';
export { lockStateDir, type StateLock } from './durable/lock.js';
