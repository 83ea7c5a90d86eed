/**
 * Output helpers: colour only on a terminal, aligned tables (East Asian wide
 * characters count two columns), escaping of stored text, a progress line on
 * stderr only on a terminal, JSON documents, and the one JSON shape of an
 * entry used by every command — every field of it from the entry's bytes,
 * with what does not check marked.
 */
import { toHex } from '../bytes.js';
import type { Issue } from '../checks/issues.js';
import type { Entry } from '../entry/entry.js';
import { INVISIBLE_CHARACTER, escapeForDisplay } from '../text.js';
import { write, type Io, type OutStream } from './io.js';

/** Styling functions; identity when the stream is not a terminal or NO_COLOR is set. */
export interface Paint {
  ok(s: string): string;
  bad(s: string): string;
  warn(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain = (s: string) => s;

/** https://no-color.org: colour only on a terminal, never when NO_COLOR is set. */
export function paint(io: Io, stream: OutStream = io.stdout): Paint {
  if (stream.isTTY !== true || (io.env['NO_COLOR'] !== undefined && io.env['NO_COLOR'] !== '')) {
    return { ok: plain, bad: plain, warn: plain, dim: plain, bold: plain };
  }
  const sgr = (code: string) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
  return { ok: sgr('32'), bad: sgr('31'), warn: sgr('33'), dim: sgr('2'), bold: sgr('1') };
}

/** Writes one JSON document and a newline. */
export async function printJson(io: Io, value: unknown): Promise<void> {
  await write(io.stdout, `${JSON.stringify(value, null, 2)}\n`);
}

/** Display width of a string, counting East Asian wide characters as 2. */
export function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1faff) || (c >= 0x20000 && c <= 0x3fffd) ? 2 : 1;
  }
  return w;
}

/** Shortens a string to at most `max` display columns, ending in "…" when cut. */
export function truncate(s: string, max: number): string {
  if (width(s) <= max) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    const cw = width(ch);
    if (w + cw > max - 1) break;
    out += ch;
    w += cw;
  }
  return `${out}…`;
}

/**
 * Characters a reader cannot see or that reorder text: the one list of
 * format.md §4.1 (`INVISIBLE_CHARACTER` of @casetrail/verify), which the
 * library's writer refuses in new ids too. Ids holding one are refused
 * (the CLI's text.ts); display escapes them.
 */
export const INVISIBLE = INVISIBLE_CHARACTER;

/**
 * Stored or given text as it may be shown to people: the characters above
 * and every control character become `\u{202e}`-style escapes, so text can
 * neither drive the terminal nor hide or reorder what is displayed. JSON
 * output keeps raw values.
 */
export function printable(s: string): string {
  return escapeForDisplay(s);
}

export interface Column {
  header: string;
  align?: 'left' | 'right';
}

/** Formats rows as aligned columns separated by two spaces; the header is dimmed on a terminal. */
export function table(columns: readonly Column[], rows: readonly string[][], p: Paint): string {
  const widths = columns.map((c, i) => Math.max(width(c.header), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => {
        const pad = ' '.repeat(Math.max(0, widths[i]! - width(cell)));
        if (i === cells.length - 1 && columns[i]?.align !== 'right') return cell;
        return columns[i]?.align === 'right' ? pad + cell : cell + pad;
      })
      .join('  ');
  return [p.dim(line(columns.map((c) => c.header))), ...rows.map(line)].join('\n') + '\n';
}

/** Two-column "label  value" block, labels aligned. */
export function fields(pairs: ReadonlyArray<readonly [string, string]>, p: Paint, indent = '  '): string {
  const w = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${indent}${p.dim(k.padEnd(w))}  ${v}`).join('\n') + '\n';
}

/**
 * ISO 8601 UTC with milliseconds, for JSON output (`timeIso`): machine
 * readers get one fixed form; human text uses times.ts in the user's zone.
 */
export function utcIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? String(ms) : d.toISOString();
}

/**
 * What became of an entry's payload, as an entry object says: a read's
 * `payloadState` (`present`, `erased` by a proven redaction, `missing`
 * without one, `mismatch` with its commitment, `restored` — erased and
 * present again —, `unchecked`: the entry does not decode), or for a bundle
 * step also `withheld` (exported without payloads) and `unconfirmed` (not
 * read for erasures first, @casetrail/verify bundle/steps.ts).
 */
export type EntryPayloadState = 'present' | 'erased' | 'missing' | 'mismatch' | 'restored' | 'unchecked' | 'withheld' | 'unconfirmed';

/**
 * The JSON shape of an entry in every command's --json output (docs/cli.md
 * "Entry object"): every field from the decoded entry and the recomputed
 * leaf hash; `ok`, `issues` and `payload` say what checks. The entry's
 * fields are null when its bytes do not decode.
 */
export interface EntryJson {
  seq: number;
  ok: boolean;
  case: string | null;
  step: number | null;
  type: string | null;
  actor: string | null;
  time: number | null;
  timeIso: string | null;
  data: unknown;
  redacted: boolean;
  payload: EntryPayloadState;
  version: number | null;
  leafHash: string;
  prev: string | null;
  casePrev: string | null;
  commit: string | null;
  nonce: string | null;
  signatures: Array<{ publicKey: string; signature: string }>;
  issues: Array<Pick<Issue, 'code' | 'severity' | 'message'>>;
}

/** What an entry object is made of: values from verified bytes only. */
export interface EntryFacts {
  seq: number;
  /** SHA-256(0x00 ‖ entry bytes), recomputed. */
  leafHash: Uint8Array;
  /** Decoded from the bytes; undefined when they do not decode. */
  entry: Entry | undefined;
  /** The parsed payload; shown only when `payload` is `present`. */
  data: unknown;
  payload: EntryPayloadState;
  /** Whether the entry checks (no issue of severity error, and nothing else withheld). */
  ok: boolean;
  issues: ReadonlyArray<Pick<Issue, 'code' | 'severity' | 'message'>>;
}

/** An entry in its JSON shape (docs/cli.md "Entry object"). */
export function entryObject(f: EntryFacts): EntryJson {
  const d = f.entry;
  return {
    seq: f.seq,
    ok: f.ok,
    case: d?.caseId ?? null,
    step: d?.step ?? null,
    type: d?.type ?? null,
    actor: d?.actor ?? null,
    time: d?.time ?? null,
    timeIso: d === undefined ? null : utcIso(d.time),
    data: f.payload === 'present' ? (f.data ?? null) : null,
    redacted: f.payload === 'erased',
    payload: f.payload,
    version: d?.v ?? null,
    leafHash: toHex(f.leafHash),
    prev: d === undefined ? null : toHex(d.prev),
    casePrev: d === undefined ? null : toHex(d.casePrev),
    commit: d === undefined ? null : toHex(d.commit),
    nonce: d?.nonce === undefined ? null : toHex(d.nonce),
    signatures: (d?.sigs ?? []).map((s) => ({ publicKey: toHex(s.publicKey), signature: toHex(s.signature) })),
    issues: f.issues.map((i) => ({ code: i.code, severity: i.severity, message: i.message })),
  };
}

/**
 * A progress line on stderr, drawn only when stderr is a terminal and at
 * most every 100 ms; cleared by done().
 */
export class Progress {
  private readonly enabled: boolean;
  private last = 0;
  private drawn = false;

  constructor(
    private readonly io: Io,
    private readonly label: string,
  ) {
    this.enabled = io.stderr.isTTY === true;
  }

  update(done: number, total?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && (total === undefined || done < total)) return;
    this.last = now;
    let text = `${this.label} ${done.toLocaleString('en-US')}`;
    if (total !== undefined && total > 0) {
      const frac = Math.min(1, done / total);
      const barWidth = 30;
      const filled = Math.round(frac * barWidth);
      text = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${Math.floor(frac * 100)}% ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}`;
    }
    this.io.stderr.write(`\r\x1b[2K${text}`);
    this.drawn = true;
  }

  done(): void {
    if (this.drawn) this.io.stderr.write('\r\x1b[2K');
    this.drawn = false;
  }
}
