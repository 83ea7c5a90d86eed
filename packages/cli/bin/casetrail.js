#!/usr/bin/env node
// The `casetrail` executable as installed: runs the built command line
// (dist/bin.js). It is a source file so that installing the workspace links
// it before the first build (the README's set-up installs, then builds).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('casetrail is not built yet: run `npx -y pnpm@10 run build` in the casetrail repository first\n');
  process.exit(3);
}
await import(entry.href);
