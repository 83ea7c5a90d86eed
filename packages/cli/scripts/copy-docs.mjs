// Before `pnpm pack` / publish: copy the command's documentation into the
// package, so that an installed `casetrail --help` can point at it
// (program.ts docsLocation). In a checkout the repository's docs/ is used.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const from = join(pkg, '..', '..', 'docs');
mkdirSync(join(pkg, 'docs'), { recursive: true });
// A file is replaced only when it changed, by a rename: a reader (a running
// --help, a test) never sees half of it.
for (const f of ['cli.md', 'auditor.md', 'errors.md', 'format.md', 'security.md']) {
  const text = readFileSync(join(from, f));
  const to = join(pkg, 'docs', f);
  if (existsSync(to) && readFileSync(to).equals(text)) continue;
  writeFileSync(`${to}.tmp`, text);
  renameSync(`${to}.tmp`, to);
}
