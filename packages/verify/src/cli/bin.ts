#!/usr/bin/env node
/**
 * The `casetrail-verify` executable: runs the offline verifier and sets the
 * exit code. Nothing else touches process.exitCode. Bundled with its
 * dependencies into dist/casetrail-verify.mjs (scripts/bundle.mjs).
 */
import { processIo } from './io.js';
import { runVerify } from './program.js';

// A closed pipe (`casetrail-verify bundle … | head`) is not an error of the command.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await runVerify(process.argv.slice(2), processIo());
