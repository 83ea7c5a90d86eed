/**
 * What a Cedar decision costs through @cedar-policy/cedar-wasm, for decision
 * 0004 (docs/decisions/0004-policy-engine.md). Cedar is not a dependency of
 * casetrail: install it in a scratch directory and point this script at it.
 *
 *   mkdir /tmp/cedar && cd /tmp/cedar && npm init -y && npm install --save-exact @cedar-policy/cedar-wasm@4.13.0
 *   node packages/bench/src/cedar-cost.mjs --cedar /tmp/cedar/node_modules/@cedar-policy/cedar-wasm/nodejs/cedar_wasm.js
 *
 * The policies are the example policy's rules written in Cedar; the entities
 * are the smallest slice a decision needs (the actor, its unit's chain, the
 * case and its unit's chain). Measured: the module load (wasm compile), the
 * preparsing of the policy set, and decisions by `statefulIsAuthorized`
 * (preparsed policies, entities per call), by `isAuthorized` (both per
 * call), and with no entities at all (the floor of one call).
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

const { values } = parseArgs({ options: { cedar: { type: 'string' }, n: { type: 'string', default: '10000' } } });
if (values.cedar === undefined) throw new Error('--cedar <path of cedar_wasm.js> is required (see the comment at the top)');
const t0 = process.hrtime.bigint();
const cedar = await import(pathToFileURL(values.cedar).href);
const loadMs = Number(process.hrtime.bigint() - t0) / 1e6;

const POLICIES = `
permit(principal in Role::"clerk", action in [Action::"record::application.received", Action::"record::fee.charged"], resource) when { resource in principal.unit };
permit(principal in Role::"decider", action == Action::"record::approval.decided", resource) when { resource in principal.unit };
permit(principal in Role::"inspector", action in [Action::"dispose", Action::"violation"], resource) when { resource in principal.unit };
forbid(principal, action in [Action::"dispose", Action::"violation"], resource) when { resource has about && resource.about.contains(principal) };
forbid(principal, action == Action::"record::approval.decided", resource) unless { principal in Role::"decider" };
`;
const U = (id) => ({ type: 'Unit', id });
const entities = [
  { uid: U('province'), attrs: {}, parents: [] },
  { uid: U('city-a'), attrs: {}, parents: [U('province')] },
  { uid: U('county-x'), attrs: {}, parents: [U('city-a')] },
  { uid: { type: 'Actor', id: 'director:chen' }, attrs: { unit: { __entity: U('county-x') } }, parents: [U('county-x'), { type: 'Role', id: 'decider' }] },
  { uid: { type: 'Case', id: 'XK-7' }, attrs: {}, parents: [U('county-x')] },
];
const t1 = process.hrtime.bigint();
const pre = cedar.preparsePolicySet('casetrail', { staticPolicies: POLICIES });
const preparseMs = Number(process.hrtime.bigint() - t1) / 1e6;
if (pre.type !== 'success') throw new Error(JSON.stringify(pre));
const req = { principal: { type: 'Actor', id: 'director:chen' }, action: { type: 'Action', id: 'record::approval.decided' }, resource: { type: 'Case', id: 'XK-7' }, context: {} };
const first = cedar.statefulIsAuthorized({ ...req, preparsedPolicySetId: 'casetrail', entities });
if (first.type !== 'success' || first.response.decision !== 'allow') throw new Error(JSON.stringify(first));

const N = Number(values.n);
function per(fn) {
  for (let i = 0; i < 1000; i++) fn();
  const t = process.hrtime.bigint();
  for (let i = 0; i < N; i++) fn();
  return Number(process.hrtime.bigint() - t) / N / 1000;
}
console.log(
  JSON.stringify(
    {
      at: new Date().toISOString(),
      cedar: cedar.getCedarVersion(),
      node: process.version,
      loadMs,
      preparseMs,
      usPerDecision: {
        stateful: per(() => cedar.statefulIsAuthorized({ ...req, preparsedPolicySetId: 'casetrail', entities })),
        statefulNoEntities: per(() => cedar.statefulIsAuthorized({ ...req, preparsedPolicySetId: 'casetrail', entities: [] })),
        plain: per(() => cedar.isAuthorized({ ...req, policies: { staticPolicies: POLICIES }, entities })),
      },
    },
    null,
    2,
  ),
);
