/**
 * Keys the user points the CLI at (docs/cli.md "Keys"): the verifier key of
 * a ledger (public, given as the key or a file holding it), the ledger's
 * checkpoint signing key file, and actor key files. A private key is never
 * printed, not even in an error message.
 */
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { readSignerKeyFile } from '@casetrail/core';
import { operational, usage } from './exit.js';
import { resolvePath } from './inputs.js';
import type { Io } from './io.js';

/** Shared with the offline verifier casetrail-verify (@casetrail/verify/cli). */
export { readKeyText, readVerifierKey, readWitnessKey, readWitnessPolicy } from '@casetrail/verify/cli';

/**
 * The checkpoint signing key file for a command that writes to a ledger:
 * --key-file, else $CASETRAIL_KEY_FILE, else `<ledger>.key` if it exists.
 * @returns the path, or undefined when none is configured
 */
export function findKeyFile(io: Io, ledgerPath: string, keyFile: string | undefined): string | undefined {
  if (keyFile !== undefined) return resolvePath(io, keyFile);
  const env = io.env['CASETRAIL_KEY_FILE'];
  if (env !== undefined && env !== '') return resolvePath(io, env);
  const beside = `${ledgerPath}.key`;
  return existsSync(beside) ? beside : undefined;
}

/** Like findKeyFile, but a missing key is a usage error that says how to give one. */
export function requireKeyFile(io: Io, ledgerPath: string, keyFile: string | undefined, why: string): string {
  const found = findKeyFile(io, ledgerPath, keyFile);
  if (found === undefined) {
    throw usage(`${why} needs the ledger's signing key: pass --key-file <path>, set CASETRAIL_KEY_FILE, or keep it beside the ledger as ${basename(ledgerPath)}.key`);
  }
  if (existsSync(found) && statSync(found).isDirectory()) throw operational('IS_A_DIRECTORY', `the key file ${found} is a directory; give the key file`);
  return found;
}

/** The Ed25519 seeds of actor key files (--sign-with), each checked for mode 0600. */
export function readActorSeeds(io: Io, files: readonly string[]): Uint8Array[] {
  return files.map((f) => readSignerKeyFile(resolvePath(io, f)).seed);
}
