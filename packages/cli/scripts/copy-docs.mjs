// Before `pnpm pack` / publish: copy the command's documentation into the
// package, so that an installed `casetrail --help` can point at it
// (program.ts docsLocation). In a checkout the repository's docs/ is used.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(pkg, '..', '..', 'docs');
mkdirSync(join(pkg, 'docs'), { recursive: true });
for (const f of ['cli.md', 'errors.md', 'format.md', 'security.md']) copyFileSync(join(from, f), join(pkg, 'docs', f));
