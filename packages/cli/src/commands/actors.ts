/**
 * `casetrail actors enrol|rotate|revoke`: who may act in a ledger, in which
 * unit, with which roles and which signature key, and from when to when
 * (docs/oversight.md §8). Each subcommand is in commands/actors/.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { actorsEnrolCli } from './actors/enrol.js';
import { actorsRevokeCli } from './actors/revoke.js';
import { actorsRotateCli } from './actors/rotate.js';

export const actorsCli = defineGroup({
  name: 'actors',
  description: "actors of a ledger's directory: enrolled with a unit, roles and a key; keys rotated; enrolments revoked",
  subcommands: [actorsEnrolCli, actorsRotateCli, actorsRevokeCli],
  help: example(
    'casetrail actors enrol county-x.ledger director:chen --unit county-x --roles decider --key chen.vkey',
    'casetrail actors rotate county-x.ledger director:chen --key chen-2027.vkey',
    'casetrail actors revoke county-x.ledger director:chen',
  ),
});
