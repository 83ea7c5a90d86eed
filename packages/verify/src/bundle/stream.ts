/**
 * Reading a bundle from a source and driving the {@link BundleVerifier} over
 * its lines (format.md §9.3): the line reader's limits apply while reading,
 * and each entry line's step is handed to the caller before the next line
 * is read, so memory does not grow with the bundle.
 */
import { utf8 } from '../bytes.js';
import { LedgerError } from '../errors.js';
import type { NoteVerifier } from '../tlog/note-keys.js';
import { BundleLineReader } from './parse.js';
import type { BundleStep } from './steps.js';
import { BundleVerifier, type BundleReport, type BundleVerifyOptions } from './verify.js';

/** Options of {@link verifyBundle}. */
export interface BundleStreamOptions extends BundleVerifyOptions {
  /**
   * Called with each entry line's {@link BundleStep} as soon as it is
   * checked, in bundle order; a returned promise is awaited before the next
   * line is read (so a slow consumer holds the reading back, and memory
   * stays bounded). What it throws ends verification and is thrown by
   * verifyBundle.
   */
  onStep?: (step: BundleStep) => void | Promise<void>;
}

/** Anything a bundle can be read from. A Node Readable is an AsyncIterable of Buffers. */
export type BundleSource = string | Uint8Array | Iterable<Uint8Array | string> | AsyncIterable<Uint8Array | string>;

/**
 * Verifies a whole bundle, streaming (see {@link BundleVerifier}).
 * Never throws for the bundle's contents: every problem is an issue in the
 * report.
 * @param source - the bundle text, bytes, or a (async) iterable of chunks
 * @param vkey - the ledger's verifier key, from outside the bundle
 * @param opts - `maxIssues`; `onStep`, called with each entry line's
 *   verified step as it is checked (and awaited)
 * @returns the report; `ok` is true only when there is no issue
 * @throws LedgerError MALFORMED_KEY for a bad vkey; INVALID_ARGUMENT for a
 *   bad source or option; whatever reading the source or `onStep` throws
 * @example
 * const report = await verifyBundle(createReadStream('case.bundle'), vkey, {
 *   onStep: (s) => console.log(s.line, s.entry?.type ?? 'not proven', s.issues.map((i) => i.code)),
 * });
 */
export async function verifyBundle(source: BundleSource, vkey: string | NoteVerifier, opts: BundleStreamOptions = {}): Promise<BundleReport> {
  const onStep = opts.onStep;
  if (onStep !== undefined && typeof onStep !== 'function') throw new LedgerError('INVALID_ARGUMENT', 'onStep: expected a function', { field: 'onStep' });
  const verifier = new BundleVerifier(vkey, opts);
  const reader = new BundleLineReader();
  const push = async (line: string): Promise<void> => {
    const step = verifier.pushLine(line);
    if (step !== undefined && onStep !== undefined) await onStep(step);
  };
  const feed = async (chunk: Uint8Array | string): Promise<boolean> => {
    let lines: string[];
    try {
      lines = reader.push(typeof chunk === 'string' ? utf8(chunk) : chunk);
    } catch (e) {
      verifier.fail(e);
      return false;
    }
    for (const line of lines) await push(line);
    return true;
  };
  if (typeof source === 'string' || source instanceof Uint8Array) {
    await feed(source);
  } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    for await (const chunk of source) if (!(await feed(chunk))) break;
  } else if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    for (const chunk of source) if (!(await feed(chunk))) break;
  } else {
    throw new LedgerError('INVALID_ARGUMENT', 'source: expected a string, bytes, or an iterable of chunks');
  }
  let rest: string | undefined;
  try {
    rest = reader.end();
  } catch (e) {
    verifier.fail(e);
  }
  if (rest !== undefined) {
    await push(rest);
    // A last line without its newline: the file was cut short even if it parsed.
    verifier.fail(new Error('the last line does not end in a newline'));
  }
  return verifier.finish();
}

