/**
 * Output helpers: colour only on a terminal, aligned tables (East Asian wide
 * characters count two columns), escaping of stored text, a progress line on
 * stderr only on a terminal, JSON documents, and the one JSON shape of an
 * entry used by every command.
 */
import { toHex } from '../bytes.js';
import type { Entry } from '../entry/entry.js';
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
 * Characters a reader cannot see or that reorder text: Unicode's default
 * ignorable code points (U+00AD, U+034F, U+115F, U+200B–U+200F, U+2060–U+206F,
 * U+3164, U+FE00–U+FE0F, U+FEFF, …), the bidirectional controls (U+061C,
 * U+200E, U+200F, U+202A–U+202E, U+2066–U+2069), the line and paragraph
 * separators, and the interlinear annotation controls. Ids holding one are
 * refused (text.ts); display escapes them.
 */
const INVISIBLE_SET = '\\p{Default_Ignorable_Code_Point}\\p{Bidi_Control}\\u2028\\u2029\\ufff9-\\ufffb';
export const INVISIBLE = new RegExp(`[${INVISIBLE_SET}]`, 'u');

/** What display escapes: the above and every control character (C0, DEL, C1). */
const ESCAPED = new RegExp(`[\\p{Cc}${INVISIBLE_SET}]`, 'gu');

/**
 * Stored or given text as it may be shown to people: the characters above
 * become `\u{202e}`-style escapes, so text can neither drive the terminal nor
 * hide or reorder what is displayed. JSON output keeps raw values.
 */
export function printable(s: string): string {
  return s.replace(ESCAPED, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
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

/** The JSON shape of an entry in every command's --json output (docs/cli.md "Entry object"). */
export interface EntryJson {
  seq: number;
  case: string;
  step: number;
  type: string;
  actor: string;
  time: number;
  timeIso: string;
  data: unknown;
  redacted: boolean;
  leafHash: string;
  prev: string;
  casePrev: string;
  commit: string;
  signatures: Array<{ publicKey: string; signature: string }>;
}

/**
 * An entry in its JSON shape.
 * @param data - the parsed payload (null when it is erased or not shown)
 */
export function entryObject(seq: number, leafHash: Uint8Array, entry: Entry, data: unknown, redacted: boolean): EntryJson {
  return {
    seq,
    case: entry.caseId,
    step: entry.step,
    type: entry.type,
    actor: entry.actor,
    time: entry.time,
    timeIso: utcIso(entry.time),
    data: redacted ? null : (data ?? null),
    redacted,
    leafHash: toHex(leafHash),
    prev: toHex(entry.prev),
    casePrev: toHex(entry.casePrev),
    commit: toHex(entry.commit),
    signatures: entry.sigs.map((s) => ({ publicKey: toHex(s.publicKey), signature: toHex(s.signature) })),
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
