/**
 * The packages install from packed tarballs (issue 9.2). `pnpm pack` packs
 * @casetrail/verify, core, supervise, oversight and cli as they would be
 * published (each tarball's contents checked); the verifier
 * is installed into an empty folder with npm, --offline and an empty npm
 * cache, from its tarball and those of its two dependencies (npm pack of
 * the installed @noble copies) — no registry is used — and its
 * casetrail-verify checks a proof and a bundle the CLI made. Nothing of
 * SQLite is installed. About 10 s; in the default run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binPath, cleanup, repoRoot, requireBuild, tempDir } from './helpers.js';

requireBuild();

/** pnpm as the test run was started with it (`pnpm test`), else through npx as the README does. */
function pnpm(): string[] {
  const exec = process.env['npm_execpath'];
  return exec !== undefined && /pnpm/.test(exec) ? [process.execPath, exec] : ['npx', '-y', 'pnpm@10'];
}

function run(cmd: string[], cwd: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(cmd[0]!, cmd.slice(1), { cwd, env: { ...process.env, npm_config_update_notifier: 'false' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('close', (code) => resolve({ code, out, err }));
  });
}

/** The file names in a .tgz, without the leading `package/`. */
function tarList(tgz: string): string[] {
  const r = spawnSync('tar', ['tzf', tgz], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => l.replace(/^package\//, ''));
}

function tarFile(tgz: string, name: string): string {
  return spawnSync('tar', ['xzf', tgz, '-O', `package/${name}`], { encoding: 'utf8' }).stdout;
}

/** Every path under dir (directories included), relative to it. */
function walk(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((d) => {
    const p = join(prefix, d.name);
    return d.isDirectory() && !d.isSymbolicLink() ? [p, ...walk(dir, p)] : [p];
  });
}

const packages = join(repoRoot, 'packages');
/** The packages published. */
const PACKED = ['verify', 'core', 'supervise', 'oversight', 'cli'];
let tarballs: string;
let work: string;
const tgz: Record<string, string> = {};

beforeAll(async () => {
  tarballs = tempDir();
  const packs = await Promise.all(PACKED.map((p) => run([...pnpm(), 'pack', '--pack-destination', tarballs], join(packages, p))));
  for (const r of packs) expect(r.code, r.err + r.out).toBe(0);
  const noble = await run(['npm', 'pack', join(packages, 'verify/node_modules/@noble/hashes'), join(packages, 'verify/node_modules/@noble/ed25519'), '--pack-destination', tarballs], tarballs);
  expect(noble.code, noble.err).toBe(0);
  for (const f of readdirSync(tarballs)) tgz[f.replace(/-\d+\.\d+\.\d+\.tgz$/, '')] = join(tarballs, f);
  // Evidence made by the CLI, as an operator would hand it out.
  work = tempDir();
  const ct = (...argv: string[]) => spawnSync(process.execPath, [binPath, ...argv], { cwd: work, encoding: 'utf8' });
  expect(ct('init', 'cases.ledger', '--origin', 'audit.example.gov/inspection', '--vkey-out', 'cases.vkey').status).toBe(0);
  expect(ct('append', 'cases.ledger', '--case', 'JJ-2026-0042', '--type', 'case.opened', '--actor', 'clerk:李', '--data', '{"source":"举报电话"}').status).toBe(0);
  expect(ct('append', 'cases.ledger', '--case', 'JJ-2026-0042', '--type', 'decision.made', '--actor', 'committee', '--data', '{"outcome":"warning"}').status).toBe(0);
  expect(ct('prove', 'cases.ledger', '1', '--out', 'decision.tlog-proof').status).toBe(0);
  expect(ct('export', 'cases.ledger', '--case', 'JJ-2026-0042', '--out', 'case.bundle').status).toBe(0);
  const lines = readFileSync(join(work, 'case.bundle'), 'utf8').split('\n');
  const o = JSON.parse(lines[2]!);
  o.payload = Buffer.from('{"outcome":"acquitted"}').toString('base64');
  writeFileSync(join(work, 'changed.bundle'), [...lines.slice(0, 2), JSON.stringify(o), ...lines.slice(3)].join('\n'));
}, 120_000);
afterAll(cleanup);

describe('the packed tarballs', () => {
  it.each(PACKED)('@casetrail/%s has what publishing needs', (name) => {
    const file = tgz[`casetrail-${name}`]!;
    const files = tarList(file);
    for (const f of ['LICENSE', 'README.md', 'package.json', 'dist/index.js', 'dist/index.d.ts']) expect(files).toContain(f);
    expect(files.filter((f) => /(^|\/)test\/|\.test\.|tsbuildinfo|node_modules/.test(f))).toEqual([]);
    expect(tarFile(file, 'LICENSE')).toBe(readFileSync(join(repoRoot, 'LICENSE'), 'utf8'));
    const pkg = JSON.parse(tarFile(file, 'package.json'));
    expect(pkg).toMatchObject({ name: `@casetrail/${name}`, license: 'Apache-2.0', types: './dist/index.d.ts', exports: { '.': { types: './dist/index.d.ts', default: './dist/index.js' } } });
    expect(JSON.stringify(pkg.dependencies ?? {})).not.toContain('workspace:');
    expect(pkg.scripts?.prepack).toBeUndefined();
    for (const [, target] of Object.entries<string>(pkg.bin ?? {})) expect(files).toContain(target.replace(/^\.\//, ''));
  });

  it('the verifier ships its bin, the single file with its SHA-256, and the auditor guide; the CLI its docs', () => {
    const v = tarList(tgz['casetrail-verify']!);
    for (const f of ['bin/casetrail-verify.js', 'dist/cli/bin.js', 'dist/casetrail-verify.mjs', 'dist/casetrail-verify.mjs.sha256', 'docs/auditor.md', 'docs/errors.md']) expect(v).toContain(f);
    expect(JSON.parse(tarFile(tgz['casetrail-verify']!, 'package.json')).dependencies).toEqual({ '@noble/ed25519': expect.any(String), '@noble/hashes': expect.any(String) });
    const c = tarList(tgz['casetrail-cli']!);
    for (const f of ['bin/casetrail.js', 'dist/bin.js', 'docs/cli.md', 'docs/auditor.md']) expect(c).toContain(f);
  });

  it('supervision ships its ledger entry point and the holiday table; oversight depends on supervision as published', () => {
    const s = tarList(tgz['casetrail-supervise']!);
    for (const f of ['dist/ledger/index.js', 'dist/ledger/index.d.ts', 'calendars/cn-mainland.json']) expect(s).toContain(f);
    expect(JSON.parse(tarFile(tgz['casetrail-supervise']!, 'package.json')).exports['./ledger']).toEqual({ types: './dist/ledger/index.d.ts', default: './dist/ledger/index.js' });
    const o = tarList(tgz['casetrail-oversight']!);
    for (const f of ['dist/monitor/round.js', 'dist/witness/witness.js']) expect(o).toContain(f);
    const deps = JSON.parse(tarFile(tgz['casetrail-oversight']!, 'package.json')).dependencies;
    expect(Object.keys(deps).sort()).toEqual(['@casetrail/core', '@casetrail/supervise', '@casetrail/verify', 'yaml']);
    expect(JSON.parse(tarFile(tgz['casetrail-cli']!, 'package.json')).dependencies).toMatchObject({ '@casetrail/oversight': expect.any(String), '@casetrail/supervise': expect.any(String) });
  });
});

describe('casetrail-verify installed from the tarballs alone', () => {
  let folder: string;
  const verify = (...argv: string[]) => spawnSync(join(folder, 'node_modules/.bin/casetrail-verify'), argv, { cwd: work, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });

  beforeAll(async () => {
    folder = tempDir();
    const noble = Object.keys(tgz).filter((k) => k.startsWith('noble-')).map((k) => tgz[k]!);
    expect(noble).toHaveLength(2);
    const r = await run(['npm', 'install', tgz['casetrail-verify']!, ...noble, '--offline', '--cache', join(tempDir(), 'empty-cache'), '--no-audit', '--no-fund', '--ignore-scripts'], folder);
    expect(r.code, r.err).toBe(0);
  }, 60_000);

  it('holds the verifier and its two dependencies, and nothing of SQLite', () => {
    const all = walk(join(folder, 'node_modules'));
    expect(all.filter((p) => !p.includes('/') || /^@[^/]+\/[^/]+$/.test(p)).sort()).toEqual(['.bin', '.package-lock.json', '@casetrail', '@casetrail/verify', '@noble', '@noble/ed25519', '@noble/hashes']);
    expect(all.filter((p) => /better-sqlite3|sqlite|\.node$/i.test(p))).toEqual([]);
  });

  it('checks a proof and a bundle made by the CLI, and refuses a changed bundle', () => {
    const proof = verify('proof', 'decision.tlog-proof', '--vkey', 'cases.vkey', '--json');
    expect(proof.status, proof.stderr).toBe(0);
    expect(JSON.parse(proof.stdout)).toMatchObject({ ok: true, index: 1, treeSize: 2, entry: { case: 'JJ-2026-0042', type: 'decision.made' } });
    const bundle = verify('bundle', 'case.bundle', '--vkey', 'cases.vkey', '--tz', 'Asia/Shanghai');
    expect(bundle.status, bundle.stderr).toBe(0);
    expect(bundle.stdout).toMatch(/✔ +0 {2}JJ-2026-0042 +1 {2}\S+\+08:00 +case\.opened +clerk:李/);
    expect(bundle.stdout).toContain('"source": "举报电话"');
    const changed = verify('bundle', 'changed.bundle', '--vkey', 'cases.vkey');
    expect(changed.status).toBe(1);
    expect(changed.stdout).not.toContain('acquitted');
    expect(changed.stdout).toMatch(/✘ PAYLOAD_COMMITMENT_MISMATCH \(line 3\)/);
  });

  it('--help names the guide installed with it', () => {
    const help = verify('--help');
    const docs = /Documentation: (\S+)/.exec(help.stdout)![1]!;
    expect(docs).toBe(join(folder, 'node_modules/@casetrail/verify/docs/auditor.md'));
    expect(readFileSync(docs, 'utf8')).toMatch(/^# The offline verifier/);
  });

  it('the single file in the tarball is the one the build wrote', () => {
    const installed = join(folder, 'node_modules/@casetrail/verify/dist/casetrail-verify.mjs');
    expect(readFileSync(installed)).toEqual(readFileSync(join(packages, 'verify/dist/casetrail-verify.mjs')));
    copyFileSync(installed, join(work, 'cv.mjs'));
    expect(spawnSync(process.execPath, ['cv.mjs', 'proof', 'decision.tlog-proof', '--vkey', 'cases.vkey'], { cwd: work }).status).toBe(0);
  });
});
