/**
 * `casetrail calendar adopt`: working-day calendars (docs/supervision.md §4)
 * adopted into a ledger. The subcommand is in commands/calendar/.
 */
import { defineGroup } from '../command.js';
import { example } from '../options.js';
import { calendarAdoptCli } from './calendar/adopt.js';

export const calendarCli = defineGroup({
  name: 'calendar',
  description: 'working-day calendars (holidays and make-up working days) that time limits count with',
  subcommands: [calendarAdoptCli],
  help: example('casetrail calendar adopt cases.ledger                 # the shipped mainland-China table, 2020–2026', 'casetrail calendar adopt cases.ledger cn-mainland-2027.json'),
});
