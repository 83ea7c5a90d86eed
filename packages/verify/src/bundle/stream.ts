/**
 * Reading a bundle from a source and driving the {@link BundleVerifier} over
 * its lines (format.md §9.3): the line reader's limits apply while reading,
 * and each entry line's step is handed to the caller before the next line
 * is read, so memory does not grow with the bundle. Steps that carry
 * payloads need a first read of the bundle (erasures.ts).
 */
import { utf8 } from '../bytes.js';
import { LedgerError } from '../errors.js';
import { parseVerifierKey, type NoteVerifier } from '../tlog/note-keys.js';
import { BundleErasures } from './erasures.js';
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

/** A function that opens the bundle afresh each time it is called (e.g. `() => createReadStream(path)`). */
export type BundleSourceOpener = () => BundleSource;

/** Whom the lines of a read go to. */
interface LineSink {
  pushLine(line: string): void | Promise<void>;
  /**
   * The stream itself failed (over-long line, bad UTF-8, no newline at the
   * end); `stopped`: reading stopped before the end of the source.
   */
  fail(e: unknown, stopped: boolean): void;
}

/** Reads `source` line by line into `sink`, with the line reader's limits. */
async function readLines(source: BundleSource, sink: LineSink): Promise<void> {
  const reader = new BundleLineReader();
  const feed = async (chunk: Uint8Array | string): Promise<boolean> => {
    let lines: string[];
    try {
      lines = reader.push(typeof chunk === 'string' ? utf8(chunk) : chunk);
    } catch (e) {
      sink.fail(e, true);
      return false;
    }
    for (const line of lines) await sink.pushLine(line);
    return true;
  };
  if (typeof source === 'string' || source instanceof Uint8Array) {
    await feed(source);
  } else if (source !== null && typeof source === 'object' && Symbol.asyncIterator in source) {
    for await (const chunk of source) if (!(await feed(chunk))) break;
  } else if (source !== null && typeof source === 'object' && Symbol.iterator in source) {
    for (const chunk of source) if (!(await feed(chunk))) break;
  } else {
    throw new LedgerError('INVALID_ARGUMENT', 'source: expected a string, bytes, an iterable of chunks, or a function opening one');
  }
  let rest: string | undefined;
  try {
    rest = reader.end();
  } catch (e) {
    sink.fail(e, true);
  }
  if (rest !== undefined) {
    await sink.pushLine(rest);
    // A last line without its newline: the file was cut short even if it parsed.
    sink.fail(new Error('the last line does not end in a newline'), false);
  }
}

/**
 * Verifies a whole bundle, streaming (see {@link BundleVerifier}).
 * Never throws for the bundle's contents: every problem is an issue in the
 * report.
 *
 * With `onStep`, the bundle is read twice when it can be: first for the
 * positions its redaction lines erase ({@link BundleErasures}), then to
 * verify it and hand out its steps — so that no step carries a payload a
 * later line shows erased (format.md §9.3 item 6). A string, bytes or an
 * opener can be read twice; from a one-shot (async) iterable, steps carry no
 * payload bytes (`unconfirmed`). The report is the same either way.
 * @param source - the bundle text, bytes, a (async) iterable of chunks, or
 *   a function that opens it afresh on each call
 * @param vkey - the ledger's verifier key, from outside the bundle
 * @param opts - `maxIssues`; `onStep`, called with each entry line's
 *   verified step as it is checked (and awaited)
 * @returns the report; `ok` is true only when there is no issue
 * @throws LedgerError MALFORMED_KEY for a bad vkey; INVALID_ARGUMENT for a
 *   bad source or option; whatever reading the source or `onStep` throws
 * @example
 * const report = await verifyBundle(() => createReadStream('case.bundle'), vkey, {
 *   onStep: (s) => console.log(s.line, s.entry?.type ?? 'not proven', s.issues.map((i) => i.code)),
 * });
 */
export async function verifyBundle(source: BundleSource | BundleSourceOpener, vkey: string | NoteVerifier, opts: BundleStreamOptions = {}): Promise<BundleReport> {
  const onStep = opts.onStep;
  if (onStep !== undefined && typeof onStep !== 'function') throw new LedgerError('INVALID_ARGUMENT', 'onStep: expected a function', { field: 'onStep' });
  if (opts.erasures !== undefined) throw new LedgerError('INVALID_ARGUMENT', 'erasures: verifyBundle reads them itself', { field: 'erasures' });
  const verifierKey = typeof vkey === 'string' ? parseVerifierKey(vkey.trim()) : vkey;
  const open = typeof source === 'function' ? source : () => source;
  const { onStep: _, ...verifyOptions } = opts;
  if (onStep !== undefined && (typeof source === 'function' || typeof source === 'string' || source instanceof Uint8Array)) {
    const erasures = new BundleErasures(verifierKey);
    await readLines(open(), {
      pushLine: (l) => erasures.pushLine(l),
      // A read that stopped early leaves the rest unknown; a last line without its newline was still read.
      fail: (_e, stopped) => {
        if (stopped) erasures.fail();
      },
    });
    verifyOptions.erasures = erasures;
  }
  const verifier = new BundleVerifier(verifierKey, verifyOptions);
  await readLines(open(), {
    pushLine: async (line) => {
      const step = verifier.pushLine(line);
      if (step !== undefined && onStep !== undefined) await onStep(step);
    },
    fail: (e) => verifier.fail(e),
  });
  return verifier.finish();
}
