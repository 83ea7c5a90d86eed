/**
 * @casetrail/supervise — the supervision engine of casetrail: rule packs,
 * working-day deadlines, graded alerts, and their exact audit. Pure: its
 * input is a stream of decoded ledger entries (docs/supervision.md).
 */
export { SupervisionError, isSupervisionError, formatPosition, type SupervisionErrorCode, type SourcePosition } from './errors.js';
export { canonicalJson, parseCanonicalJson } from './canonical-json.js';
export {
  compileCalendar,
  kthWorkingDay,
  elapsedBy,
  dayFromDate,
  dateFromDay,
  dayOf,
  endOfDay,
  weekday,
  NO_EXCLUSIONS,
  type Calendar,
  type CalendarTable,
  type Exclusions,
  type KthDay,
  type Elapsed,
} from './calendar.js';
export { REDACTED, SYSTEM_CASE, TYPES, RESERVED_PREFIX, isOrdinaryType, type LedgerEntry, type Redacted } from './entry-model.js';
export type { Pack, Rule, StepRule, DeadlineRule, EscalateRule, Message, Point, StepDecl, FieldDecl, Aggregate } from './pack-model.js';
export { loadPack, packFromCanonical, packFromJson } from './pack-load.js';
export { PACK_FORMAT, LIMITS as PACK_LIMITS, RESERVED_PACK_KEYS, RESERVED_RULE_KEYS } from './pack-schema.js';
export { CEL_LIMITS } from './cel.js';
export {
  ENGINE,
  ENGINE_REPLAYS,
  replaysPack,
  OUTCOMES,
  CALENDAR_MISSING_RULE,
  isSupervisionType,
  parseSystemPayload,
  systemEntryValidators,
  encodeRulesAdopted,
  encodeCalendarAdopted,
  encodeTick,
  encodeAlert,
  encodeDisposition,
  encodeRefusal,
  type SupervisionType,
  type SystemPayload,
  type SystemEntryContext,
  type AlertPayload,
  type Disposition,
  type Refusal,
  type RefusedRule,
  type Outcome,
} from './system-entries.js';
export { FINDING_SEVERITY, type ExpectedAlert, type Finding, type FindingCode } from './alerts.js';
export { Supervisor, createSupervisor, type StepOutcome, type StepInput, type BlockedRule, type UnknownVerdict, type SupervisorOptions } from './supervisor.js';
export type { CaseState, RaisedAlert, ClockState, LatestStep, DataStatus } from './case-state.js';
export { caseStateToJson } from './case-state.js';
export { audit, tryPack, foldCase, adoptedPacks, DEFAULT_MAX_CASES, type AuditOptions, type AuditReport, type TryReport, type ShadowAlert, type EntrySource } from './audit.js';
// The violations ledger (docs/supervision.md §14).
export {
  POINTS_TYPES,
  POINTS_LIMITS,
  isPointsType,
  parsePointsPayload,
  encodeViolation,
  encodeRevocation,
  encodeSummary,
  encodeStanding,
  standingCase,
  pointsEntryValidators,
  type PointsType,
  type PointsPayload,
  type Violation,
  type Revocation,
  type Summary,
  type SummarySubject,
  type Standing,
  type StandingMonth,
} from './points/entries.js';
export { Tally, tallyOf, standingCycle, type TallyLine } from './points/standing.js';
export { remainingPoints, measureReached, subjectAllowed, type PointsModel, type ViolationCode, type Measure, type Charge, type RuleViolation, type PeriodKind } from './points/model.js';
export { parsePeriod, periodLabel, periodBounds, periodAt, periodFinder, cycleOf, type Period } from './points/periods.js';
export { checkViolation, checkRevocation, confirmationOf, chargedSubject, violationDue, type CheckInput, type Verdict, type Confirmation } from './points/checks.js';
export { PointsBook, revocationProblem, differingSubjects, type ViolationLookup } from './points/book.js';
export { countPeriod, countedRoot, summaryOf, periodProblem, type ViolationRecord, type Totals } from './points/totals.js';
export { NO_UNITS, LedgerUnits, ledgerUnits, type UnitResolver } from './points/units.js';
// The directory's membership entries, read here for units and written by the oversight layer (docs/oversight.md §8).
export {
  DIRECTORY_CASE,
  MEMBERSHIP_TYPES,
  MAX_UNIT_NAME,
  isMembershipType,
  parseMembershipPayload,
  directoryValue,
  exactKeys,
  malformed as malformedDirectoryPayload,
  unitNameProblem,
  checkUnitName,
  checkRole,
  checkRoles,
  checkActorId,
  type MembershipType,
  type PayloadInput,
  type UnitAdded,
  type ActorEnrolled,
  type ActorRotated,
  type ActorRevoked,
} from './directory/entries.js';
export { UnitDirectory, takeDirectoryEntry, type Enrolment, type KeyPeriod, type UnitNode, type DirectoryEntryInput } from './directory/membership.js';
export { summaryInclusionPath } from './points/summary-proof.js';
