#!/usr/bin/env node
/**
 * Renders the HTML pages of `points --format html` and `record --format
 * html` once in headless Chromium and fails on any console message (a
 * script error, a resource the page's Content-Security-Policy refused) or
 * on hostile text that became markup. Optional: not part of `pnpm test`
 * (it needs a Chromium); run it after a build:
 *
 *   node packages/cli/scripts/check-html.mjs [--chromium /usr/bin/chromium] [--require]
 *
 * Without a Chromium it says so and exits 0, or 1 with --require. Chromium
 * runs with --headless --no-sandbox --disable-gpu
 * --disable-background-networking --disable-component-update
 * --no-first-run, its console routed to stderr (--enable-logging=stderr),
 * and the page's DOM dumped. A self-test first renders a page that logs an
 * error and loads a refused image, and requires the check to see both, so
 * a Chromium that logs nothing cannot make the check pass vacuously.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const args = process.argv.slice(2);
const required = args.includes('--require');
const given = args.includes('--chromium') ? args[args.indexOf('--chromium') + 1] : undefined;
const chromium = [given, '/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => p !== undefined && existsSync(p));
if (chromium === undefined) {
  console.error('check-html: no Chromium found (apt-get install -y chromium, or --chromium PATH): not checked');
  process.exit(required ? 1 : 0);
}

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--enable-logging=stderr', '--v=0'];

/** Renders a file; returns the DOM Chromium built and the console lines it logged. */
function render(file, profile) {
  const r = spawnSync(chromium, [...FLAGS, `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(file).href], { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) throw r.error;
  const consoleLines = r.stderr.split('\n').filter((l) => /CONSOLE|Content Security Policy|Refused to/i.test(l));
  return { status: r.status, dom: r.stdout, consoleLines };
}

const work = mkdtempSync(join(tmpdir(), 'casetrail-html-'));
let failed = 0;
const fail = (msg) => {
  failed++;
  console.error(`✘ ${msg}`);
};
try {
  const profile = join(work, 'profile');
  // The self-test: a page that must produce console lines.
  const bad = join(work, 'self-test.html');
  writeFileSync(bad, `<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'"></head><body><img src="https://example.invalid/x.png"><script>console.error('self-test error')</script></body></html>`);
  const st = render(bad, profile);
  if (st.consoleLines.length < 2) fail(`self-test: Chromium logged ${st.consoleLines.length} console line(s) for a page with an error and a refused image; this check cannot see console errors (stderr had no CONSOLE line)`);

  // The pages: a ledger with a hostile subject and reason, made with the CLI.
  const cli = await import(pathToFileURL(join(repoRoot, 'packages/cli/dist/index.js')).href);
  const run = async (argv) => {
    const io = cli.captureIo({ cwd: work, env: {} });
    const code = await cli.run(argv, io);
    if (code !== 0) throw new Error(`casetrail ${argv.join(' ')} exited ${code}: ${io.stderrText()}${io.stdoutText()}`);
    return io.stdoutText();
  };
  const pack = join(repoRoot, 'examples/rules/approval-supervision.yaml');
  const hostile = 'clerk:<script>console.error(1)</script>';
  await run(['init', 'cases.ledger', '--origin', 'html.example/check', '--vkey-out', 'cases.vkey']);
  await run(['calendar', 'adopt', 'cases.ledger', '--time', '2025-09-01T08:00+08:00']);
  await run(['rules', 'adopt', 'cases.ledger', pack, '--time', '2025-09-01T08:00+08:00']);
  const app = JSON.parse(await run(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'application.received', '--actor', hostile, '--data', '{"item":"XK-002","applicant":"李四","handler":"clerk:wang"}', '--time', '2025-12-31T23:00+08:00', '--json']));
  const fee = JSON.parse(await run(['append', 'cases.ledger', '--case', 'XK-1', '--type', 'fee.charged', '--actor', 'cashier:zhao', '--data', '{"item":"XK-002","amountFen":90000}', '--time', '2025-12-31T23:30+08:00', '--json']));
  await run(['alerts', 'dispose', 'cases.ledger', String(fee.alerts[0].seq), '--actor', 'chief:zhang', '--outcome', 'violation', '--reason', '收费超标属实', '--time', '2026-01-02T09:00+08:00']);
  await run(['violations', 'record', 'cases.ledger', '--subject', hostile, '--code', 'order.review-before-decision', '--points', '2', '--evidence', String(app.seq), '--actor', 'inspector:sun', '--reason', '<img src=x onerror="console.error(2)"><style>body{background:url(https://example.invalid/)}</style>', '--time', '2026-01-05T09:00+08:00']);
  await run(['points', 'cases.ledger', '--period', '2025', '--format', 'html', '--vkey', 'cases.vkey', '--out', 'points.html']);
  await run(['record', 'cases.ledger', hostile, '--format', 'html', '--vkey', 'cases.vkey', '--out', 'record.html']);
  for (const page of ['points.html', 'record.html']) {
    const r = render(join(work, page), profile);
    if (r.status !== 0) fail(`${page}: Chromium exited ${r.status}`);
    for (const l of r.consoleLines) fail(`${page}: console: ${l}`);
    if (/<script|<img|<style>body/i.test(r.dom)) fail(`${page}: hostile text became markup`);
    if (!r.dom.includes('clerk:&lt;script&gt;console.error(1)&lt;/script&gt;')) fail(`${page}: the hostile subject is not shown as text`);
    if (!r.dom.includes('核验 Verification')) fail(`${page}: the verification section is missing`);
    if (failed === 0) console.error(`✔ ${page}: rendered by ${chromium}, no console message, hostile text shown as text (${readFileSync(join(work, page)).length} bytes)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed === 0 ? 0 : 1);
