/**
 * Loading rule packs: from YAML (`loadPack`, what `rules check` and `rules
 * adopt` read) and from the canonical JSON recorded in the ledger
 * (`packFromCanonical`, what replay reads — never the YAML). Errors are
 * `SupervisionError`s; for YAML they carry `details.position`
 * {file, line, column} and start with `file:line:column:`.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, parseDocument, visit, type Document, type Node as YamlNode } from 'yaml';
import type { z } from 'zod';
import { utf8 } from '@casetrail/core/pure';
import { parseCanonicalJson } from './canonical-json.js';
import { SupervisionError, fail, formatPosition, type SourcePosition, type SupervisionErrorCode } from './errors.js';
import { compilePack, type Path } from './pack-compile.js';
import type { Pack } from './pack-model.js';
import { LIMITS, RESERVED_PACK_KEYS, RESERVED_RULE_KEYS, packSchema, type PackParsed } from './pack-schema.js';

type Locate = (path: Path, offset?: number, atKey?: boolean) => SourcePosition | undefined;

function issueCode(issue: z.core.$ZodIssue): SupervisionErrorCode {
  if (issue.code !== 'too_big') return 'PACK_SCHEMA';
  // Sizes (lists, texts) and the declared input bounds are limits; other numbers are values.
  const last = issue.path[issue.path.length - 1];
  return (issue.origin !== 'number' && issue.origin !== 'int') || last === 'maxItems' || last === 'maxLength' ? 'PACK_LIMIT' : 'PACK_SCHEMA';
}

function withPosition(e: SupervisionError, locate: Locate): SupervisionError {
  const path = (e.details['path'] as Path | undefined) ?? [];
  const offset = e.details['offset'] as number | undefined;
  const pos = locate(path, offset, e.details['atKey'] === true);
  const where = pos ? `${formatPosition(pos)}: ` : '';
  const at = path.length > 0 ? ` (at ${path.join('.')})` : '';
  return new SupervisionError(e.code, `${where}${e.message}${at}`, { ...e.details, ...(pos ? { position: pos } : {}) }, { cause: e });
}

/** Reserved keys first, so a pack written for a later engine gets PACK_RESERVED, not "unknown key". */
function checkReserved(value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const top = value as Record<string, unknown>;
  for (const k of RESERVED_PACK_KEYS) {
    if (Object.prototype.hasOwnProperty.call(top, k)) fail('PACK_RESERVED', `key ${k} is reserved for a later version of the pack format; this engine does not implement it`, { path: [k] });
  }
  const rules = top['rules'];
  if (!Array.isArray(rules)) return;
  rules.forEach((r, i) => {
    if (typeof r !== 'object' || r === null) return;
    for (const [k, why] of Object.entries(RESERVED_RULE_KEYS)) {
      if (Object.prototype.hasOwnProperty.call(r, k)) fail('PACK_RESERVED', `rule key ${k} is reserved: ${why}`, { path: ['rules', i, k] });
    }
  });
}

/** Schema validation and compilation, shared by both entry points. */
function validate(value: unknown): Pack {
  checkReserved(value);
  const r = packSchema.safeParse(value);
  if (!r.success) {
    // An unknown key is the likeliest typo: report it before what it caused.
    const issue = (r.error.issues.find((i) => i.code === 'unrecognized_keys') ?? r.error.issues[0]) as z.core.$ZodIssue;
    let path: Path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    let msg = issue.message;
    let atKey = false;
    if (issue.code === 'unrecognized_keys') {
      path = [...path, issue.keys[0] as string];
      msg = `unknown key ${JSON.stringify(issue.keys[0])}`;
      atKey = true;
    }
    fail(issueCode(issue), msg, { path, atKey });
  }
  return compilePack(r.data as PackParsed);
}

/** Where in the YAML source a key path (and an offset inside a CEL scalar) is. */
function locator(doc: Document, lc: LineCounter, file: string, src: string): Locate {
  return (path, offset, atKey) => {
    let node: unknown = doc.contents;
    let keyNode: YamlNode | undefined;
    for (const k of path) {
      if (!isMap(node) && !(node !== null && typeof node === 'object' && 'items' in node)) break;
      const items = (node as { items: unknown[] }).items;
      let next: unknown;
      keyNode = undefined;
      if (isMap(node)) {
        for (const it of items) {
          if (isPair(it) && isScalar(it.key) && String(it.key.value) === String(k)) {
            next = it.value;
            keyNode = it.key;
          }
        }
      } else if (typeof k === 'number') {
        next = items[k];
      }
      if (next === undefined) break;
      node = next;
    }
    const n = (atKey === true && keyNode !== undefined ? keyNode : (node ?? keyNode)) as YamlNode | undefined;
    const range = n?.range ?? keyNode?.range;
    if (!range) return undefined;
    let at = range[0];
    if (offset !== undefined && isScalar(n) && typeof n.value === 'string') {
      const raw = src.slice(range[0], range[1]);
      if (n.type === 'PLAIN' || n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE') {
        if (!raw.includes('\n')) at = range[0] + (n.type === 'PLAIN' ? 0 : 1) + offset;
      } else {
        // Block scalar: value line k is source line k + 1 after the header.
        const before = n.value.slice(0, offset);
        const lineInValue = before.split('\n').length - 1;
        const col = offset - (before.lastIndexOf('\n') + 1);
        const lines = raw.split('\n');
        const firstLine = lines[1];
        if (lines[lineInValue + 1] !== undefined && firstLine !== undefined) {
          // the block's indentation is that of its first content line
          const indent = firstLine.length - firstLine.trimStart().length;
          at = range[0] + lines.slice(0, lineInValue + 1).join('\n').length + 1 + indent + col;
        }
      }
    }
    const { line, col } = lc.linePos(at);
    return { file, line, column: col };
  };
}

/**
 * Reads a pack from YAML source.
 * @param source the YAML text (at most 1 MiB)
 * @param file name used in positions (default `<pack>`)
 * @throws SupervisionError PACK_SYNTAX | PACK_SCHEMA | PACK_RESERVED | PACK_UNKNOWN_FIELD | PACK_CEL_* | PACK_LIMIT
 * @example const pack = loadPack(readFileSync('approval.yaml', 'utf8'), 'approval.yaml');
 */
export function loadPack(source: string, file = '<pack>'): Pack {
  if (typeof source !== 'string') throw new TypeError('source must be a string');
  if (utf8(source).length > LIMITS.sourceBytes) fail('PACK_LIMIT', `${file}: a pack is at most ${LIMITS.sourceBytes} bytes`);
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, schema: 'core', strict: true, merge: false });
  const locate = locator(doc, lc, file, source);
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) {
    const { line, col } = lc.linePos(problem.pos[0]);
    const position = { file, line, column: col };
    fail('PACK_SYNTAX', `${formatPosition(position)}: ${problem.message.split('\n')[0] ?? ''}`, { position, yamlCode: problem.code });
  }
  visit(doc, (_key, node) => {
    if (isAlias(node) || ((isScalar(node) || isMap(node)) && (node.anchor !== undefined || (node.tag !== undefined && !node.tag.startsWith('tag:yaml.org,2002:'))))) {
      const range = (node as { range?: readonly number[] | null }).range ?? [0];
      const { line, col } = lc.linePos(range[0] ?? 0);
      const position = { file, line, column: col };
      fail('PACK_SYNTAX', `${formatPosition(position)}: anchors, aliases and custom tags are not allowed in a pack`, { position });
    }
  });
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 0 });
  } catch (e) {
    fail('PACK_SYNTAX', `${file}: ${(e as Error).message}`);
  }
  try {
    return validate(value);
  } catch (e) {
    if (e instanceof SupervisionError) throw withPosition(e, locate);
    throw e;
  }
}

/**
 * Reads a pack from the canonical JSON recorded in a `casetrail.rules.adopted`
 * entry. The text must be exactly the canonical form of a valid pack.
 * @throws SupervisionError (same codes as loadPack, without positions)
 */
export function packFromCanonical(text: string): Pack {
  const parsed = parseCanonicalJson(text);
  if (parsed === undefined) fail('PACK_SCHEMA', 'the recorded pack is not canonical JSON (RFC 8785)');
  const pack = validate(parsed.value);
  if (pack.canonical !== text) fail('PACK_SCHEMA', 'the recorded pack is not in its canonical form (defaults must be filled in)');
  return pack;
}

/** Like packFromCanonical, from an already parsed JSON value. */
export function packFromJson(value: unknown): Pack {
  return validate(value);
}
