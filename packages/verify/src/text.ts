/**
 * Characters a reader cannot see or that reorder the text around them
 * (format.md §4.1, "Invisible characters"): the one list, used by the
 * writer's rule for new ids and by every display that escapes text.
 *
 * The set is written out as ranges rather than as Unicode property escapes
 * so that it does not change with the JavaScript engine's Unicode tables:
 * two implementations must refuse the same ids.
 */

/**
 * The invisible and bidirectional characters of format.md §4.1, as
 * inclusive code point ranges: Unicode's Default_Ignorable_Code_Point and
 * Bidi_Control code points, U+2028, U+2029 and U+FFF9–U+FFFB.
 */
export const INVISIBLE_RANGES: ReadonlyArray<readonly [number, number]> = Object.freeze([
  [0x00ad, 0x00ad],
  [0x034f, 0x034f],
  [0x061c, 0x061c],
  [0x115f, 0x1160],
  [0x17b4, 0x17b5],
  [0x180b, 0x180f],
  [0x200b, 0x200f],
  [0x2028, 0x202e],
  [0x2060, 0x206f],
  [0x3164, 0x3164],
  [0xfe00, 0xfe0f],
  [0xfeff, 0xfeff],
  [0xffa0, 0xffa0],
  [0xfff0, 0xfffb],
  [0x1bca0, 0x1bca3],
  [0x1d173, 0x1d17a],
  [0xe0000, 0xe0fff],
] as const);

const hex = (c: number) => c.toString(16);
const CLASS = INVISIBLE_RANGES.map(([a, b]) => (a === b ? `\\u{${hex(a)}}` : `\\u{${hex(a)}}-\\u{${hex(b)}}`)).join('');

/** Matches one invisible or bidirectional character (format.md §4.1). */
export const INVISIBLE_CHARACTER: RegExp = new RegExp(`[${CLASS}]`, 'u');

/** What a display escapes: the characters above and every control character (C0, DEL, C1). */
const ESCAPED = new RegExp(`[\\p{Cc}${CLASS}]`, 'gu');

/**
 * The first invisible or bidirectional character of `text`, if any.
 * @returns its UTF-16 index and code point, or undefined
 * @example invisibleCharacter('C-1\u202e') // { index: 3, codePoint: 0x202e }
 */
export function invisibleCharacter(text: string): { index: number; codePoint: number } | undefined {
  const m = INVISIBLE_CHARACTER.exec(text);
  return m === null ? undefined : { index: m.index, codePoint: m[0].codePointAt(0)! };
}

/** `U+202E`: how a code point is named in messages. */
export function codePointName(c: number): string {
  return `U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * Stored or given text as it may be shown to people: the invisible and
 * bidirectional characters and every control character become
 * `\u{202e}`-style escapes, so text can neither drive a terminal nor hide or
 * reorder what is displayed.
 * @example escapeForDisplay('C-1\u202eevil') // 'C-1\\u{202e}evil'
 */
export function escapeForDisplay(text: string): string {
  return text.replace(ESCAPED, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}
