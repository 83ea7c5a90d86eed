/**
 * The HTML pages people read (docs/cli.md "points --format html", "record
 * --format html"): one self-contained page — no script, no external
 * resource (a Content-Security-Policy of `default-src 'none'` says so to
 * the browser), printable CSS, Chinese labels with English beside them.
 * Every value comes from the report the library read from checked bytes,
 * and every text goes through `html()`: a subject or reason holding
 * `<script>` is shown as text, and invisible or bidirectional characters
 * as `\u{…}` escapes (docs/cli.md "Text").
 */
import type { PointsReport, StepRef, SubjectRecord, ViolationRow } from '@casetrail/supervise/ledger';
import { printable } from './output.js';
import { measureText } from './points-view.js';
import { formatTime, type Zone } from './times.js';

/**
 * Text as HTML character data or a quoted attribute value: display escapes
 * first (printable), then the five characters HTML gives a meaning.
 */
export function html(v: string | number | null): string {
  if (v === null) return '—';
  return printable(String(v)).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #999; }
table { border-collapse: collapse; width: 100%; margin: 0.6em 0; font-size: 0.92em; }
th, td { border: 1px solid #999; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #05631f; font-weight: bold; } .bad { color: #a40000; font-weight: bold; } .muted { color: #555; }
.revoked { text-decoration: line-through; color: #555; } code { font-family: monospace; word-break: break-all; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; } dt { font-weight: bold; } dd { margin: 0; }
@media print { body { margin: 1cm; } h2 { break-after: avoid; } tr { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
`;

function page(title: string, body: string): string {
  return (
    '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">\n` +
    '<meta name="viewport" content="width=device-width, initial-scale=1">\n' +
    `<title>${html(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${body}</body>\n</html>\n`
  );
}

/** The verification a report states: what was checked, under which key, and the audit's outcome. */
export interface ReportVerification {
  readonly ledger: string;
  readonly vkey: string;
  readonly size: number;
  readonly root: string;
  readonly signedSize: number;
  readonly verified: boolean;
  /** null when the audit was not run (the ledger did not verify) */
  readonly auditOk: boolean | null;
  readonly findings: readonly { readonly code: string; readonly seq: number; readonly message: string }[];
}

function verificationSection(v: ReportVerification, zoneName: string, generated: string): string {
  const outcome = v.auditOk === null ? '<span class="bad">未审计 not audited (the ledger does not verify)</span>' : v.auditOk ? '<span class="ok">✔ 通过 passed</span>' : `<span class="bad">✘ 未通过 failed: ${v.findings.length} finding(s)</span>`;
  let out = '<h2>核验 Verification</h2>\n<dl>\n';
  out += `<dt>台账 Ledger</dt><dd><code>${html(v.ledger)}</code></dd>\n`;
  out += `<dt>验证公钥 Verifier key</dt><dd><code>${html(v.vkey)}</code></dd>\n`;
  out += `<dt>完整性 Integrity</dt><dd>${v.verified ? '<span class="ok">✔ 验证通过 verified</span>' : '<span class="bad">✘ 验证失败 verification failed</span>'} — ${html(v.size)} entries, root <code>${html(v.root)}</code></dd>\n`;
  out += `<dt>签名检查点 Checkpoint</dt><dd>${v.signedSize > 0 ? `size ${html(v.signedSize)} signed by the key above` : '<span class="bad">none signed</span>'}</dd>\n`;
  out += `<dt>监督审计 Audit</dt><dd>${outcome}</dd>\n`;
  out += `<dt>时区 Zone</dt><dd>${html(zoneName)}; generated ${html(generated)}</dd>\n</dl>\n`;
  if (v.findings.length > 0) {
    out += '<table><tr><th>code</th><th>seq</th><th>finding</th></tr>\n';
    for (const f of v.findings.slice(0, 200)) out += `<tr><td>${html(f.code)}</td><td class="n">${html(f.seq)}</td><td>${html(f.message)}</td></tr>\n`;
    out += '</table>\n';
  }
  return out;
}

/** Evidence as links people can follow in the ledger: `seq (case step N, type)`. */
function evidenceCell(seqs: readonly number[], steps: ReadonlyMap<number, StepRef>): string {
  return seqs
    .map((s) => {
      const e = steps.get(s);
      return e === undefined ? `#${html(s)}` : `<a href="#e${html(s)}">#${html(s)}</a> <span class="muted">${html(e.caseId)} 第${html(e.step)}步 ${html(e.type)}</span>`;
    })
    .join('<br>');
}

function violationTable(rows: readonly ViolationRow[], steps: ReadonlyMap<number, StepRef>, titles: ReadonlyMap<string, { zh: string }>, zone: Zone, invalid: ReadonlyMap<number, string> = new Map()): string {
  let out = '<table><tr><th>seq</th><th>情形 code</th><th>扣分 points</th><th>违规时间 at</th><th>依据 evidence (seq, case, step)</th><th>理由 reason</th><th>登记 recorded</th><th>状态 status</th></tr>\n';
  for (const v of rows) {
    const problem = invalid.get(v.seq);
    const revoked = v.revokedBy !== null || problem !== undefined;
    const status =
      problem !== undefined
        ? `<span class="bad">✘ 校验不通过，未计入 does not check, not counted: ${html(problem)}</span>`
        : v.revokedBy !== null
          ? `已撤销 revoked by #${html(v.revokedBy.seq)} (${html(v.revokedBy.actor)}: ${html(v.revokedBy.reason)})`
          : '有效 counted';
    out +=
      `<tr id="v${html(v.seq)}"${revoked ? ' class="revoked"' : ''}><td class="n">${html(v.seq)}</td><td>${html(v.code)}<br><span class="muted">${html(titles.get(v.code)?.zh ?? '')}</span></td>` +
      `<td class="n">${html(v.points)}</td><td>${html(formatTime(v.at, zone))}</td><td>${evidenceCell(v.evidence, steps)}</td><td>${html(v.reason)}</td>` +
      `<td>${html(v.actor)}<br><span class="muted">${html(formatTime(v.time, zone))}</span></td><td>${status}</td></tr>\n`;
  }
  return out + '</table>\n';
}

function stepAnchors(steps: ReadonlyMap<number, StepRef>, zone: Zone, title = '依据条目 Evidence entries'): string {
  if (steps.size === 0) return '';
  let out = `<h2>${title}</h2>\n<table><tr><th>seq</th><th>案件 case</th><th>步 step</th><th>类型 type</th><th>操作人 actor</th><th>时间 time</th></tr>\n`;
  for (const e of [...steps.values()].sort((a, b) => a.seq - b.seq)) {
    out += `<tr id="e${html(e.seq)}"><td class="n">${html(e.seq)}</td><td>${html(e.caseId)}</td><td class="n">${html(e.step)}</td><td>${html(e.type)}</td><td>${html(e.actor)}</td><td>${html(formatTime(e.time, zone))}</td></tr>\n`;
  }
  return out + '</table>\n';
}

/** `points --format html`: the period's table, each subject's violations with their evidence, the verification. */
export function pointsHtml(r: PointsReport, steps: ReadonlyMap<number, StepRef>, v: ReportVerification, zone: Zone, zoneName: string, generated: string): string {
  const m = r.pack.model;
  let body = `<h1>违规扣分台账 ${html(r.period)}</h1>\n<p class="muted">Violations ledger — points of period ${html(r.period)} (${html(formatTime(r.start, zone))} – ${html(formatTime(r.end, zone))}), ${r.ended ? '已结束 ended' : '<strong>未结束 not ended: live totals</strong>'}</p>\n`;
  body += `<p>规则包 Pack <code>${html(r.pack.id)}</code> v${html(r.pack.version)} (entry ${html(r.pack.seq)}, <code>${html(r.pack.hash)}</code>): 基础分 base ${html(m.base)}, 下限 floor ${html(m.floor)}, 周期 cycle ${html(m.period)}; 措施 measures: ${m.measures.map((x) => `≥ ${html(x.at)} ${html(x.measure)} ${html(x.title.zh)}`).join('; ') || '—'}</p>\n`;
  body += `<p>汇总 Summaries recorded for ${html(r.period)}: ${r.summaries.length === 0 ? '无 none' : r.summaries.map((s) => `#${html(s)}`).join(', ')}</p>\n`;
  body += '<h2>汇总表 Totals</h2>\n';
  if (r.subjects.length === 0) body += '<p>本期无违规 No violation in this period.</p>\n';
  else {
    body += '<table><tr><th>对象 subject</th><th>单位 unit</th><th>本期扣分 deducted</th><th>周期累计 cycle total</th><th>剩余 remaining</th><th>措施 measure</th><th>违规 violations</th></tr>\n';
    for (const s of r.subjects) {
      body +=
        `<tr><td><a href="#s-${html(s.subject)}">${html(s.subject)}</a></td><td>${html(s.unit)}</td><td class="n">${html(s.deducted)}</td><td class="n">${html(s.total)}</td><td class="n">${html(s.remaining)}</td>` +
        `<td>${html(measureText(s.measure))}</td><td>${s.violations.map((x) => `<a href="#v${html(x)}">#${html(x)}</a>`).join(' ')}${s.revoked.length > 0 ? ` <span class="revoked">${s.revoked.map((x) => `#${html(x)}`).join(' ')}</span>` : ''}</td></tr>\n`;
    }
    body += '</table>\n';
  }
  for (const s of r.subjects) {
    const rows = [...s.violations, ...s.revoked].sort((a, b) => a - b).map((x) => r.violations.get(x)!);
    body += `<h2 id="s-${html(s.subject)}">${html(s.subject)} — 扣 ${html(s.deducted)} 分, 剩余 ${html(s.remaining)}, ${html(measureText(s.measure))}</h2>\n`;
    body += violationTable(rows, steps, r.pack.titles, zone);
  }
  body += stepAnchors(steps, zone);
  body += verificationSection(v, zoneName, generated);
  for (const x of r.invalid) body += `<p class="bad">✘ 违规记录 #${html(x.seq)} (${html(x.code)}, ${html(x.subject)}) 校验不通过，未计入 — does not check at its position, not counted: ${html(x.problem)}</p>\n`;
  if (r.malformed.length > 0) body += `<p class="bad">✘ malformed entries of the violations ledger: ${r.malformed.map((x) => html(x)).join(', ')} — run casetrail audit</p>\n`;
  return page(`违规扣分台账 ${r.period}`, body);
}

/** `record --format html`: a person's record (廉政档案). */
export function recordHtml(r: SubjectRecord, steps: ReadonlyMap<number, StepRef>, v: ReportVerification, zone: Zone, zoneName: string, generated: string): string {
  let body = `<h1>廉政档案 ${html(r.subject)}</h1>\n<p class="muted">Personal record of ${html(r.subject)}; unit ${html(r.unit)}; ledger of ${html(r.size)} entries</p>\n`;
  body += '<h2>各期扣分 Points by period</h2>\n';
  if (r.periods.length === 0) body += '<p>无违规记录 No violation recorded.</p>\n';
  else {
    body += '<table><tr><th>周期 period</th><th>扣分 deducted</th><th>剩余 remaining</th><th>措施 measure</th><th>违规 violations</th></tr>\n';
    for (const p of r.periods) {
      body += `<tr><td>${html(p.period)}${p.ended ? '' : ' <span class="muted">(未结束 not ended)</span>'}</td><td class="n">${html(p.deducted)}</td><td class="n">${html(p.remaining)}</td><td>${html(measureText(p.measure))}</td><td>${p.violations.map((x) => `<a href="#v${html(x)}">#${html(x)}</a>`).join(' ')}</td></tr>\n`;
    }
    body += '</table>\n';
  }
  body += '<h2>违规 Violations</h2>\n' + (r.violations.length === 0 ? '<p>无 none</p>\n' : violationTable(r.violations, steps, r.pack.titles, zone, new Map(r.invalid.map((x) => [x.seq, x.problem]))));
  body += '<h2>预警 Alerts</h2>\n';
  if (r.alerts.length === 0) body += '<p>无 none</p>\n';
  else {
    body += '<table><tr><th>seq</th><th>案件 case</th><th>级别 level</th><th>规则 rule</th><th>原因 reason</th><th>时间 time</th></tr>\n';
    for (const a of r.alerts) body += `<tr><td class="n">${html(a.seq)}</td><td>${html(a.caseId)}</td><td>${html(a.level)}</td><td>${html(a.rule)}</td><td>${html(a.reason.zh)}</td><td>${html(formatTime(a.time, zone))}</td></tr>\n`;
    body += '</table>\n';
  }
  body += stepAnchors(steps, zone, '相关案件步骤 Case steps concerning the subject');
  body += verificationSection(v, zoneName, generated);
  return page(`廉政档案 ${r.subject}`, body);
}
