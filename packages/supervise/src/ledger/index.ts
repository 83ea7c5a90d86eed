/**
 * @casetrail/supervise/ledger — supervision on a casetrail ledger (Node):
 * the writer that screens every append inside its transaction, the registry
 * of supervision system types, and the audit, shadow replay and alert list
 * of a ledger file (docs/supervision.md §13).
 */
export { supervise, SupervisedLedger, type SuperviseOptions, type SupervisedReceipt, type AlertRef, type DryRun, type DisposeReceipt, type ViolationRef } from './supervised-ledger.js';
export { storedBook, viewUnits, unitsSnapshot, checkStoredViolations, type DirectViolation, type ViolationProblem } from './points-writer.js';
export { supervisionRegistry, supervisionValidators, SUPERVISION_TYPES, EXTENSION_NAME, refusalOf } from './registry.js';
export { provenAdoptions, provenSystemEntries, type ProvenAdoption } from './adoptions.js';
export { storedEntry, storedEntries, storedCaseHistory, verifiedEntries, payloadText, type RowTrust } from './stored.js';
export { auditLedger, inSnapshot, tryPackOnLedger, ledgerAdoptions, ledgerAlerts, openAlerts, type LedgerAudit, type AuditLedgerOptions, type AdoptedPack, type AdoptedCalendar, type AlertRow, type OpenAlerts } from './reports.js';
export { checkpointEntries, provenIn, type CheckpointRef } from './checkpoint.js';
export { ledgerPoints, ledgerSteps, pointsPackIn, choosePeriod, type PointsReport, type PointsPack, type SubjectLine, type ViolationRow, type StepRef } from './points-report.js';
export { ledgerRecord, type SubjectRecord, type RecordAlert } from './person-record.js';
export { proveInSummary, type SummaryProof } from './summary-proof.js';
export { standingsAt, cycleTally, latestStanding, type CycleTally, type FoldCheck } from './standings.js';
