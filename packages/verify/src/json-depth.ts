/**
 * How deep a JSON text nests, counted on the text before it is parsed
 * (format.md §4.2, "Nesting"): a reader never hands a hostile document to
 * a recursive parser, serializer or display.
 */

/** Deepest nesting of JSON arrays and objects a payload may have (format.md §4.2). */
export const MAX_PAYLOAD_DEPTH = 64;

/**
 * Whether the JSON text `text` nests arrays and objects more than `max`
 * deep: `{}` and `[]` are depth 1, a scalar depth 0. Brackets inside
 * strings are not counted. O(length), no allocation; stops at the first
 * bracket beyond `max`. The text need not be valid JSON: the parser judges
 * that afterwards.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > max) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
      depth--;
    }
  }
  return false;
}
