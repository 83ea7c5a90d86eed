/**
 * YAML read strictly, for every file of this layer a person writes (the
 * monitor's configuration, a permission policy): YAML 1.2 core schema;
 * duplicate keys, anchors, aliases and custom tags refused — a file means
 * what it says, once.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseDocument, visit } from 'yaml';

/**
 * Parses `source` strictly into plain JSON values.
 * @param invalid - makes the caller's coded error from a message and the line where known
 */
export function parseStrictYaml(source: string, invalid: (message: string, line?: number) => Error): unknown {
  const lc = new LineCounter();
  const doc = parseDocument(source, { lineCounter: lc, prettyErrors: false, uniqueKeys: true, schema: 'core', strict: true, merge: false });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem) throw invalid(problem.message.split('\n')[0] ?? 'not YAML', lc.linePos(problem.pos[0]).line);
  visit(doc, (_k, node) => {
    if (isAlias(node) || ((isScalar(node) || isMap(node) || isSeq(node)) && (node.anchor !== undefined || (node.tag !== undefined && !node.tag.startsWith('tag:yaml.org,2002:'))))) {
      throw invalid('anchors, aliases and custom tags are not allowed', lc.linePos((node as { range?: number[] }).range?.[0] ?? 0).line);
    }
  });
  return doc.toJS({ maxAliasCount: 0 }) as unknown;
}
