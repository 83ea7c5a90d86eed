/**
 * Text coming in (docs/cli.md "Text"): every text a writing command stores must be valid UTF-8
 * (`INVALID_UTF8`, exit 2), and ids (case, type, actor, origin, key names)
 * must not hold characters a reader cannot see or that reorder what is shown
 * (`INVISIBLE_CHARACTER`, exit 2): a case id with U+202E would display as
 * another case's id for ever. Text going out is escaped by output.ts.
 */
import { CliError, EXIT } from './exit.js';
import { INVISIBLE, printable } from './output.js';

/** The fix offered for text that is not UTF-8. */
const ICONV_HINT = 'iconv -f GBK -t UTF-8';

/**
 * A text given as a command-line argument. Node decodes argv as UTF-8 and
 * turns every invalid byte into U+FFFD, so a U+FFFD in an argument is the
 * mark of text that was not UTF-8 (docs/cli.md "Text"); it is refused rather
 * than stored for ever.
 * @param field - how the user names it, e.g. `--case` or `--data`
 * @throws CliError INVALID_UTF8 (exit 2)
 */
export function checkArgUtf8(field: string, value: string): void {
  if (value.includes('\ufffd')) {
    throw new CliError(
      EXIT.USAGE,
      'INVALID_UTF8',
      `${field} is not valid UTF-8 (it holds U+FFFD, the mark of bytes that are not UTF-8): nothing was stored; ` +
        `use a UTF-8 terminal (e.g. LANG=zh_CN.UTF-8) or convert the text first, e.g. ${field} "$(printf '%s' "$TEXT" | ${ICONV_HINT})"; ` +
        `inside JSON a real U+FFFD can be written \\ufffd`,
    );
  }
}

/**
 * An id (case, type, actor, origin, key name): valid UTF-8 and free of
 * invisible and bidirectional characters.
 * @throws CliError INVALID_UTF8 or INVISIBLE_CHARACTER (exit 2)
 */
export function checkId(field: string, value: string): void {
  checkArgUtf8(field, value);
  const m = INVISIBLE.exec(value);
  if (m !== null) {
    const cp = m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    throw new CliError(
      EXIT.USAGE,
      'INVISIBLE_CHARACTER',
      `${field} "${printable(value)}" holds U+${cp}, a character that is invisible or reorders text: ids must look like what they are; remove it`,
    );
  }
}

/**
 * Offset of the first byte that does not belong to well-formed UTF-8
 * (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF),
 * or -1 when all of `b` is UTF-8.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined) return i;
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return i;
    }
    i += n + 1;
  }
  return -1;
}

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Decodes the bytes of a file the user gave (a leading BOM is dropped).
 * @param what - how the user names it, e.g. `--data-file data.json` or `line 7 of --ndjson steps.ndjson`
 * @param file - the file name for the iconv example
 * @throws CliError INVALID_UTF8 (exit 2) naming the byte offset and the fix
 */
export function decodeUtf8(bytes: Uint8Array, what: string, file: string): string {
  const at = firstInvalidUtf8(bytes);
  if (at >= 0) {
    const shown = file === '-' ? `${ICONV_HINT} < input > input.utf8` : `${ICONV_HINT} ${file} > ${file}.utf8`;
    throw new CliError(
      EXIT.USAGE,
      'INVALID_UTF8',
      `${what} is not valid UTF-8 (byte ${at} is 0x${bytes[at]!.toString(16).padStart(2, '0')}): nothing was stored; convert it first, e.g. ${shown}`,
    );
  }
  return decoder.decode(bytes);
}
