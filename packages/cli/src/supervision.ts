/**
 * What the supervision commands share (docs/cli.md "Supervision"): a ledger
 * opened with its signer and supervision attached, the verifier key derived
 * from that signer (adoptions are proven against checkpoints it signed), rule
 * pack and calendar files read as the user named them, and levels shown with
 * their Chinese names (提示/黄牌/红牌).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { userInfo } from 'node:os';
import { Ledger, LedgerError, formatVerifierKey, readSignerKeyFile } from '@casetrail/core';
import { oversee, type LevelsGuard } from '@casetrail/oversight';
import { TYPES, isSupervisionError, loadPack, parseSystemPayload, type CalendarTable, type Pack } from '@casetrail/supervise';
import { supervise, type SupervisedLedger } from '@casetrail/supervise/ledger';
import { StoppedError, usage } from './exit.js';
import { readBytesFile, resolvePath } from './inputs.js';
import type { Io } from './io.js';
import { ledgerPath } from './ledgers.js';
import { requireKeyFile } from './keys.js';
import { printable } from './output.js';
import { decodeUtf8 } from './text.js';

/** The login name: the default --actor of commands that record who acted. */
export function loginName(): string {
  try {
    return userInfo().username || 'casetrail-cli';
  } catch {
    return 'casetrail-cli';
  }
}

/**
 * Opens a ledger with its signing key, attaches supervision (every append
 * screened), runs `fn`, and closes both.
 * @param why - what needs the key, for the error message when none is found
 */
export async function withSupervisedLedger<T>(
  io: Io,
  path: string,
  keyFile: string | undefined,
  why: string,
  fn: (sup: SupervisedLedger, ledger: Ledger, guard: LevelsGuard) => Promise<T>,
  opts: { once?: boolean; dry?: boolean } = {},
): Promise<T> {
  const full = ledgerPath(io, path);
  const key = requireKeyFile(io, full, keyFile, why);
  const signer = readSignerKeyFile(key);
  // Through the key file: its signer state is the one beside it (format.md §10), shared with every command.
  const ledger = await Ledger.open(full, { signer: { keyFile: key } });
  try {
    const vkey = formatVerifierKey(signer.name, signer.publicKey);
    // The policy judges first (docs/oversight.md §9.3): a step it refuses is screened by nothing else.
    const guard = await oversee(ledger, { vkey });
    if (opts.dry) guard.mode = 'dry';
    try {
      const sup = await supervise(ledger, { vkey });
      try {
        // A command that reads its input as it goes (an import) is not run twice: it stops instead.
        return await guard.write(() => fn(sup, ledger, guard), opts.once ? { attempts: 1 } : {});
      } finally {
        await sup.close();
      }
    } finally {
      guard.close();
    }
  } finally {
    await ledger.close();
  }
}

/**
 * An append the adopted policy refused: exit 4, with the seq of the
 * recorded attempt (also in the --json error document as `denied`).
 */
export function deniedError(e: unknown): unknown {
  if (!(e instanceof LedgerError && e.code === 'POLICY_DENIED')) return e;
  const d = e.details as { reason?: string | null; rules?: string[]; recorded?: number[]; recordFailed?: string };
  const recorded = d.recorded?.[0];
  const note = recorded === undefined ? (d.recordFailed === undefined ? '' : `the attempt could not be recorded (${d.recordFailed})`) : `the attempt is recorded as entry ${recorded} (casetrail.denied)`;
  return new StoppedError(e, note, { denied: { reason: d.reason ?? null, rules: d.rules ?? [], recorded: recorded ?? null } });
}

/** Largest pack file read (the format's limit is 1 MiB: a larger one is PACK_LIMIT, from the loader). */
const MAX_PACK_FILE = 2 * 1024 * 1024;

/**
 * Reads and checks a rule pack file; errors name the file as the user gave it, with line and column.
 * @throws SupervisionError PACK_* (exit 2) wrapped with its position for --json
 */
export function readPack(io: Io, file: string): Pack {
  const text = decodeUtf8(readBytesFile(resolvePath(io, file), MAX_PACK_FILE, 'rule pack'), `rule pack ${file}`, file);
  try {
    return loadPack(text, file);
  } catch (e) {
    const d = (e as { details?: Record<string, unknown> }).details ?? {};
    throw new StoppedError(e, '', { ...(d['position'] === undefined ? {} : { position: d['position'] }), ...(d['path'] === undefined ? {} : { path: d['path'] }) });
  }
}

/** The mainland-China table shipped with @casetrail/supervise (2020–2026, from chinese-days, pinned). */
export function shippedCalendarPath(): string {
  return createRequire(import.meta.url).resolve('@casetrail/supervise/calendars/cn-mainland.json');
}

/** A calendar table file as JSON (docs/supervision.md §4.1); its checks are the library's (CALENDAR_INVALID). */
export function readCalendar(io: Io, file: string | undefined): { table: CalendarTable; file: string } {
  const path = file === undefined ? shippedCalendarPath() : resolvePath(io, file);
  const text = file === undefined ? readFileSync(path, 'utf8') : decodeUtf8(readBytesFile(path, 4 * 1024 * 1024, 'calendar'), `calendar ${file}`, file);
  try {
    return { table: JSON.parse(text) as CalendarTable, file: file ?? path };
  } catch (e) {
    throw usage(`calendar ${file ?? path} is not JSON (${(e as Error).message})`);
  }
}

const CHINESE: Readonly<Record<string, string>> = { notice: '提示', yellow: '黄牌', red: '红牌' };

/** A level as shown to people: `red 红牌` for the default names, the name alone otherwise. */
export function levelLabel(level: string): string {
  return Object.hasOwn(CHINESE, level) ? `${level} ${CHINESE[level]}` : level;
}

/** A rule pack as the `rules` commands print it with --json (docs/cli.md "JSON shapes"). */
export function packJson(pack: Pack) {
  return {
    id: pack.id,
    version: pack.version,
    hash: pack.hash,
    zone: pack.zone,
    calendar: pack.calendar,
    levels: pack.levels,
    rules: pack.rules.map((r) => ({
      id: r.id,
      version: r.version,
      kind: r.kind,
      point: r.point,
      ...('level' in r ? { level: r.level, block: r.block } : {}),
    })),
  };
}

/** The alerts written after an entry, one line each, as the writing commands print them. */
export function alertLines(alerts: readonly { seq: number; caseId: string; rule: string; level: string; reason: { zh: string; en: string } }[]): string {
  return alerts.map((a) => `  ⚠ alert ${a.seq}: ${levelLabel(a.level)} ${printable(a.rule)} in case ${printable(a.caseId)}: ${printable(a.reason.zh)} / ${printable(a.reason.en)}\n`).join('');
}

/**
 * A step refused by a blocking rule: exit 4, with the rules and the seq of
 * the recorded attempt (also in the --json error document as `blocked`).
 */
export function blockedError(e: unknown, lineOf: (batchLine: number | null) => number | null): unknown {
  if (!isSupervisionError(e, 'RULE_BLOCKED')) return e;
  const d = e.details as { line: number | null; rules: { id: string; level: string }[]; recorded?: number[]; recordFailed?: string };
  const recorded = d.recorded?.[0];
  const note = recorded === undefined ? `the attempt could not be recorded (${d.recordFailed ?? 'unknown'})` : `the attempt is recorded as entry ${recorded} (casetrail.refused)`;
  return new StoppedError(e, note, { blocked: { line: lineOf(d.line), rules: d.rules.map((r) => ({ rule: r.id, level: r.level })), recorded: recorded ?? null } });
}

/**
 * A supervision entry as one line of a case's timeline (`trace`): an alert
 * with its level and reason, a disposition with its outcome. Other entries,
 * and a payload that is not a well-formed supervision payload, are shown as
 * their data.
 */
export function supervisionSummary(type: string, data: unknown, caseId: string, seq: number): string | undefined {
  if (type !== TYPES.alert && type !== TYPES.alertDisposed && type !== TYPES.refused && type !== TYPES.tick) return undefined;
  try {
    const ctx = { seq, time: type === TYPES.tick ? ((data as { now?: number })?.now ?? -1) : 0, caseId };
    if (type === TYPES.alert) {
      const a = parseSystemPayload(TYPES.alert, { value: data }, ctx);
      return `⚠ ${levelLabel(a.level)} ${printable(a.rule)}: ${printable(a.reason.zh)} / ${printable(a.reason.en)}`;
    }
    if (type === TYPES.alertDisposed) {
      const d = parseSystemPayload(TYPES.alertDisposed, { value: data }, ctx);
      return `disposed of alert ${d.alert}: ${d.outcome} — ${printable(d.reason)}`;
    }
    if (type === TYPES.refused) {
      const r = parseSystemPayload(TYPES.refused, { value: data }, ctx);
      return `✘ refused ${printable(r.attempt.type)} in case ${printable(r.attempt.case)}${r.attempt.line === null ? '' : ` (line ${r.attempt.line})`}: ${r.rules.map((x) => printable(x.id)).join(', ')}`;
    }
    return `clock: ${(data as { now: number }).now}`;
  } catch {
    return undefined;
  }
}
