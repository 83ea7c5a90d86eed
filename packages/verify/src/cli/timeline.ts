/**
 * A bundle's case timeline for people and for machines (issue 9.3): each
 * verified step of bundle verification (bundle/steps.ts) as a row like
 * `casetrail trace` prints — seq, case, step, time in the user's zone, type,
 * actor — with its payload pretty-printed below it, or its erasure, each
 * marked verified or with its issue codes; and the same step as JSON.
 *
 * Policy: nothing is shown that did not verify. A step whose entry is not
 * proven by the signed checkpoint shows no field of it; a payload that did
 * not match shows no data. Stored text is escaped (output.ts) and wide
 * characters count two columns, so Chinese ids and data stay aligned.
 *
 * Memory stays bounded: rows are printed in windows of at most
 * {@link TIMELINE_WINDOW} steps, each aligned on its own.
 */
import { stepVerified, type BundleStep } from '../bundle/steps.js';
import { decodePayload } from '../entry/payload.js';
import { write, type Io } from './io.js';
import { entryObject, printable, table, truncate, utcIso, type EntryJson, type EntryPayloadState, type Paint } from './output.js';
import { formatTime, type Zone } from './times.js';

/** Steps aligned together; the next window starts a new table. */
export const TIMELINE_WINDOW = 64;
/** Payload lines shown per step (the rest: --json). */
export const MAX_DATA_LINES = 40;
/** Display columns shown of one payload line. */
export const MAX_DATA_COLUMNS = 160;

/** One step of a bundle in `--json` output. */
export interface BundleStepJson {
  /** The line of the bundle. */
  line: number;
  /** The seq the line states; null when the line could not be read. */
  seq: number | null;
  /** The entry bytes are proven by the signed checkpoint. */
  proven: boolean;
  /** Proven, and no issue on its line. */
  verified: boolean;
  /** The codes of the issues on its line. */
  issues: string[];
  payload: BundleStep['payload']['state'];
  /** The entry (docs/cli.md "Entry object"), only when proven; `data` only when the payload verified. */
  entry?: EntryJson;
  /** Why a verified payload has no `data`: it is not UTF-8 JSON. */
  dataError?: string;
  /** The proven redaction that erased the payload. */
  redaction?: { seq: number; actor: string; time: number; timeIso: string; reason: string };
}

type Data = { ok: true; value: unknown } | { ok: false; why: string } | undefined;

/** The payload's JSON value, when it verified. */
function dataOf(step: BundleStep): Data {
  if (step.payload.state !== 'verified') return undefined;
  try {
    return { ok: true, value: decodePayload(step.payload.bytes) };
  } catch {
    return { ok: false, why: `the payload is not UTF-8 JSON (${step.payload.bytes.length} bytes)` };
  }
}

/** A step's payload as the entry object names it (docs/cli.md "Entry object"). */
function entryPayloadState(step: BundleStep): EntryPayloadState {
  switch (step.payload.state) {
    case 'verified':
      return 'present';
    case 'erased':
    case 'withheld':
    case 'unconfirmed':
      return step.payload.state;
    case 'refused':
      return 'restored';
    case 'failed': {
      const codes = new Set(step.issues.map((i) => i.code));
      return codes.has('PAYLOAD_COMMITMENT_MISMATCH') || codes.has('MALFORMED_BUNDLE') ? 'mismatch' : 'missing';
    }
  }
}

/** A step in its JSON shape. */
export function stepJson(step: BundleStep): BundleStepJson {
  const out: BundleStepJson = {
    line: step.line,
    seq: step.seq ?? null,
    proven: step.proven,
    verified: stepVerified(step),
    issues: step.issues.map((i) => i.code),
    payload: step.payload.state,
  };
  if (step.entry !== undefined && step.leafHash !== undefined) {
    const data = dataOf(step);
    out.entry = entryObject({
      seq: step.entry.seq,
      leafHash: step.leafHash,
      entry: step.entry,
      data: data?.ok === true ? data.value : null,
      payload: entryPayloadState(step),
      ok: stepVerified(step),
      issues: step.issues,
    });
    if (data?.ok === false) out.dataError = data.why;
  }
  if (step.payload.state === 'erased') {
    const r = step.payload.redaction;
    out.redaction = { seq: r.seq, actor: r.entry.actor, time: r.entry.time, timeIso: utcIso(r.entry.time), reason: r.reason };
  }
  return out;
}

/** Why nothing of a step's payload is shown, from its issues. */
function notShown(step: BundleStep): string {
  if (step.seq === undefined) return 'not shown: the line could not be read';
  if (!step.proven) return `not shown: line ${step.line} is not proven by the signed checkpoint`;
  if (step.entry === undefined) return 'not shown: the proven bytes do not decode as an entry';
  const codes = new Set(step.issues.map((i) => i.code));
  if (codes.has('PAYLOAD_COMMITMENT_MISMATCH')) return "not shown: the payload does not match the entry's commitment";
  if (codes.has('REDACTION_INVALID')) return 'not shown: erased, but the redaction given does not prove it';
  if (codes.has('PAYLOAD_MISSING')) return 'not shown: the payload is missing and no redaction is given for it';
  return 'not shown: the payload did not verify';
}

/** The lines shown below a step's row: its payload pretty-printed, its erasure, or why nothing is shown. */
export function payloadLines(step: BundleStep, zone: Zone): string[] {
  const p = step.payload;
  if (p.state === 'withheld') return ['withheld: the bundle was exported without payloads'];
  if (p.state === 'erased') {
    const r = p.redaction;
    return [`erased by entry ${r.seq} (${printable(r.entry.type)} by ${printable(r.entry.actor)} at ${formatTime(r.entry.time, zone)}): ${printable(JSON.stringify(r.reason))}`];
  }
  if (p.state === 'failed' || step.entry === undefined) return [notShown(step)];
  if (p.state === 'refused') return ['not shown: a redaction entry later in this bundle erased this payload, which must then not be in it (its line has REDACTION_INVALID)'];
  if (p.state === 'unconfirmed') return ['not shown: the bundle was not read for its erasures before its steps were shown'];
  const data = dataOf(step);
  if (data?.ok !== true) return [`not shown: ${data?.why ?? 'the payload did not verify'}`];
  // Pretty JSON breaks lines between values only: each line is escaped and shortened on its own.
  const all = JSON.stringify(data.value, null, 2).split('\n');
  const shown = all.slice(0, MAX_DATA_LINES).map((l) => truncate(printable(l), MAX_DATA_COLUMNS));
  if (all.length > shown.length) shown.push(`… ${all.length - shown.length} more line(s) (--json has the whole payload)`);
  return shown;
}

const COLUMNS = [
  { header: ' ' },
  { header: 'SEQ', align: 'right' as const },
  { header: 'CASE' },
  { header: 'STEP', align: 'right' as const },
  { header: 'TIME' },
  { header: 'TYPE' },
  { header: 'ACTOR' },
  { header: 'ISSUES' },
];

const LABEL = '    data  ';
const INDENT = ' '.repeat(LABEL.length);

/** Prints steps as they come, in windows of aligned rows. */
export class TimelineWriter {
  #rows: Array<{ ok: boolean; cells: string[]; below: string[] }> = [];
  #printed = 0;

  constructor(
    private readonly io: Io,
    private readonly p: Paint,
    private readonly zone: Zone,
    private readonly window = TIMELINE_WINDOW,
  ) {}

  /** Steps printed so far. */
  get printed(): number {
    return this.#printed;
  }

  async add(step: BundleStep): Promise<void> {
    const e = step.entry;
    const codes = [...new Set(step.issues.map((i) => i.code))].join(' ');
    const cells =
      e === undefined
        ? ['✘', '', '—', '', '', '', '', codes]
        : ['', String(e.seq), printable(e.caseId), String(e.step), formatTime(e.time, this.zone), printable(e.type), printable(e.actor), codes];
    const ok = stepVerified(step);
    cells[0] = ok ? '✔' : '✘';
    this.#rows.push({ ok, cells, below: payloadLines(step, this.zone) });
    if (this.#rows.length >= this.window) await this.flush();
  }

  /** Prints the rows held back. */
  async flush(): Promise<void> {
    if (this.#rows.length === 0) return;
    const rows = this.#rows;
    this.#rows = [];
    let out = '';
    if (this.#printed === 0) {
      out += `${this.p.bold('timeline')} ${this.p.dim(`(times in ${this.zone.name}; ✔ proven by the signed checkpoint and its payload checked, ✘ with the issues found)`)}\n`;
    }
    const lines = table(COLUMNS, rows.map((r) => r.cells), this.p).split('\n');
    out += `  ${lines[0]}\n`;
    rows.forEach((r, i) => {
      const line = `  ${lines[i + 1]!.trimEnd()}`;
      out += `${r.ok ? line : this.p.bad(line)}\n`;
      r.below.forEach((b, k) => (out += `${k === 0 ? LABEL : INDENT}${b}\n`));
    });
    this.#printed += rows.length;
    await write(this.io.stdout, out);
  }
}
