#!/usr/bin/env node
/**
 * The `casetrail` executable: runs the command line and sets the exit code.
 * Nothing else in the CLI touches process.exitCode.
 */
import { processIo } from './io.js';
import { run } from './program.js';

// A closed pipe (`casetrail log … | head`) is not an error of the command.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await run(process.argv.slice(2), processIo());
