// A Stryker ignorer (docs/mutation.md, "What is not mutated"): the human text
// of an error or an issue. Codes, details (`details.field`, positions) and
// every condition stay mutated; only the message argument of
// `new LedgerError(code, message, …)` and `fail(code, message, …)`, the
// argument of the local `malformed…(message)` helpers, and the `message`
// property of an issue object are skipped. docs/errors.md makes the codes
// and details the contract; a message names the problem for a person, and a
// test pinning its wording would only pin the wording.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.resolve('@stryker-mutator/core'));
const { PluginKind, declareValuePlugin } = await import(require.resolve('@stryker-mutator/api/plugin'));

/** Functions whose argument at this index is a message. */
const MESSAGE_ARG = new Map([
  ['LedgerError', 1],
  ['fail', 1],
  ['malformed', 0],
  ['malformedProof', 0],
  ['malformedBundle', 0],
]);

const REASON = 'message text: the code and details are the contract (docs/errors.md), the wording is not';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'casetrail-message-text', {
    shouldIgnore(path) {
      const parent = path.parentPath;
      if (parent === null || parent === undefined) return undefined;
      if ((parent.isNewExpression() || parent.isCallExpression()) && path.listKey === 'arguments') {
        const callee = parent.node.callee;
        if (callee.type === 'Identifier' && MESSAGE_ARG.get(callee.name) === path.key) return REASON;
      }
      if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && path.node.key.name === 'message') return REASON;
      return undefined;
    },
  }),
];
