// A Stryker ignorer (docs/mutation.md, "What is not mutated"): what only a
// person reads of an error. Codes, details (`details.field`, positions,
// limits) and every condition stay mutated; skipped are the message argument
// of `new LedgerError(code, message, details, options)`, `fail(code,
// message)` and the `malformed…(message, cause)` helpers, the `cause` they
// chain (diagnostics, not in docs/errors.md), the `message` property of an
// issue object, a function that only computes a message's figure, the parameters of the proof-text reader that only name
// a line or a field in a message, the message of the bundle verifier's
// `#issue(code, message, …)`, an argument given to a parameter named
// `what` (the bundle parser's label of a line or field in a message), the message of a plain Error (caught and quoted in
// an issue's message or a listing's reason), the text of a problem core's verification quotes, and the oversight
// witness's message-only helpers and variables (MESSAGE_PARAMETERS, MESSAGE_ONLY_VARIABLES). docs/errors.md makes the codes and details
// the contract; a test pinning a message's wording would only pin the wording.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.resolve('@stryker-mutator/core'));
const { PluginKind, declareValuePlugin } = await import(require.resolve('@stryker-mutator/api/plugin'));

/** Functions and the indices of their arguments that reach only a message or a chained cause. */
const MESSAGE_ARGS = new Map([
  ['LedgerError', [1, 3]],
  // packages/supervise: its error class has the same shape (code, message, details, options).
  ['SupervisionError', [1, 3]],
  ['fail', [1]],
  ['malformed', [0, 1]],
  ['malformedProof', [0, 1]],
  ['malformedBundle', [0, 1]],
  // entry/entry.ts and entry/redaction.ts: `bad(message, details)` throws MALFORMED_ENTRY.
  ['bad', [0]],
  // supervise/src/points/checks.ts: `problem(text)` is a verdict whose text is VIOLATION_INVALID's message.
  ['problem', [0]],
  // cbor.ts: the name of the argument, in INVALID_ARGUMENT's message only.
  ['plainBytes', [1]],
  // tlog/proof-text.ts: `what` and `expected` name the artifact or line in MALFORMED_PROOF's message only.
  ['ProofLines', [1]],
  ['proofText', [2]],
  ['parseProofDecimal', [1]],
  // oversight durable/lock.ts: `lockStateDir(dir, what)` names the state in STATE_LOCKED's message only.
  ['lockStateDir', [1]],
  // A plain Error is never part of the contract: it is raised only to be caught and quoted in a coded
  // error's or an issue's message or a listing's reason (core's verification steps.ts, witnessed.ts; the
  // oversight witness's state.ts and evidence.ts `unreadable`), or, in the bundle stream, to fail its sink.
  ['Error', [0]],
]);

/**
 * Methods (called on `this`) and the indices of their arguments that reach only
 * a message: core/src/verify/steps.ts CheckpointCursor `check(row, computed,
 * why)`, whose `why` says in CHECKPOINT_ROOT_MISMATCH's message why no root
 * could be recomputed.
 */
const MESSAGE_METHOD_ARGS = new Map([['check', [2]]]);

/**
 * Functions whose `problem` variable holds why a rule is broken, as text the
 * issue's message quotes: the text assigned is ignored, never whether one is
 * (core/src/verify/steps.ts `checkRedactionRecord`: any text, even "", is a
 * problem).
 */
const PROBLEM_TEXT_FUNCTIONS = new Set(['checkRedactionRecord']);

/**
 * Functions whose result reaches only a message: tlog/merkle-proof.ts
 * `proofLength` (the item count PATH(index, size) needs, named in
 * MALFORMED_PROOF's message; the refusal itself does not use it) and
 * cbor.ts `describe` (the kind of a value outside the subset, named in
 * INVALID_ARGUMENT's message).
 */
const MESSAGE_ONLY_FUNCTIONS = new Set(['proofLength', 'describe', 'describeObject']);

/**
 * Functions that return why a value breaks a rule, as text a message quotes
 * (undefined or null when it does not): the text they return is ignored,
 * never whether they return one (entry/entry.ts `textFault`, bundle/verify.ts
 * `#redactionProblem`; in
 * supervise/src/points, the rules of a violation's code and points, of a
 * revocation and of a summary's position, and why a period or a model cannot
 * be counted: their text becomes VIOLATION_INVALID's, REVOCATION_INVALID's
 * or SUMMARY_INVALID's message). Ignored: a returned text, and a choice
 * between two texts (`a ? 'x' : 'y'`); a choice between a text and null stays.
 */
const FAULT_TEXT_FUNCTIONS = new Set(['textFault', '#redactionProblem', 'codeAndPoints', 'modelInForce', 'revocationProblem', 'periodProblem', 'summaryProblem']);

/** Object properties whose text value is only read by people: an issue's `message`, a verdict's `unknown` (why an entry cannot be re-checked). */
const TEXT_PROPERTIES = new Set(['message', 'unknown']);

const isText = (node) => node?.type === 'StringLiteral' || node?.type === 'TemplateLiteral';

/**
 * Private methods whose argument at these indices reaches only a message:
 * bundle/verify.ts `#issue(code, message, seq, extra)` records an issue
 * whose code, line, seq and time are the contract, its message the wording.
 */
const MESSAGE_ARGS_PRIVATE = new Map([['issue', [1]]]);

/**
 * A parameter of this name only labels a line or field in a message
 * (bundle/parse.ts `object`, `onlyKeys`, `natural`, `base64Field`,
 * `proofField`, `provenField`): an argument bound to it, in the module that
 * declares the function, is ignored. The other arguments (the key read, the
 * limits) stay mutated.
 */
const LABEL_PARAMETER = 'what';

/**
 * Helpers of the oversight witness whose parameters of these names reach only a message (bound by
 * name, in the module that declares the helper, as for `what`): witness/witness.ts
 * `stateInvalid(message, path)` and witness/state.ts `invalid(path, message)` (STATE_INVALID, whose
 * contract is its path), and the state parser's `where` (the key named in that message: `exactKeys`,
 * `str`, `nat`, `parseCosigned`). The path and every condition stay mutated.
 */
const MESSAGE_PARAMETERS = new Map([
  ['stateInvalid', ['message']],
  ['invalid', ['message']],
  ['exactKeys', ['where']],
  ['str', ['where']],
  ['nat', ['where']],
  ['parseCosigned', ['where']],
]);

/** The name of a function declaration or of a class method, private ones with their `#`. */
function functionName(fn) {
  if (fn?.type === 'FunctionDeclaration') return fn.id?.name;
  if (fn?.type === 'ClassPrivateMethod') return `#${fn.key.id.name}`;
  if (fn?.type === 'ClassMethod' && fn.key.type === 'Identifier') return fn.key.name;
  return undefined;
}

/**
 * Variables (declared or assigned, by the nearest named function around them) that hold only text
 * for people: entry/payload.ts `payloadReplacer`'s `where` (a place in a message); the oversight
 * witness's `why` (the reason in UNKNOWN_LOG's message) and `explanation` (a split view in words:
 * the answer's message and the evidence record's `explanation`, which no one parses — the record's
 * kind, notes and sizes are its contract, docs/oversight.md §2.4); the state parser's `w` (the log
 * named in STATE_INVALID's message).
 */
const MESSAGE_ONLY_VARIABLES = new Set(['payloadReplacer:where', 'addCheckpoint:why', 'splitView:explanation', 'parseWitnessState:w']);

/** The name of the nearest named function or method around a node (an arrow function has none). */
function enclosingName(path) {
  for (let f = path.getFunctionParent?.(); f; f = f.getFunctionParent()) {
    const name = functionName(f.node);
    if (name !== undefined) return name;
  }
  return undefined;
}

const REASON = 'message text or chained cause: the code and details are the contract (docs/errors.md), the wording is not';

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'casetrail-message-text', {
    shouldIgnore(path) {
      if (path.isFunctionDeclaration() && MESSAGE_ONLY_FUNCTIONS.has(path.node.id?.name)) return REASON;
      const fn = path.getFunctionParent?.()?.node;
      const fnName = functionName(fn);
      if (FAULT_TEXT_FUNCTIONS.has(fnName)) {
        const up = path.parentPath;
        if (isText(path.node) && (up?.isReturnStatement() || (up?.isConditionalExpression() && path.key !== 'test' && up.parentPath?.isReturnStatement()))) return REASON;
        if (path.isConditionalExpression() && isText(path.node.consequent) && isText(path.node.alternate) && up?.isReturnStatement()) return REASON;
      }
      if (path.isVariableDeclarator() && path.node.id.type === 'Identifier' && MESSAGE_ONLY_VARIABLES.has(`${enclosingName(path)}:${path.node.id.name}`)) return REASON;
      if (path.isAssignmentExpression() && path.node.left.type === 'Identifier' && MESSAGE_ONLY_VARIABLES.has(`${enclosingName(path)}:${path.node.left.name}`)) return REASON;
      if (
        (path.isStringLiteral() || path.isTemplateLiteral()) &&
        PROBLEM_TEXT_FUNCTIONS.has(fnName) &&
        path.parentPath?.isAssignmentExpression() === true &&
        path.key === 'right' &&
        path.parentPath.node.left.type === 'Identifier' &&
        path.parentPath.node.left.name === 'problem'
      ) {
        return REASON;
      }
      const parent = path.parentPath;
      if (parent === null || parent === undefined) return undefined;
      if ((parent.isNewExpression() || parent.isCallExpression()) && path.listKey === 'arguments') {
        const callee = parent.node.callee;
        if (callee.type === 'Identifier' && MESSAGE_ARGS.get(callee.name)?.includes(path.key) === true) return REASON;
        if (callee.type === 'Identifier') {
          const declared = parent.scope.getBinding(callee.name)?.path.node;
          const param = declared?.type === 'FunctionDeclaration' ? declared.params[path.key] : undefined;
          if (param?.type === 'Identifier' && param.name === LABEL_PARAMETER) return REASON;
          if (param?.type === 'Identifier' && MESSAGE_PARAMETERS.get(callee.name)?.includes(param.name) === true) return REASON;
        }
        if (callee.type === 'MemberExpression' && callee.object.type === 'ThisExpression' && callee.property.type === 'PrivateName' && MESSAGE_ARGS_PRIVATE.get(callee.property.id.name)?.includes(path.key) === true) return REASON;
        // ProofLines#next(expected): the line it expects, for the message when the text ends first.
        if (callee.type === 'MemberExpression' && callee.property.type === 'Identifier' && callee.property.name === 'next' && path.isStringLiteral()) return REASON;
        if (
          callee.type === 'MemberExpression' &&
          callee.object.type === 'ThisExpression' &&
          callee.property.type === 'Identifier' &&
          MESSAGE_METHOD_ARGS.get(callee.property.name)?.includes(path.key) === true
        ) {
          return REASON;
        }
      }
      if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && path.node.key.name === 'message') return REASON;
      if (path.isObjectProperty() && !path.node.computed && path.node.key.type === 'Identifier' && TEXT_PROPERTIES.has(path.node.key.name) && isText(path.node.value)) return REASON;
      return undefined;
    },
  }),
];
