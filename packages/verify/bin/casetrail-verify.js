#!/usr/bin/env node
// The `casetrail-verify` executable as installed: runs the built offline
// verifier (dist/cli/bin.js). It is a source file so that installing the
// workspace links it before the first build.
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('casetrail-verify is not built yet: run `npx -y pnpm@10 run build` in the casetrail repository first\n');
  process.exit(3);
}
await import(entry.href);
