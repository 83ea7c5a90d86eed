/** A pack exercising what the example does not: CEL with aggregates and latest steps, blocking rules, escalation. */
import { loadPack, type Pack } from '../../src/index.js';

export const ENGINE_PACK_YAML = `casetrail: supervise/1
pack: engine-test
version: 1
calendar: cn-mainland
steps:
  application.received: { fields: { item: string, handler: string } }
  fee.charged: { fields: { item: string, amountFen: int, note: { type: string, optional: true, maxLength: 16 } } }
  approval.decided: { fields: { decision: { type: string, enum: [granted, refused] } } }
  case.closed: {}
aggregates:
  feesTotal: { kind: sum, of: fee.charged, field: amountFen }
rules:
  - id: cel.big-fee
    version: 1
    point: fee
    kind: cel
    on: [fee.charged]
    level: yellow
    when: step.data.amountFen > 50000 || case.agg.feesTotal + step.data.amountFen > 80000
    message: { zh: "大额收费 {step.data.amountFen} 分", en: "Large fee: {step.data.amountFen} fen" }
  - id: cel.decided-by-handler
    version: 1
    point: procedure
    kind: cel
    on: [approval.decided]
    level: red
    block: true
    when: '"application.received" in case.latest && case.latest["application.received"].data.handler == step.actor'
    message: { zh: 经办人自行决定, en: The handler decided their own case }
  - id: order.closed-last
    version: 1
    point: procedure
    kind: order
    on: [fee.charged]
    forbids: [case.closed]
    level: red
    block: true
    message: { zh: "结案后收费（{present}）", en: "Fee after closing ({present})" }
  - id: deadline.close
    version: 1
    point: time-limit
    kind: deadline
    start: application.received
    stop: [case.closed]
    thresholds: [{ days: 2, level: notice }]
    message: { zh: "{days} 个工作日未结案", en: "{days} working days without closing" }
  - id: escalate.open
    version: 1
    point: other
    kind: escalate
    from: [notice, yellow]
    after: 3
    message: { zh: "预警 {alertSeq} 逾 {after} 个工作日未处置", en: "Alert {alertSeq} undisposed for {after} working days" }
`;

export function enginePack(): Pack {
  return loadPack(ENGINE_PACK_YAML, 'engine-test.yaml');
}
