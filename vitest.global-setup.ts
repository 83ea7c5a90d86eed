/**
 * Global setup of the default test run: builds the packages (the root
 * `build` script, run once before any test file) so that the tests that run
 * `dist/` — the CLI in child processes, the worker-thread verifier, the API
 * snippets, the offline verifier's single file — run the source as it is
 * now. `vitest run <file>` after an edit of `src/` tests the edit, never the
 * previous build. The build is incremental (`tsc -b`): about a second when
 * nothing changed. A source that does not compile stops the run.
 */
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default function build(): void {
  const script = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { build: string } }).scripts.build;
  execSync(script, { cwd: root, stdio: 'inherit', env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env['PATH'] ?? ''}` } });
}
