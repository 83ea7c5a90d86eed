// The layout of docs/decisions/0002-layout.md and 0003, checked: the floors
// of each package (a module imports only from its own floor or the ones
// below), no import cycle, no Node-only module in @casetrail/verify outside
// its Node floor src/cli (which nothing else in the package imports),
// better-sqlite3 behind store/sqlite only, and no source file much longer
// than 450 lines.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const packages = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? sources(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : []));
}

const FLOORS: Record<string, Record<string, number>> = {
  verify: { entry: 2, tlog: 3, checks: 4, bundle: 5, cli: 6, 'index.ts': 9 },
  core: { node: 0, store: 1, verify: 2, ledger: 3, 'index.ts': 9, 'pure.ts': 9 },
};

function floorOf(pkg: string, file: string): number {
  const top = relative(join(packages, pkg, 'src'), file).split(/[\\/]/)[0]!;
  return FLOORS[pkg]![top] ?? 1;
}

const files = ['verify', 'core', 'cli'].flatMap((pkg) => sources(join(packages, pkg, 'src')).map((file) => ({ pkg, file, text: readFileSync(file, 'utf8') })));
const imports = (text: string) => [...text.matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
const local = (file: string, spec: string) => normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');

describe('layout', () => {
  test('each module imports only from its floor or below', () => {
    const up = files
      .filter((f) => f.pkg !== 'cli')
      .flatMap((f) => imports(f.text).filter((s) => s.startsWith('.')).map((s) => [f, local(f.file, s)] as const))
      .filter(([f, target]) => floorOf(f.pkg, target) > floorOf(f.pkg, f.file))
      .map(([f, target]) => `${relative(packages, f.file)} → ${relative(packages, target)}`);
    expect(up).toEqual([]);
  });

  test('no import cycle', () => {
    const graph = new Map(files.map((f) => [f.file, imports(f.text).filter((s) => s.startsWith('.')).map((s) => local(f.file, s))]));
    const done = new Set<string>();
    const cycles: string[] = [];
    const visit = (n: string, path: string[]): void => {
      if (path.includes(n)) return void cycles.push([...path.slice(path.indexOf(n)), n].map((p) => relative(packages, p)).join(' → '));
      if (done.has(n)) return;
      done.add(n);
      for (const m of graph.get(n) ?? []) visit(m, [...path, n]);
    };
    for (const n of graph.keys()) visit(n, []);
    expect(cycles).toEqual([]);
  });

  test('@casetrail/verify needs no Node-only module and no native build; better-sqlite3 stays in store/sqlite', () => {
    const inCli = (file: string) => relative(join(packages, 'verify', 'src'), file).split(/[\\/]/)[0] === 'cli';
    const pure = files.filter((f) => f.pkg === 'verify' && !inCli(f.file));
    const verifyImports = pure.flatMap((f) => imports(f.text).filter((s) => !s.startsWith('.')));
    expect([...new Set(verifyImports)].sort()).toEqual(['@noble/ed25519', '@noble/hashes/sha2.js']);
    // The Node floor (the command-line toolkit and casetrail-verify) adds node: modules, no package.
    const cliImports = files.filter((f) => f.pkg === 'verify' && inCli(f.file)).flatMap((f) => imports(f.text).filter((s) => !s.startsWith('.')));
    expect(cliImports.length).toBeGreaterThan(0);
    expect(cliImports.filter((s) => !s.startsWith('node:'))).toEqual([]);
    // Nothing in the browser-safe part imports the Node floor.
    expect(pure.flatMap((f) => imports(f.text).filter((s) => s.startsWith('.') && inCli(local(f.file, s))).map((s) => `${relative(packages, f.file)} → ${s}`))).toEqual([]);
    const sqlite = files.filter((f) => imports(f.text).includes('better-sqlite3')).map((f) => relative(packages, f.file).split(/[\\/]/).slice(0, 4).join('/'));
    expect([...new Set(sqlite)]).toEqual(['core/src/store/sqlite']);
  });

  test('no source file is longer than ~450 lines', () => {
    const long = files.filter((f) => f.text.split('\n').length > 460).map((f) => `${relative(packages, f.file)}: ${f.text.split('\n').length}`);
    expect(long).toEqual([]);
  });
});
