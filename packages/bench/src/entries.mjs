/**
 * Deterministic, realistic case-system entries. Entry i depends only on
 * (i, total, model), so every scenario process regenerates exactly the same
 * entries for every system without holding them all in memory.
 *
 * Shape of the history:
 * - TRACE_CASES "long" cases `TRACE-00` … `TRACE-09`, each of exactly 100
 *   steps spread evenly over the whole ledger (the trace scenario reads them);
 * - ordinary cases are numbered in opening order (`C-00001234`), one opened
 *   every 10 entries, so a case has 10 steps on average. Case model
 *   'lifetime' (default): entry i is a step of a case opened d entries
 *   earlier, d = min(i, 1M)·u³ for a uniform u — a median case age of about
 *   43 days and a tail of a year at one entry per 30 s, the way a case
 *   system's active cases are mostly recent. Case model 'uniform' (the worst
 *   case for the case index): entry i picks any of the total/10 cases at
 *   random, so every step lands on a random case of the whole history;
 * - 64 actors, 8 step types, one entry every 30 s (1M entries ≈ 347 days);
 * - a JSON payload of 200–500 UTF-8 bytes with Chinese text.
 */

/** Entry times start here (2024-01-01T00:00:00Z) and advance by TIME_STEP_MS per entry. */
export const BASE_TIME = Date.UTC(2024, 0, 1);
export const TIME_STEP_MS = 30_000;
export const TRACE_CASES = 10;
export const TRACE_STEPS = 100;

export const TYPES = [
  'case.opened',
  'document.received',
  'review.started',
  'review.completed',
  'decision.recorded',
  'notice.sent',
  'appeal.filed',
  'case.closed',
];

const ACTOR_NAMES = ['wang.fang', 'li.na', 'zhang.wei', 'liu.yang', 'chen.jing', 'yang.min', 'zhao.lei', 'huang.li'];
const ACTOR_ROLES = ['clerk', 'reviewer', 'judge', 'registrar', 'auditor', 'officer', 'counsel', 'system'];
export const ACTORS = ACTOR_ROLES.flatMap((role) => ACTOR_NAMES.map((name) => `${role}:${name}@court.example`));

const DECISIONS = ['予以受理', '不予受理', '补正材料', '批准', '驳回', '部分支持', '中止审理', '移送管辖'];
const APPLICANTS = ['张伟', '王芳', '李娜', '刘洋', '陈静', '杨敏', '赵磊', '黄丽', '周杰', '吴霞', '徐强', '孙悦'];
const PHRASES = [
  '申请人已提交全部材料。',
  '经审核符合受理条件，',
  '请于十五个工作日内补正。',
  '案件已转交复核组处理；',
  '当事人对决定提出异议，',
  '已通知相关部门协助调查。',
  '根据《行政许可法》第三十二条，',
  '材料齐全，予以受理。',
  'Applicant uploaded the signed form. ',
  '现场核查未发现异常情况，',
  '听证会定于下周三上午九时举行。',
  'Reviewed against policy 4.2; no conflict of interest. ',
];

/** 32-bit mix of (i, k): a stateless hash used as a random source per entry. */
export function rnd(i, k) {
  let x = (Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(k + 1, 0xc2b2ae35)) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  x ^= x >>> 16;
  // Fold in the high part of i so indices above 2^32 stay distinct.
  return (x ^ Math.floor(i / 0x1_0000_0000)) >>> 0;
}

const enc = new TextEncoder();
const PHRASE_BYTES = PHRASES.map((p) => enc.encode(p).length);

/** Which long case (0 … TRACE_CASES − 1) entry i belongs to, or −1. */
export function traceCaseOf(i, total) {
  const stride = Math.floor(total / TRACE_STEPS);
  if (stride < TRACE_CASES * 2) return -1;
  const slot = i % stride;
  return slot < TRACE_CASES && Math.floor(i / stride) < TRACE_STEPS ? slot : -1;
}

export function traceCaseId(k) {
  return `TRACE-${String(k).padStart(2, '0')}`;
}

/** The ordinary case number of entry i (see the module comment). */
export function caseOf(i, total, model) {
  if (model === 'uniform') return rnd(i, 1) % Math.max(1, Math.floor(total / 10));
  if (model !== 'lifetime') throw new Error(`unknown case model ${model}`);
  const u = rnd(i, 1) / 0x1_0000_0000;
  const age = Math.floor(Math.min(i, MAX_CASE_AGE) * u * u * u);
  return Math.floor((i - age) / 10);
}

/** Longest case age in entries (1M entries × 30 s ≈ one year). */
const MAX_CASE_AGE = 1_000_000;

/**
 * Entry i of a history of `total` entries.
 * @returns {{ caseId: string, type: string, actor: string, time: number, data: object }}
 */
export function entryAt(i, total, model = 'lifetime') {
  const t = traceCaseOf(i, total);
  const caseId = t >= 0 ? traceCaseId(t) : `C-${String(caseOf(i, total, model)).padStart(8, '0')}`;
  const type = TYPES[rnd(i, 2) % TYPES.length];
  const actor = ACTORS[rnd(i, 3) % ACTORS.length];
  const time = BASE_TIME + i * TIME_STEP_MS;
  // The longest phrase is 54 bytes, so payloads land in 200 … 500 bytes.
  const target = 200 + (rnd(i, 4) % 247);
  const data = {
    caseNo: caseId,
    decision: DECISIONS[rnd(i, 5) % DECISIONS.length],
    applicant: APPLICANTS[rnd(i, 6) % APPLICANTS.length],
    amount: (rnd(i, 7) % 10_000_000) / 100,
    currency: 'CNY',
    refs: [`DOC-${rnd(i, 8) % 100000}`, `DOC-${rnd(i, 9) % 100000}`],
    note: '',
  };
  // Fill the note with phrases until the JSON reaches the target size.
  let size = enc.encode(JSON.stringify(data)).length;
  let p = rnd(i, 10);
  let note = '';
  while (size < target) {
    const k = p % PHRASES.length;
    p = (Math.imul(p, 1103515245) + 12345) >>> 0;
    note += PHRASES[k];
    size += PHRASE_BYTES[k];
  }
  data.note = note;
  return { caseId, type, actor, time, data };
}

/** Entries [from, to) of a history of `total`. */
export function entriesRange(from, to, total, model) {
  const out = new Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = entryAt(i, total, model);
  return out;
}

/** The payload bytes an application stores for an entry (UTF-8 JSON of its data). */
export function payloadBytes(e) {
  return enc.encode(JSON.stringify(e.data));
}

/** The record an application would append to a plain log such as hypercore. */
export function recordBytes(e) {
  return Buffer.from(JSON.stringify({ caseId: e.caseId, type: e.type, actor: e.actor, time: e.time, data: e.data }));
}
