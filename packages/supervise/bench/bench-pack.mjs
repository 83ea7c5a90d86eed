/**
 * The 20-rule pack of the supervision benchmarks: every kind of rule over
 * the 8 step types of an administrative approval, several rules per type.
 * Read by this package's engine figures (bench.mjs) and by the side-by-side
 * scenarios of packages/bench.
 */
const rule = (r) => `  - ${JSON.stringify({ version: 1, point: 'other', message: { zh: 'x {level}', en: 'x {level}' }, ...r })}\n`;

export const PACK_YAML = `casetrail: supervise/1
pack: bench-20
version: 1
calendar: cn-mainland
steps:
  application.received: { fields: { item: string, applicant: string, handler: string } }
  review.completed: { fields: { reviewer: string, opinion: { type: string, optional: true } } }
  fee.charged: { fields: { item: string, amountFen: int } }
  approval.decided: { fields: { decision: { type: string, enum: [granted, refused] }, basis: { type: string, optional: true } } }
  supplement.requested: {}
  supplement.received: {}
  case.archived: { fields: { box: string } }
  note.added: { fields: { text: string } }
schedules: { fees: { XK-001: 0, XK-002: 20000, XK-003: 5000 } }
aggregates: { feesTotal: { kind: sum, of: fee.charged, field: amountFen } }
rules:
${[
  rule({ id: 'c1', kind: 'cel', on: ['fee.charged'], level: 'yellow', when: 'step.data.amountFen > 100000' }),
  rule({ id: 'c2', kind: 'cel', on: ['fee.charged'], level: 'red', when: 'case.agg.feesTotal + step.data.amountFen > 500000' }),
  rule({ id: 'c3', kind: 'cel', on: ['approval.decided'], level: 'red', when: '"application.received" in case.latest && case.latest["application.received"].data.handler == step.actor' }),
  rule({ id: 'c4', kind: 'cel', on: ['review.completed'], level: 'notice', when: 'step.data.reviewer != step.actor' }),
  rule({ id: 'c5', kind: 'cel', on: ['note.added'], level: 'notice', when: 'step.data.text.size() > 2000 || step.data.text.contains("违规")' }),
  rule({ id: 'o1', kind: 'order', on: ['approval.decided'], level: 'red', requires: ['review.completed'] }),
  rule({ id: 'o2', kind: 'order', on: ['fee.charged'], level: 'yellow', requires: ['application.received'] }),
  rule({ id: 'o3', kind: 'order', on: ['case.archived'], level: 'yellow', requires: ['approval.decided'] }),
  rule({ id: 'f1', kind: 'fee', on: ['fee.charged'], level: 'red', schedule: 'fees', item: 'item', amount: 'amountFen' }),
  rule({ id: 'f2', kind: 'cel', on: ['fee.charged'], level: 'notice', when: 'case.count["fee.charged"] > 3' }),
  rule({ id: 'r1', kind: 'required-fields', on: ['approval.decided'], level: 'yellow', fields: ['basis'] }),
  rule({ id: 'r2', kind: 'required-fields', on: ['application.received'], level: 'yellow', fields: ['item', 'applicant'] }),
  rule({ id: 'r3', kind: 'required-fields', on: ['case.archived'], level: 'notice', fields: ['box'] }),
  rule({ id: 's1', kind: 'separation', level: 'yellow', types: ['review.completed', 'approval.decided'] }),
  rule({ id: 's2', kind: 'separation', level: 'notice', types: ['application.received', 'review.completed'] }),
  rule({ id: 'd1', kind: 'deadline', start: 'application.received', stop: ['approval.decided'], pause: ['supplement.requested'], resume: ['supplement.received'], thresholds: [{ days: 16, level: 'notice' }, { days: 20, level: 'yellow' }, { days: 25, level: 'red' }], message: { zh: '{days}', en: '{days}' } }),
  rule({ id: 'd2', kind: 'deadline', start: 'approval.decided', stop: ['case.archived'], thresholds: [{ days: 10, level: 'notice' }], message: { zh: '{days}', en: '{days}' } }),
  rule({ id: 'd3', kind: 'deadline', start: 'application.received', stop: ['review.completed'], thresholds: [{ days: 10, level: 'yellow' }], message: { zh: '{days}', en: '{days}' } }),
  rule({ id: 'e1', kind: 'escalate', from: ['notice'], after: 5, message: { zh: '{alertSeq}', en: '{alertSeq}' } }),
  rule({ id: 'e2', kind: 'escalate', from: ['yellow'], after: 5, rules: ['d1', 'd3'], message: { zh: '{alertSeq}', en: '{alertSeq}' } }),
].join('')}`;
