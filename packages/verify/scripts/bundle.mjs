// Builds dist/casetrail-verify.mjs: the offline verifier (dist/cli/bin.js,
// built by tsc first) and everything it imports (@noble/hashes,
// @noble/ed25519) in one ES module that runs with `node` alone, on a
// machine with no registry (docs/auditor.md); and its SHA-256 beside it in
// the `sha256sum -c` form. Not minified, so that it can be read. The same
// sources and esbuild version give the same bytes, so anyone can rebuild
// it and compare the hash.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, version as esbuildVersion } from 'esbuild';

const pkgDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const out = join(pkgDir, 'dist', 'casetrail-verify.mjs');

const built = await build({
  write: false,
  entryPoints: [join(pkgDir, 'dist', 'cli', 'bin.js')],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  charset: 'utf8',
  legalComments: 'inline',
  sourcemap: false,
  banner: {
    js: `// casetrail-verify ${pkg.version}: the offline verifier of casetrail evidence, with its dependencies, in one file.\n// Run: node casetrail-verify.mjs --help. Built from ${pkg.name} ${pkg.version} with esbuild ${esbuildVersion}; license ${pkg.license}.`,
  },
  // Paths in the file's comments are relative to the package, whatever the working directory.
  absWorkingDir: pkgDir,
  logLevel: 'warning',
});

const bytes = built.outputFiles[0].contents;
const sha = createHash('sha256').update(bytes).digest('hex');
/** Replaces a file only when its content changes, by a rename: a reader never sees half a file. */
function place(path, content, mode) {
  if (existsSync(path) && Buffer.compare(readFileSync(path), Buffer.from(content)) === 0) return;
  writeFileSync(`${path}.tmp`, content, { mode });
  renameSync(`${path}.tmp`, path);
}
place(out, bytes, 0o755);
place(`${out}.sha256`, `${sha}  casetrail-verify.mjs\n`, 0o644);
