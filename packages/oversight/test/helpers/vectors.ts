import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The public vectors: $CASETRAIL_VECTORS, or shared/vectors beside the checkout. */
export const vectorsDir: string = process.env['CASETRAIL_VECTORS'] ?? resolve(repoRoot, '..', 'shared', 'vectors');

if (!existsSync(vectorsDir)) throw new Error(`public test vectors not found at ${vectorsDir}; set CASETRAIL_VECTORS`);

/** Parses one public vector file by name. */
export function loadVectors<T = any>(file: string): T {
  return JSON.parse(readFileSync(resolve(vectorsDir, file), 'utf8')) as T;
}
