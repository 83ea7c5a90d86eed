/**
 * examples/oversight-walkthrough.sh runs as documented (docs/oversight.md
 * §7): the province / city / county set-up, witnesses, monitors,
 * cosignatures demanded by the verifiers, the county's units, actors and
 * permission policy, a clue transferred from city A to the province (a
 * tampered copy refused, a replay refused, the disposition deadline raised,
 * the receipt checked), and a city's fork caught. It
 * checks its own expected exit codes; this test runs it whole.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, requireBuild } from './helpers.js';

requireBuild();

describe('examples/oversight-walkthrough.sh', () => {
  it('runs from an empty directory to the fork caught, exit 0', () => {
    const r = spawnSync('bash', [join(repoRoot, 'examples/oversight-walkthrough.sh')], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 240_000 });
    expect(r.status, r.stderr + r.stdout.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/witnessed +checkpoint of size 4 cosigned by 2 of 2 witness\(es\) \(quorum 2\)/);
    expect(r.stdout).toMatch(/fork-[0-9a-f]{16} +fork +yes +city-b\.example\.gov\/cases/);
    expect(r.stdout).toMatch(/✘ city-b: INCONSISTENT: the ledger signed two different checkpoints of size 3/);
    // Units, actors and the policy (docs/oversight.md §8–§9).
    // Four refusals by the policy, and one by the supervision pack in the transfer section (a disposition that is not one of the four).
    expect(r.stdout.match(/^exit code: 4$/gm)).toHaveLength(5);
    expect(r.stderr).toMatch(/forbidden by only-deciders-decide; nothing of it was written\nthe attempt is recorded as entry \d+ \(casetrail\.denied\)/);
    expect(r.stderr).toMatch(/"city-b:zhao" may not record a violation[^\n]*default deny/);
    expect(r.stderr).toMatch(/"county:chen" may not dispose of an alert[^\n]*forbidden by recusal/);
    expect(r.stdout).toMatch(/disposed of alert \d+ \(violation\)/);
    expect(r.stdout).toContain('every step the policy judges was permitted');
    expect(r.stdout).toMatch(/county: permission policy in force 28391e5064e88362…/);
    // The clue transfer (docs/oversight.md §10).
    expect(r.stderr).toMatch(/error \[TRANSFER_UNVERIFIED\]: .*PAYLOAD_COMMITMENT_MISMATCH on line 2/);
    expect(r.stdout).toMatch(/recorded clue\.received as entry \d+ \(case CITY-A-2026-0001 step 1\)/);
    expect(r.stderr).toMatch(/error \[TRANSFER_REPLAYED\]/);
    expect(r.stdout).toMatch(/yellow 黄牌 deadline\.clue-disposition in case CITY-A-2026-0001/);
    expect(r.stdout).toMatch(/✔ entry \d+ \(case CITY-A-2026-0001\) from city-a\.example\.gov\/cases: 3 entries proven in the sender's checkpoint; the bundle is the one cited; the receipt is in this ledger's signed checkpoint/);
    expect(r.stdout).toContain('== Done');
  }, 240_000);
});
