/**
 * The README's CLI block runs as written (issue 9.1): every line of the
 * fenced block under "30 seconds with the CLI" is run with bash, in order,
 * in a fresh directory inside the repository (where `npx casetrail` finds
 * the workspace's bin), with npm offline so that nothing is fetched. Any
 * line that fails fails the test.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, requireBuild } from './helpers.js';

requireBuild();
if (!existsSync(join(repoRoot, 'node_modules/.bin/casetrail'))) {
  throw new Error('node_modules/.bin/casetrail is missing: run `npx -y pnpm@10 install` (the root package.json links @casetrail/cli)');
}

/** The lines of a README section's first shell block, as a reader would paste them. */
function readmeCliLines(heading = '## 30 seconds with the CLI'): string[] {
  const text = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = text.indexOf(heading);
  expect(section).toBeGreaterThan(0);
  const m = /```sh\n([\s\S]*?)```/.exec(text.slice(section));
  expect(m).not.toBeNull();
  return m![1]!.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
}

mkdirSync(join(repoRoot, '.tmp'), { recursive: true });
const work = mkdtempSync(join(repoRoot, '.tmp', 'readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("the README's CLI block", () => {
  const lines = readmeCliLines();
  const outputs: string[] = [];

  it('has the commands a newcomer needs', () => {
    expect(lines.length).toBeGreaterThanOrEqual(8);
    for (const l of lines) expect(l).toMatch(/^npx casetrail /);
  });

  it.each(lines.map((l, i) => [i + 1, l] as const))('line %i runs as written: %s', (_i, line) => {
    const r = spawnSync('bash', ['-c', line], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', NO_COLOR: '1' },
      timeout: 60_000,
    });
    outputs.push(r.stdout);
    expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).toBe(0);
  });

  it('its verify line says how many entries it checked, never "OK: N entries verified" for none', () => {
    const verify = outputs[lines.findIndex((l) => / verify /.test(l))] ?? '';
    expect(verify).toMatch(/entries\s+2 in the ledger, 2 checked/);
    expect(verify).toMatch(/✔ OK: 2 entries verified; the ledger extends the trusted checkpoint of size 2/);
  });

  it('leaves the signing key where `git add .` does not pick it up', () => {
    for (const f of ['cases.ledger.key', 'cases.ledger.key.state', 'cases.ledger']) {
      const r = spawnSync('git', ['check-ignore', '--no-index', '-q', f], { cwd: repoRoot });
      expect(r.status, `${f} must be ignored by .gitignore`).toBe(0);
    }
  });
});

describe("the README's supervision block, in the ledger of the block above", () => {
  const lines = readmeCliLines('## Supervision: red lines and graded alerts');

  it('adopts, appends with an alert, and audits clean, as written (the pack path as from the repository root)', () => {
    mkdirSync(join(work, 'examples/rules'), { recursive: true });
    copyFileSync(join(repoRoot, 'examples/rules/approval-supervision.yaml'), join(work, 'examples/rules/approval-supervision.yaml'));
    expect(lines.length).toBe(3);
    const out: string[] = [];
    for (const line of lines) {
      const r = spawnSync('bash', ['-c', line], { cwd: work, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true', npm_config_update_notifier: 'false', NO_COLOR: '1' }, timeout: 60_000 });
      expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).toBe(0);
      out.push(r.stdout);
    }
    expect(out[1]).toMatch(/⚠ alert \d+: red 红牌 fee\.over-standard in case XK-7/);
    expect(out[2]).toMatch(/✔ OK: every alert the packs require is recorded/);
  });
});
