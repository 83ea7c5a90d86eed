/**
 * Rule packs: refused before adoption with coded errors and file:line:column
 * (syntax, schema, reserved keys, undeclared step fields, CEL type errors,
 * forbidden functions, limits), hostile packs that must neither hang nor
 * crash, and the canonical form that replay reads.
 */
import { describe, expect, it } from 'vitest';
import { SYSTEM_CASE, TYPES, canonicalJson, createSupervisor, encodeRulesAdopted, isSupervisionError, loadPack, packFromCanonical, type SupervisionErrorCode } from '../src/index.js';
import { examplePack } from './helpers/sim-ledger.js';

const head = `casetrail: supervise/1
pack: t
version: 1
steps:
  fee.charged:
    fields: { item: string, amountFen: int, tags: { type: list, of: string, maxItems: 8 } }
  review.completed:
    fields: { reviewer: string }
`;
const celPack = (when: string): string => `${head}rules:
  - id: r
    version: 1
    point: other
    kind: cel
    on: [fee.charged]
    level: red
    message: { zh: x, en: y }
    when: ${JSON.stringify(when)}
`;

function refused(src: string): { code: SupervisionErrorCode; message: string; position?: { line: number; column: number } } {
  try {
    loadPack(src, 'p.yaml');
  } catch (e) {
    if (!isSupervisionError(e)) throw e;
    return { code: e.code, message: e.message, ...(e.details['position'] ? { position: e.details['position'] as { line: number; column: number } } : {}) };
  }
  throw new Error('the pack was accepted');
}

describe('bad packs are refused before adoption, with a code and a position', () => {
  const cases: [string, string, SupervisionErrorCode, number?, number?][] = [
    ['YAML syntax', 'casetrail: supervise/1\npack: [t\n', 'PACK_SYNTAX', 3, 1],
    ['duplicate key', 'casetrail: supervise/1\npack: t\npack: u\n', 'PACK_SYNTAX', 3, 1],
    ['an alias', `${head}rules:\n  - &a { id: r }\n  - *a\n`, 'PACK_SYNTAX'],
    ['a custom tag', `${head}rules: !!js/function "x"\n`, 'PACK_SYNTAX'],
    ['an unknown key', `${head}rulez: []\nrules: []\n`, 'PACK_SCHEMA', 9, 1],
    ['a reserved pack key (issue 12 points)', `${head}points: {}\nrules: []\n`, 'PACK_RESERVED', 9, 9],
    ['a reserved rule key', celPack('true').replace('    version: 1\n', '    version: 1\n    points: 3\n'), 'PACK_RESERVED'],
    ['the wrong format marker', head.replace('supervise/1', 'supervise/2') + 'rules: []\n', 'PACK_SCHEMA', 1, 12],
    ['a float version', head.replace('version: 1', 'version: 1.5') + 'rules: []\n', 'PACK_SCHEMA', 3, 10],
    ['an undeclared step type', celPack('true').replace('on: [fee.charged]', 'on: [fee.refunded]'), 'PACK_UNKNOWN_FIELD', 14, 10],
    ['an unknown level', celPack('true').replace('level: red', 'level: purple'), 'PACK_SCHEMA', 15, 12],
    ['a reserved step type', `casetrail: supervise/1\npack: t\nversion: 1\nsteps: { casetrail.x: {} }\nrules: []\n`, 'PACK_SCHEMA'],
    ['an unknown message placeholder', celPack('true').replace('zh: x', 'zh: "{secret}"'), 'PACK_SCHEMA'],
    ['a CEL read of an undeclared field', celPack('step.data.fee > 1'), 'PACK_UNKNOWN_FIELD', 17, 12],
    ['a CEL read of an undeclared type', celPack('case.count["nope"] > 0'), 'PACK_UNKNOWN_FIELD'],
    ['a CEL type error', celPack('step.data.item + 1 > 2'), 'PACK_CEL_TYPE'],
    ['a non-bool condition', celPack('step.data.amountFen + 1'), 'PACK_CEL_TYPE'],
    ['CEL syntax', celPack('step.data.amountFen >'), 'PACK_CEL_SYNTAX'],
    ['matches()', celPack('1 == 1 && step.data.item.matches("^(a+)+$")'), 'PACK_CEL_FORBIDDEN', 17, 22],
    ['cel.bind', celPack('cel.bind(x, 1, x == 1)'), 'PACK_CEL_FORBIDDEN'],
    ['map()', celPack('step.data.tags.map(t, t + t).size() > 0'), 'PACK_CEL_FORBIDDEN'],
    ['timestamp()', celPack('timestamp("2025-01-01T00:00:00Z") == timestamp("2025-01-01T00:00:00Z")'), 'PACK_CEL_FORBIDDEN'],
    ['a computed case.latest index', celPack('case.latest[step.data.item].actor == "x"'), 'PACK_CEL_TYPE'],
    ['step used whole', celPack('size(step) > 0'), 'PACK_CEL_TYPE'],
    ['a deadline without a calendar', `${head}rules:\n  - { id: d, version: 1, point: time-limit, kind: deadline, start: fee.charged, stop: [review.completed], thresholds: [{ days: 1, level: red }], message: { zh: x, en: y } }\n`, 'PACK_SCHEMA'],
    ['thresholds not ascending', `${head}calendar: c\nrules:\n  - { id: d, version: 1, point: time-limit, kind: deadline, start: fee.charged, stop: [review.completed], thresholds: [{ days: 5, level: yellow }, { days: 3, level: red }], message: { zh: x, en: y } }\n`, 'PACK_SCHEMA'],
    ['a fee rule on a non-int amount', `${head}schedules: { s: { A: 1 } }\nrules:\n  - { id: f, version: 1, point: fee, kind: fee, on: [fee.charged], schedule: s, item: item, amount: item, level: red, message: { zh: x, en: y } }\n`, 'PACK_UNKNOWN_FIELD'],
  ];
  for (const [name, src, code, line, column] of cases) {
    it(`${name} → ${code}${line ? ` at ${line}:${column}` : ''}`, () => {
      const r = refused(src);
      expect(r.code).toBe(code);
      if (line !== undefined) {
        expect(r.position).toEqual({ file: 'p.yaml', line, column });
        expect(r.message.startsWith(`p.yaml:${line}:${column}: `)).toBe(true);
      }
    });
  }
  it('a CEL error inside a block scalar points at its line and column', () => {
    const src = celPack('x').replace('    when: "x"\n', '    when: |\n      step.data.amountFen > 1 &&\n        step.data.item.matches("a")\n');
    expect(refused(src)).toMatchObject({ code: 'PACK_CEL_FORBIDDEN', position: { line: 19, column: 9 } });
  });
});

describe('hostile packs neither hang nor crash the checker', () => {
  const fast = (src: string, code: SupervisionErrorCode): void => {
    const t = performance.now();
    expect(refused(src).code).toBe(code);
    expect(performance.now() - t).toBeLessThan(2000);
  };
  it('deep nesting', () => fast(celPack(`${'('.repeat(500)}true${')'.repeat(500)}`), 'PACK_LIMIT'));
  it('many nodes', () => fast(celPack(Array.from({ length: 400 }, () => 'step.data.amountFen > 1').join(' && ')), 'PACK_LIMIT'));
  it('a huge literal', () => fast(celPack(`step.data.item == "${'a'.repeat(100_000)}"`), 'PACK_LIMIT'));
  it('a huge list literal', () => fast(celPack(`step.data.item in [${Array.from({ length: 200 }, (_, i) => `"${i}"`).join(',')}]`), 'PACK_LIMIT'));
  it('comprehensions nested three deep', () =>
    fast(celPack('step.data.tags.all(a, step.data.tags.all(b, step.data.tags.exists(c, a + b == c)))'), 'PACK_LIMIT'));
  it('a pack over 1 MiB', () => fast(`${head}rules: []\n# ${'x'.repeat(1_100_000)}\n`, 'PACK_LIMIT'));
  it('201 rules', () => {
    const rule = (i: number) => `  - { id: r${i}, version: 1, point: other, kind: cel, on: [fee.charged], level: red, message: { zh: x, en: y }, when: "true" }\n`;
    fast(`${head}rules:\n${Array.from({ length: 201 }, (_, i) => rule(i)).join('')}`, 'PACK_LIMIT');
  });
  it('two comprehensions deep over the largest inputs a pack may declare evaluate in bounded time', () => {
    const src = `casetrail: supervise/1\npack: w\nversion: 1\nsteps:\n  s: { fields: { tags: { type: list, of: string, maxItems: 64, maxLength: 16384 } } }\nrules:\n  - { id: r, version: 1, point: other, kind: cel, on: [s], level: red, message: { zh: x, en: y }, when: 'step.data.tags.exists(a, step.data.tags.exists(b, (a + b + a + b).contains(b + a + b + "!")))' }\n`;
    const pack = loadPack(src);
    const sup = createSupervisor();
    sup.step({ seq: 0, time: 1, caseId: SYSTEM_CASE, step: 1, type: TYPES.rulesAdopted, actor: 'x', data: JSON.parse(encodeRulesAdopted(pack)) });
    const tags = Array.from({ length: 64 }, (_, i) => `${'a'.repeat(16_383)}${i % 2}`);
    // No pair matches, so both comprehensions run to the end: 64² concatenations and searches of 64 Ki characters.
    const t = performance.now();
    const out = sup.step({ seq: 1, time: 1, caseId: 'c', step: 1, type: 's', actor: 'x', data: { tags } });
    expect(performance.now() - t).toBeLessThan(5000);
    expect(out.alerts).toHaveLength(0);
    const over = sup.step({ seq: 2, time: 1, caseId: 'c2', step: 1, type: 's', actor: 'x', data: { tags: [...tags, 'x'] } });
    expect(over.alerts[0]?.facts).toEqual({ error: expect.any(String), step: { data: { tags: { overLimit: 65 } } } });
  });
  it('a list field may not declare more than 64 items', () => {
    expect(refused(head.replace('maxItems: 8', 'maxItems: 65') + 'rules: []\n').code).toBe('PACK_LIMIT');
  });
});

describe('canonical form', () => {
  it('the example pack: canonical JSON with defaults filled in, hashed; packFromCanonical gives the same pack', () => {
    const p = examplePack();
    const again = packFromCanonical(p.canonical);
    expect(again.hash).toBe(p.hash);
    expect(again.rules.map((r) => r.id)).toEqual(p.rules.map((r) => r.id));
    expect(JSON.parse(p.canonical)).toMatchObject({ zone: 'Asia/Shanghai', levels: ['notice', 'yellow', 'red'] });
  });
  it('comments, key order and flow style do not change the hash', () => {
    const a = loadPack(celPack('step.data.amountFen > 1'));
    const b = loadPack(celPack('step.data.amountFen > 1').replace('version: 1\nsteps:', 'version: 1\n# a comment\nsteps:').replace('pack: t\nversion: 1', 'version: 1\npack: t'));
    expect(b.hash).toBe(a.hash);
  });
  it('a recorded pack that is not canonical, or not complete, is refused', () => {
    const p = examplePack();
    expect(() => packFromCanonical(JSON.stringify(JSON.parse(p.canonical), null, 1))).toThrow(/canonical/);
    const noDefaults = JSON.parse(p.canonical) as Record<string, unknown>;
    delete noDefaults['levels'];
    expect(() => packFromCanonical(canonicalJson(noDefaults))).toThrow(/canonical form/);
  });
});

describe('reasons are 1–4096 characters whatever the facts (§2.4)', () => {
  const pack = loadPack(
    `${head}rules:
  - id: r
    version: 1
    point: other
    kind: cel
    on: [fee.charged]
    level: red
    message: { zh: "{step.data.item}{step.data.item}", en: "{step.data.item}{step.data.item}" }
    when: "step.data.item.size() >= 0"
`,
    'p.yaml',
  );
  const reasons = (item: string) => {
    const sup = createSupervisor({ track: [pack] });
    sup.step({ seq: 0, time: 1, caseId: SYSTEM_CASE, step: 1, type: TYPES.rulesAdopted, actor: 'op', data: JSON.parse(encodeRulesAdopted(pack)) });
    return sup.step({ seq: 1, time: 2, caseId: 'K', step: 1, type: 'fee.charged', actor: 'x', data: { item, amountFen: 1 } }).alerts[0]!;
  };
  it('a long field read twice: cut to 4095 characters and …, never inside a surrogate pair; the alert is well-formed', () => {
    const a = reasons('审'.repeat(4096));
    expect(a.reason.zh.length).toBe(4096);
    expect(a.reason.zh.endsWith('审…')).toBe(true);
    expect(a.reason.en.length).toBe(4096);
    const emoji = reasons('😀'.repeat(2048));
    expect(emoji.reason.zh.length).toBe(4095);
    expect(emoji.reason.zh.endsWith('😀…')).toBe(true);
    expect(() => JSON.parse(a.payload)).not.toThrow();
  });
  it('an empty field: —', () => {
    expect(reasons('').reason.en).toBe('—');
  });
});
