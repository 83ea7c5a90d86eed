/**
 * The line-oriented text shared by the two proof artifacts, tlog-proof files
 * (format.md §9.1) and tlog-witness bodies (§9.2): a size-checked UTF-8
 * text, strict decimals, and a run of base64 hash lines ended by an empty
 * line. Every failure is MALFORMED_PROOF, or INPUT_TOO_LARGE before any work.
 */
import { fromBase64, fromUtf8 } from '../bytes.js';
import { LedgerError } from '../errors.js';

const HASH_LENGTH = 32;
/** A decimal without leading zeros, at most 16 digits (then checked ≤ 2^53 − 1). */
const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

export function malformedProof(message: string, cause?: unknown): LedgerError {
  return new LedgerError('MALFORMED_PROOF', message, {}, cause === undefined ? undefined : { cause });
}

/** The input as text, refusing more than `maxBytes` before decoding. */
export function proofText(input: string | Uint8Array, maxBytes: number, what: string): string {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) {
    throw new LedgerError('INVALID_ARGUMENT', 'input: expected a string or Uint8Array');
  }
  // A string's UTF-16 length is at most its UTF-8 length, so this never refuses a valid input.
  if (input.length > maxBytes) {
    throw new LedgerError('INPUT_TOO_LARGE', `${what} is larger than ${maxBytes} bytes`, { limit: maxBytes, size: input.length });
  }
  return typeof input === 'string' ? input : fromUtf8(input, 'MALFORMED_PROOF');
}

/** Reads `\n`-terminated lines off a proof text. */
export class ProofLines {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly what: string,
  ) {}

  /** The next line without its `\n`; MALFORMED_PROOF if the text ends first. */
  next(expected: string): string {
    const end = this.text.indexOf('\n', this.pos);
    if (end < 0) throw malformedProof(`${this.what} ends before the ${expected}`);
    const line = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return line;
  }

  /** Everything after the last line read. */
  rest(): string {
    return this.text.slice(this.pos);
  }

  /**
   * Base64 hash lines up to an empty line (consumed): each strict base64 of
   * exactly 32 bytes, at most `max` of them.
   */
  hashes(max: number): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (;;) {
      const line = this.next('empty line before the checkpoint');
      if (line === '') return out;
      if (out.length === max) throw malformedProof(`more than ${max} proof lines`);
      let h: Uint8Array;
      try {
        h = fromBase64(line);
      } catch (e) {
        throw malformedProof(`proof line ${out.length + 1} is not strict base64`, e);
      }
      if (h.length !== HASH_LENGTH) throw malformedProof(`proof line ${out.length + 1} is ${h.length} bytes, not ${HASH_LENGTH}`);
      out.push(h);
    }
  }
}

/** A strict decimal (no sign, no leading zeros) up to 2^53 − 1. */
export function parseProofDecimal(digits: string, what: string): number {
  if (!DECIMAL.test(digits)) throw malformedProof(`the ${what} is not a decimal number without leading zeros`);
  const n = Number(digits);
  if (!Number.isSafeInteger(n)) throw malformedProof(`the ${what} is above 2^53 - 1`);
  return n;
}
